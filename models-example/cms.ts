// The flat-page CMS from python-gitmodel's README, end to end: a repository is created, pages and
// an author are saved and committed, read back (also as of an older commit); then time travel: a
// page's history, a field-level diff, blame, a tag, a draft branch, a checkpoint, restore and
// undo/redo; and the log printed.
// Run with `npm run example` (or `node dist/models-example/cms.js [repo-path]` after a build).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { NotFoundError, Ref, Workspace } from '../lib/index.js';
import { Author, Page } from './models.js';

const repoPath = process.argv[2] ?? join(mkdtempSync(join(tmpdir(), 'gitmodel-example-')), 'cms.git');
const log = (...args: unknown[]) => console.log(...args);

const ws = await Workspace.open(repoPath, { author: { name: 'Ada Editor', email: 'ada@example.com' } });
ws.register(Page, Author);
log(`opened ${repoPath} on branch ${ws.branch}`);

const ada = new Author({ handle: 'ada', name: 'Ada Editor', email: 'ada@example.com' });
await ada.save();
log(`saved author ${ada.handle} (staged, not committed)`);

const page = new Page({ slug: 'example-page', title: 'Example Page', author: Ref.to(ada) });
page.content = '<h2>Here is an Example</h2><p>Lorem Ipsum</p>';
page.tags = ['intro', 'example'];
page.updatedAt = new Date('2026-11-21T09:00:00Z');
await page.save();
log(`saved page ${page.slug} (staged); staged changes:`, (await ws.diff()).map((c) => `${c.status} ${c.model}/${c.id}`));

const first = await ws.commit({ message: 'Added an example page and its author' });
log(`committed ${first}`);

const about = new Page({ slug: 'about', title: 'About', content: '<p>Who we are</p>', published: false });
about.cover = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>');
const second = await about.save({ commit: true, message: 'Added the about page' });
log(`saved and committed page about: ${second}`);

const loaded = await Page.get('example-page');
loaded.title = 'Example Page (revised)';
const third = await loaded.save({ commit: true, message: 'Revised the example page title' });
log(`revised example-page: ${third}`);

const again = await Page.get('example-page');
const author = await again.author!.load();
log(`get example-page → title "${again.title}", tags ${JSON.stringify(again.tags)}, by ${author.name}`);
const before = await Page.get('example-page', { at: 'HEAD~1' });
log(`the same page at HEAD~1 → title "${before.title}"`);
log(`all pages: ${(await Page.all()).map((p) => p.slug).join(', ')}`);
// queries through the indexes on tags and author (docs/QUERIES.md)
const tagged = await Page.find({ where: { tags: { has: 'example' }, author: author }, include: { author: true } });
log(`pages tagged "example" by ${author.handle}: ${tagged.map((p) => p.slug).join(', ')}`);
log(`pages by ${author.handle}: ${await Page.count({ where: { author } })}`);

await Page.delete('about', { commit: true, message: 'Removed the about page' });
try {
  await Page.get('about');
} catch (error) {
  if (!(error instanceof NotFoundError)) throw error;
  log(`after deleting: ${error.code} ${error.message}`);
}
log(`the about page is still in history: "${(await Page.get('about', { at: 'HEAD~1' })).title}"`);

// --- time travel -------------------------------------------------------------------------------
log('\nhistory of example-page (newest first):');
for await (const v of Page.history('example-page')) {
  log(`  ${v.commit.oid.slice(0, 10)} ${v.status.padEnd(8)} "${v.object?.title}"  (${v.commit.message.trim()})`);
}

const diff = await Page.diff('example-page', first!, 'HEAD');
log('\nPage.diff(example-page, first commit, HEAD):');
for (const change of diff.changes) log(`  ${change.field}: ${JSON.stringify(change.from)} → ${JSON.stringify(change.to)}`);
log(diff.text.trimEnd().replace(/^/gm, '  | '));

log('blame of example-page:');
for (const b of await Page.blame('example-page')) log(`  ${b.field.padEnd(10)} ${b.commit.oid.slice(0, 10)} ${b.commit.message.trim()}`);

const v1 = await ws.tags.create('v1', { at: third!, message: 'First published version' });
log(`\ntagged ${v1.commit.slice(0, 10)} (before the about page was removed) as v1, annotated`);

