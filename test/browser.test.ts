// The library in a real browser: headless Chromium (Debian's, driven by playwright-core; nothing
// downloads a browser) loads the esbuild bundle and test/browser/scenario.ts from a node:http
// server on 127.0.0.1, then saves, commits, reads, walks history, diffs, branches and merges on
// each browser store: in memory and a git directory in IndexedDB on the page, a git directory on
// OPFS in a dedicated worker. The persistent stores are read again after a reload, and their files,
// read back through the browser's FileSystem, are written to disk for `git fsck --strict` and
// `git log`. Chromium missing is a failure, not a skip (.ci/run installs it).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script, without declarations
import { buildAgainstBundle, buildBrowser } from '../scripts/build-browser.mjs';
// @ts-expect-error: a plain .mjs script, without declarations
import { buildDemo, serveSite } from '../scripts/demo-browser.mjs';
import { type GitServer, startGitServer } from './git-server.js';
import { expectFsckClean, git, tempDir } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

type Store = 'memory' | 'idb' | 'opfs';
const STORES: Store[] = ['memory', 'idb', 'opfs'];

let site: string;
let siteDir: string | undefined;
let server: Server;
let gitServer: GitServer;
let gitRoot: string | undefined;
let browser: Browser;
let page: Page;
const logged: string[] = [];

/** The bundle, and the scenario built against it (its imports of lib/browser.js become ./gitmodel.js). */
async function buildSite(dir: string): Promise<void> {
  await buildBrowser({ outfile: join(dir, 'gitmodel.js') });
  await buildAgainstBundle({ entry: join(here, 'browser/scenario.ts'), outfile: join(dir, 'scenario.js') });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>loading</title><script type="module">import "./scenario.js"; document.title = "ready";</script>');
}

async function load(): Promise<void> {
  await page.goto(`${site}/index.html`);
  await page.waitForFunction(() => (globalThis as unknown as { document: { title: string } }).document.title === 'ready');
}

function run<T>(store: Store, step: string): Promise<T> {
  return page.evaluate(([s, st]) => (globalThis as unknown as { gitmodelTest: { run(a: string, b: string): Promise<unknown> } }).gitmodelTest.run(s, st), [store, step]) as Promise<T>;
}

