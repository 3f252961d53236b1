// The browser demo (browser-demo.html; `npm run demo:browser` builds and serves it): notes kept
// in a git directory in IndexedDB, each save one commit, the selected note's versions read back
// from history, and a sync with a git server over smart HTTP. Built by esbuild against the browser
// bundle (imports of lib/browser.js become ./gitmodel.js). User values reach the page only as
// textContent or input values, never as HTML.
import { Field, IndexedDbFileSystem, Model, openGitDir, Workspace } from '../lib/browser.js';

class Note extends Model {
  @Field({ id: true, type: String }) key!: string;
  @Field({ type: String }) title!: string;
  @Field({ type: String }) body = '';
}

// the few DOM members used here: the project compiles without the DOM lib
interface El {
  textContent: string | null;
  value: string;
  className: string;
  title: string;
  onclick: (() => void) | null;
  onsubmit: ((e: { preventDefault(): void }) => void) | null;
  append(...nodes: El[]): void;
  replaceChildren(...nodes: El[]): void;
}
const doc = (globalThis as unknown as { document: { getElementById(id: string): El; createElement(tag: string): El } }).document;
const $ = (id: string) => doc.getElementById(id);
function element(tag: string, text: string, className = ''): El {
  const el = doc.createElement(tag);
  el.textContent = text;
  el.className = className;
  return el;
}

const ws = await Workspace.open(await openGitDir(await IndexedDbFileSystem.open('gitmodel-demo'), '/notes.git'), {
  author: { name: 'Demo', email: 'demo@example.com' },
});
ws.register(Note);
let selected: string | undefined;

function status(text: string): void {
  $('status').textContent = text;
}

async function renderList(): Promise<void> {
  const notes = (await Note.all()).sort((a, b) => a.title.localeCompare(b.title));
  $('notes').replaceChildren(
    ...notes.map((note) => {
      const li = element('li', note.title || '(untitled)', note.key === selected ? 'selected' : '');
      li.onclick = () => void select(note.key);
      return li;
    }),
  );
  $('head').textContent = ws.head ? `head ${ws.head.slice(0, 7)}` : 'no commit yet';
}

async function renderHistory(): Promise<void> {
  if (!selected) {
    $('history').replaceChildren();
    return;
  }
  const versions = await Note.history(selected);
  $('history').replaceChildren(
    ...versions.map((v) => {
      const li = element('li', '');
      li.append(element('div', v.object ? `${v.object.title}` : '(deleted)', 'title'), element('div', v.object?.body ?? '', 'body'));
      li.append(element('div', `${v.status} · ${v.commit.message} · ${v.commit.author.date.toLocaleString()} · ${v.commit.oid.slice(0, 7)}`, 'when'));
      return li;
    }),
  );
}

async function select(id: string | undefined): Promise<void> {
  selected = id;
  const note = id ? await Note.get(id) : undefined;
  $('title').value = note?.title ?? '';
  $('body').value = note?.body ?? '';
  await renderList();
  await renderHistory();
}

async function save(): Promise<void> {
  const title = $('title').value.trim();
  if (!title) return status('A note needs a title.');
  status('Saving…');
  const existing = selected ? await Note.get(selected) : undefined;
  const note = existing ?? new Note({ key: crypto.randomUUID(), title, body: '' });
  const created = !existing;
  note.title = title;
  note.body = $('body').value;
  await note.save({ commit: true, message: `${created ? 'Add' : 'Edit'} "${title}"` });
  selected = note.key;
  await renderList();
  await renderHistory();
  status(`Saved “${title}”: commit ${ws.head?.slice(0, 7)}`);
}

async function sync(): Promise<void> {
  const url = $('remote').value.trim();
  if (!url) return status('Give the URL of a git repository served over smart HTTP.');
  const origin = (await ws.remotes.list()).find((r) => r.name === 'origin');
  if (!origin) await ws.remotes.add('origin', url);
  else if (origin.url !== url) await ws.remotes.setUrl('origin', url);
  status('Syncing…');
  const result = await ws.sync();
  await select(selected);
  status(`Synced: ${result.pushed.updated.length ? 'pushed' : 'nothing to push'}, head ${ws.head?.slice(0, 7)}`);
}

/** Errors are shown, not thrown away: the workspace stays as it was (typed errors say why). */
function guarded(task: () => Promise<void>): () => void {
  return () => {
    task().catch((error: unknown) => status(`${(error as { code?: string }).code ?? 'Error'}: ${(error as Error).message}`));
  };
}

$('new').onclick = guarded(() => select(undefined));
$('editor').onsubmit = (e) => {
  e.preventDefault();
  guarded(save)();
};
$('sync').onclick = guarded(sync);
await select(undefined);
(globalThis as unknown as { document: { title: string } }).document.title = 'gitmodel notes';
(globalThis as unknown as { demoReady?: boolean }).demoReady = true;