await ws.branches.create('draft');
const draft = await Workspace.open(repoPath, { branch: 'draft', author: { name: 'Bo Writer', email: 'bo@example.com' } });
draft.register(Page, Author);
const onDraft = await Page.get('example-page');
onDraft.content = '<h2>Here is an Example</h2><p>Rewritten on the draft branch</p>';
await onDraft.save({ commit: true, message: 'Rewrite the example page (draft)' });
log(`branches: ${(await draft.branches.list()).map((b) => `${b.name}${b.current ? ' (this workspace)' : ''}`).join(', ')}`);
log(`the draft's content, read without switching: "${(await Page.get('example-page', { at: 'draft' })).content}"`);

ws.register(Page, Author); // back to main
const page2 = await Page.get('example-page');
page2.title = 'Example Page (work in progress)';
await page2.save();
const checkpoint = await ws.checkpoints.create('before-review');
log(`\ncheckpoint ${checkpoint.name} → ${checkpoint.oid.slice(0, 10)} (main still at ${ws.head!.slice(0, 10)}, the edit still staged)`);
log(`  ws.diff('before-review', 'HEAD'): ${(await ws.diff('before-review', 'HEAD')).map((c) => `${c.status} ${c.model}/${c.id}`).join(', ')}`);
await ws.discard();

await Page.restore('about', { from: 'v1' });
log(`restored about as of v1 (staged): ${(await ws.diff()).map((c) => `${c.status} ${c.model}/${c.id}`).join(', ')}`);
const restored = await ws.commit({ message: 'Bring back the about page' });
log(`committed ${restored}; about is back: "${(await Page.get('about')).title}"`);

await ws.undo();
log(`undo → main at ${ws.head!.slice(0, 10)}; about exists: ${await Page.exists('about')}`);
await ws.redo();
log(`redo → main at ${ws.head!.slice(0, 10)}; about exists: ${await Page.exists('about')}`);

log('\ncommit log (newest first):');
for await (const commit of ws.walk()) {
  log(`  ${commit.oid.slice(0, 10)} ${commit.author.name}  ${commit.message.trim()}`);
}
log('commits that changed the about page:');
for await (const commit of ws.walk({ model: Page, id: 'about' })) log(`  ${commit.oid.slice(0, 10)} ${commit.message.trim()}`);
log(`\ninspect it with git: git --git-dir ${repoPath} log --stat --all`);

// --- sync: two machines through a bare repository (a path remote; an https:// URL works alike) --
const hub = join(mkdtempSync(join(tmpdir(), 'gitmodel-hub-')), 'hub.git');
await Workspace.open(hub); // an empty bare repository
await ws.remotes.add('hub', hub, { upstream: true }); // branch.main.remote = hub, as git push -u
const published = await ws.sync();
log(`\nsync: main pushed to ${hub}: ${published.pushed.updated.map((u) => u.ref).join(', ')}`);

const laptop = await Workspace.open(join(dirname(hub), 'laptop.git'), { author: { name: 'Lin Laptop', email: 'lin@example.com' } });
await laptop.remotes.add('origin', hub, { upstream: true });
log(`the laptop's first sync: ${(await laptop.sync()).merge?.status} to ${laptop.head!.slice(0, 10)}`);
laptop.register(Page, Author);
const onLaptop = await Page.get('example-page');
onLaptop.tags = [...onLaptop.tags, 'synced'];
await onLaptop.save({ commit: true, message: 'Tag the example page (laptop)' });
log(`the laptop tags the page and syncs: pushed ${(await laptop.sync()).pushed.updated.length} ref`);

ws.register(Page, Author); // meanwhile, on the first machine, another field of the same page
const onServer = await Page.get('example-page');
onServer.title = 'Example Page (final)';
await onServer.save({ commit: true, message: 'Final title' });
const synced = await ws.sync();
const merge = synced.merge!;
log(`main syncs: ${merge.status} (${merge.changes.map((c) => `${c.status} ${c.model}/${c.id}`).join(', ')}), conflicts ${merge.conflicts.length}, pushed ${synced.pushed.updated.length}, in ${synced.attempts} round`);
await laptop.sync();
laptop.register(Page, Author);
const both = await Page.get('example-page');
log(`the laptop syncs again: same head ${laptop.head === ws.head}; its page: "${both.title}", tags ${JSON.stringify(both.tags)}`);
ws.register(Page, Author);