/** The store's git directory, every file read back through the browser's FileSystem, written to disk. */
async function exported(store: Store): Promise<{ gitdir: string; files: Record<string, string> }> {
  const files = await run<Record<string, string>>(store, 'export');
  const gitdir = join(tempDir(), 'notes.git');
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(dirname(join(gitdir, path)), { recursive: true });
    writeFileSync(join(gitdir, path), Buffer.from(data, 'base64'));
  }
  return { gitdir, files };
}

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`).toBe(true);
  // kept for the whole file (tempDir() folders go after each test)
  const dir = (siteDir = mkdtempSync(join(tmpdir(), 'gitmodel-browser-')));
  await buildSite(dir);
  // the bare repositories the sync tests push to, one per store, served by `git http-backend`
  gitRoot = mkdtempSync(join(tmpdir(), 'gitmodel-browser-git-'));
  for (const name of [...STORES, 'demo']) git(gitRoot, 'init', '-q', '--bare', '-b', 'main', `${name}.git`);
  gitServer = await startGitServer(gitRoot);
  // /git/<repo>.git of the page's own origin is the git server's <repo>.git (docs/BROWSER.md)
  ({ server, url: site } = await serveSite({ dir, git: gitServer.url }));
  await buildDemo(join(dir, 'demo'));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
  page = await browser.newPage();
  page.on('pageerror', (e) => logged.push(`pageerror: ${e.message}`));
  page.on('console', (m) => logged.push(`console.${m.type()}: ${m.text()}`));
  await load();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await gitServer?.stop();
  if (gitRoot) rmSync(gitRoot, { recursive: true, force: true });
  if (siteDir) rmSync(siteDir, { recursive: true, force: true });
});

describe.each(STORES)('in Chromium, on %s', (store) => {
  it('save, commit, get, history, diff, transactions, branches and merge', async () => {
    const result = await run<Record<string, unknown>>(store, 'scenario').catch((e: Error) => {
      throw new Error(`${e.message}\n${logged.join('\n')}`);
    });
    expect(result).toMatchObject({
      before: 'First',
      history: [
        ['modified', 'First, edited', 'edit a'],
        ['created', 'First', 'two notes'],
      ],
      diff: [['note', 'a', 'modified']],
      transactionCommitted: true,
      refused: 'TRANSACTION_HANDLE',
      staged: false,
      merged: 'fast-forward',
      slugs: ['a', 'b', 'c', 'f'],
      log: ['feature note', 'transaction', 'edit a', 'two notes'],
      readme: '# notes\n',
    });
    expect(result.branches).toEqual(['feature', 'main']);
    expect(result.head).toBe(result.otherHead);
  });

  if (store === 'memory') return;

  it('keeps the repository across a reload; its files pass git fsck --strict and git log reads the same', async () => {
    await load();
    const again = await run<{ head: string; slugs: string[]; log: string[] }>(store, 'reopen');
    expect(again.slugs).toEqual(['a', 'b', 'c', 'f']);
    expect(again.log).toEqual(['feature note', 'transaction', 'edit a', 'two notes']);
    const { gitdir, files } = await exported(store);
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['HEAD', 'config', 'refs/heads/main', 'refs/heads/feature']));
    expectFsckClean(gitdir);
    expect(git(gitdir, 'log', '--format=%s', 'main').trim().split('\n')).toEqual(again.log);
    expect(git(gitdir, 'rev-parse', 'main').trim()).toBe(again.head);
    expect(git(gitdir, 'show', 'main:README.md')).toBe('# notes\n');
    expect(JSON.parse(git(gitdir, 'show', 'main:note/a/data.json'))).toMatchObject({ title: 'First, edited', tags: ['x'] });
  });

  it('two writers commit to one branch at once: every commit lands, and git fsck still passes', async () => {
    const raced = await run<{ files: string[]; raceCommits: number }>(store, 'race');
    const names = ['p', 'q'].flatMap((w) => Array.from({ length: 8 }, (_, i) => `race/${w}${i}.txt`));
    expect(raced.files).toEqual(names.sort());
    expect(raced.raceCommits).toBe(16);
    const { gitdir } = await exported(store);
    expectFsckClean(gitdir);
    expect(git(gitdir, 'ls-tree', '-r', '--name-only', 'main', 'race').trim().split('\n')).toEqual(names);
  });
});

describe.each(STORES)('sync in Chromium, on %s, with git http-backend', (store) => {
  it('the browser pushes (fetch() client): git log, fsck --strict and git show read it; it pulls a commit the git CLI pushed', async () => {
    const bare = join(gitRoot!, `${store}.git`);
    const pushed = await run<{ head: string; first: { ref: string; old: string | null }[]; second: { new: string }[]; again: string[] }>(store, 'push');
    expect(pushed.first).toMatchObject([{ ref: 'refs/heads/main', old: null }]);
    expect(pushed.second[0].new).toBe(pushed.head);
    expect(pushed.again).toEqual(['refs/heads/main']);
    expect(git(bare, 'log', '--format=%s', 'main').trim().split('\n')).toEqual(['browser: second note', 'browser: first note']);
    expect(git(bare, 'rev-parse', 'main').trim()).toBe(pushed.head);
    expectFsckClean(bare);
    expect(JSON.parse(git(bare, 'show', 'main:note/p/data.json'))).toMatchObject({ title: 'From the browser', tags: ['web'] });

    // the git CLI edits the note in a clone and pushes; the browser pulls it
    const clone = join(tempDir(), 'clone');
    git(tempDir(), 'clone', '-q', `${gitServer.url}/${store}.git`, clone);
    const file = join(clone, 'note/p/data.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), title: 'Edited with git' }, null, 2) + '\n');
    git(clone, 'commit', '-q', '-am', 'git: edit p');
    git(clone, 'push', '-q', 'origin', 'main');
    const pulled = await run<{ before: string; status: string; head: string; title: string; slugs: string[]; log: string[] }>(store, 'pull');
    expect(pulled.before).toBe(pushed.head);
    expect(pulled.status).toBe('fast-forward');
    expect(pulled.head).toBe(git(bare, 'rev-parse', 'main').trim());
    expect(pulled.title).toBe('Edited with git');
    expect(pulled.slugs).toEqual(['p', 'q']);
    expect(pulled.log).toEqual(['git: edit p', 'browser: second note', 'browser: first note']);
  }, 60_000);
});

describe('the demo page (models-example/browser-demo.html) in Chromium', () => {
  it('adds and edits notes: the list and the selected note’s history show each save; a screenshot is saved', async () => {
    const demo = await browser.newPage();
    demo.on('pageerror', (e) => logged.push(`demo pageerror: ${e.message}`));
    demo.on('console', (m) => logged.push(`demo console.${m.type()}: ${m.text()}`));
    const ready = () => (globalThis as unknown as { demoReady?: boolean }).demoReady === true;
    await demo.goto(`${site}/demo/browser-demo.html`);
    await demo.waitForFunction(ready);
    // the page writes its status line last, once the list and history are rendered
    const saved = async (text: string) => {
      await demo.waitForFunction((t) => (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('status').textContent.startsWith(t), text, { timeout: 40_000 }).catch(async (e: Error) => {
        throw new Error(`waiting for status "${text}", it reads "${await demo.locator('#status').textContent()}": ${e.message}\n${logged.join('\n')}`);
      });
    };
    const texts = (selector: string) => demo.locator(selector).allTextContents();

    // markup typed into a note stays text: nothing of it becomes an element
    const markup = '<img src=x onerror="window.injected=1">';
    await demo.fill('#title', 'Groceries');
    await demo.fill('#body', 'milk');
    await demo.click('#save');
    await saved('Saved “Groceries”');
    await demo.click('#new');
    await demo.fill('#title', markup);
    await demo.click('#save');
    await saved(`Saved “${markup}”`);
    await demo.locator('#notes li', { hasText: 'Groceries' }).click();
    await demo.waitForFunction(() => (globalThis as unknown as { document: { getElementById(id: string): { value: string } } }).document.getElementById('title').value === 'Groceries', undefined, { timeout: 40_000 });
    await demo.fill('#title', 'Groceries for Sunday');
    await demo.fill('#body', 'milk, bread');
    await demo.click('#save');
    await saved('Saved “Groceries for Sunday”');

    expect(await texts('#notes li')).toEqual([markup, 'Groceries for Sunday']);
    expect(await texts('#notes li.selected')).toEqual(['Groceries for Sunday']);
    expect(await texts('#history .title')).toEqual(['Groceries for Sunday', 'Groceries']);
    expect(await texts('#history .body')).toEqual(['milk, bread', 'milk']);
    const when = await texts('#history .when');
    expect(when[0]).toMatch(/^modified · Edit "Groceries for Sunday" · /);
    expect(when[1]).toMatch(/^created · Add "Groceries" · /);
    expect(await demo.locator('img').count()).toBe(0);
    expect(await demo.evaluate(() => (globalThis as unknown as { injected?: number }).injected)).toBeUndefined();

    // a reload reads the notes back from IndexedDB
    await demo.reload();
    await demo.waitForFunction(ready);
    expect(await texts('#notes li')).toEqual([markup, 'Groceries for Sunday']);

    const shot = join(mkdtempSync(join(tmpdir(), 'gitmodel-demo-')), 'browser-demo.png');
    await demo.locator('#notes li', { hasText: 'Sunday' }).click();
    await demo.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): unknown[] } }).document.querySelectorAll('#history li').length === 2);
    await demo.screenshot({ path: shot });
    console.log(`[browser demo] screenshot: ${shot}`);

    // its sync: pushes the three saves to git http-backend, at the page's origin
    await demo.click('summary');
    await demo.fill('#remote', `${site}/git/demo.git`);
    await demo.click('#sync');
    await saved('Synced: pushed');
    const bare = join(gitRoot!, 'demo.git');
    expect(git(bare, 'log', '--format=%s', 'main').trim().split('\n')).toEqual(['Edit "Groceries for Sunday"', `Add "${markup}"`, 'Add "Groceries"']);
    expectFsckClean(bare);
    expect(logged.filter((l) => l.startsWith('demo pageerror'))).toEqual([]);
    await demo.close();
  }, 120_000);
});

describe('figures in Chromium', () => {
  it.each(STORES)('100 saves and a commit, 10 one-object commits, 100 reads on %s (logged, not asserted)', async (store) => {
    const figures = await run<{ n: number; read: number } & Record<string, number>>(store, 'bench');
    expect(figures.read).toBe(figures.n);
    const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
    console.log(
      `[browser figures] ${store}: save ${fmt(figures.saveMsEach)} each, commit of ${figures.n} ${fmt(figures.commitMs)}, ` +
        `one-object save+commit ${fmt(figures.smallCommitMs)}, read ${fmt(figures.readMsEach)} each`,
    );
  });
});
