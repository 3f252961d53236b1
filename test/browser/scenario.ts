// What test/browser.test.ts runs inside Chromium, built by esbuild against the browser bundle
// (imports of lib/browser.js become ./gitmodel.js, the bundle itself). On a page it answers
// window.gitmodelTest.run(store, step); in a dedicated worker (OPFS: sync access handles exist only
// there) the same calls arrive as messages. Each step returns plain data for the test to check.
import {
  Field,
  type FileSystem,
  IndexedDbFileSystem,
  MemoryBackend,
  Model,
  OpfsFileSystem,
  openGitDir,
  type RepositoryBackend,
  TransactionHandleError,
  Workspace,
} from '../../lib/browser.js';

class Note extends Model {
  @Field({ id: true, type: String }) slug!: string;
  @Field({ type: String }) title!: string;
  @Field({ type: [String] }) tags: string[] = [];
}

export type Store = 'memory' | 'idb' | 'opfs';
export type Step = 'scenario' | 'reopen' | 'export' | 'bench' | 'race' | 'raced' | 'push' | 'pull' | `writer:${string}`;

const GITDIR = '/repos/notes.git';
let memory: MemoryBackend | undefined;
const fileSystems = new Map<Store, FileSystem>();

async function fsOf(store: Store): Promise<FileSystem | undefined> {
  if (store === 'memory') return undefined;
  if (!fileSystems.has(store)) fileSystems.set(store, store === 'idb' ? await IndexedDbFileSystem.open('gitmodel-test') : await OpfsFileSystem.open());
  return fileSystems.get(store);
}

async function backend(store: Store): Promise<RepositoryBackend> {
  if (store === 'memory') return (memory ??= new MemoryBackend());
  return openGitDir((await fsOf(store))!, GITDIR);
}

async function open(store: Store, branch?: string): Promise<Workspace> {
  const ws = await Workspace.open(await backend(store), { branch, createBranch: branch === 'bench', author: { name: 'Browser', email: 'browser@example.com' } });
  ws.register(Note);
  return ws;
}

async function messages(ws: Workspace): Promise<string[]> {
  const out: string[] = [];
  for await (const c of ws.walk()) out.push(c.message);
  return out;
}

async function scenario(store: Store) {
  const ws = await open(store);
  await new Note({ slug: 'a', title: 'First', tags: ['x'] }).save();
  await new Note({ slug: 'b', title: 'Second' }).save();
  const first = await ws.commit({ message: 'two notes' });
  const a = await Note.get('a');
  a.title = 'First, edited';
  await a.save({ commit: true, message: 'edit a' });
  const history = (await Note.history('a')).map((v) => [v.status, v.object?.title, v.commit.message]);
  const diff = (await ws.diff(first!, 'HEAD')).map((c) => [c.model, c.id, c.status]);
  const before = (await Note.get('a', { at: first! })).title;

  // transactions: calls inside pass the handle; one that does not is refused at once (no async context here)
  const together = await ws.transaction(async (tx) => {
    await new Note({ slug: 'c', title: 'Third' }).save({ tx });
    await ws.files.write('README.md', '# notes\n', { tx, commit: true });
  }, { message: 'transaction' });
  const refused = await ws
    .transaction(async (tx) => {
      await new Note({ slug: 'd', title: 'Fourth' }).save({ tx });
      await new Note({ slug: 'e', title: 'Fifth' }).save();
    })
    .then(
      () => 'not refused',
      (e: unknown) => (e instanceof TransactionHandleError ? e.code : String(e)),
    );

  // branches: one made here, committed on by a second workspace, merged back
  await ws.branches.create('feature');
  const other = await open(store, 'feature');
  await new Note({ slug: 'f', title: 'On feature' }).save({ commit: true, message: 'feature note' });
  ws.register(Note);
  const merged = await ws.merge('feature');
  const branches = (await ws.branches.list()).map((b) => b.name);
  return {
    head: ws.head,
    transactionCommitted: typeof together === 'string',
    refused,
    staged: ws.hasChanges(),
    before,
    history,
    diff,
    branches,
    merged: merged.status ?? null,
    otherHead: other.head,
    slugs: (await Note.all()).map((n) => n.slug),
    log: await messages(ws),
    readme: await ws.files.readText('README.md'),
  };
}

/** After a page reload: what the store kept. */
async function reopen(store: Store) {
  const ws = await open(store);
  return { head: ws.head, slugs: (await Note.all()).map((n) => n.slug), log: await messages(ws) };
}

function base64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** Every file of the git directory, read back through the FileSystem: path → base64. */
async function exportFiles(store: Store) {
  const fs = (await fsOf(store))!;
  const files: Record<string, string> = {};
  const walk = async (dir: string) => {
    for (const entry of await fs.list(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else files[path.slice(GITDIR.length + 1)] = base64((await fs.readFile(path))!);
    }
  };
  await walk(GITDIR);
  return files;
}

/** Figures for the docs (the test asserts the work done, never the time). */
async function bench(store: Store) {
  const ws = await open(store, 'bench');
  const n = 100;
  let t = performance.now();
  for (let i = 0; i < n; i++) await new Note({ slug: `n${i}`, title: `Note ${i}`, tags: ['bench'] }).save();
  const saveMs = performance.now() - t;
  t = performance.now();
  await ws.commit({ message: `${n} notes` });
  const commitMs = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < 10; i++) {
    const one = await Note.get(`n${i}`);
    one.title += '!';
    await one.save({ commit: true });
  }
  const smallCommitMs = (performance.now() - t) / 10;
  // reads through a second workspace (Note is bound to it now): nothing cached from the writes
  await open(store, 'bench');
  t = performance.now();
  let read = 0;
  for (let i = 0; i < n; i++) read += (await Note.get(`n${i}`)).title.length > 0 ? 1 : 0;
  const readMs = (performance.now() - t) / n;
  return { n, read, saveMsEach: saveMs / n, commitMs, smallCommitMs, readMsEach: readMs };
}

/** Commits 8 plain files one by one on main, through a workspace and backend of its own. */
async function writer(store: Store, prefix: string) {
  const ws = await Workspace.open(await backend(store), { author: { name: prefix, email: `${prefix}@example.com` } });
  for (let i = 0; i < 8; i++) await ws.files.write(`race/${prefix}${i}.txt`, `${prefix}${i}\n`, { commit: true });
  return ws.head;
}

/**
 * Two writers committing to one branch at once: two workers on OPFS (their ref locks meet in
 * Web Locks), two workspaces on one page for IndexedDB (in its transactions). Every commit lands.
 */
async function race(store: Store) {
  if (store !== 'opfs') {
    await Promise.all([writer(store, 'p'), writer(store, 'q')]);
    return raced(store);
  }
  await Promise.all([inWorker(store, 'writer:p', 1), inWorker(store, 'writer:q', 2)]);
  return inWorker(store, 'raced');
}

/** What the race left on main. */
async function raced(store: Store) {
  const ws = await open(store);
  const log = await messages(ws);
  return { files: await ws.files.list('race'), raceCommits: log.filter((m) => m.startsWith('Write race/')).length };
}

// ---- sync with a git server: the page's own origin routes /git/ to `git http-backend` ----

const SYNCED = '/repos/synced.git';
let syncedMemory: MemoryBackend | undefined;

/** A repository of its own (not the scenario's), opened with origin at the page's /git/server.git. */
async function openSynced(store: Store): Promise<Workspace> {
  const repo = store === 'memory' ? (syncedMemory ??= new MemoryBackend()) : await openGitDir((await fsOf(store))!, SYNCED);
  const ws = await Workspace.open(repo, { author: { name: 'Browser', email: 'browser@example.com' } });
  ws.register(Note);
  // a worker's location is its script's URL: the same origin as the page
  const url = new URL(`/git/${store}.git`, (globalThis as unknown as { location: { href: string } }).location.href).href;
  if (!(await ws.remotes.list()).some((r) => r.name === 'origin')) await ws.remotes.add('origin', url);
  return ws;
}

/** Two commits pushed over smart HTTP by the default client (fetch()). */
async function push(store: Store) {
  const ws = await openSynced(store);
  await new Note({ slug: 'p', title: 'From the browser', tags: ['web'] }).save();
  await ws.commit({ message: 'browser: first note' });
  const first = await ws.push();
  await new Note({ slug: 'q', title: 'Second from the browser' }).save();
  await ws.commit({ message: 'browser: second note' });
  const second = await ws.push();
  return { head: ws.head, first: first.updated, second: second.updated, again: (await ws.push()).upToDate };
}

/** Pulls what the git CLI pushed meanwhile, and reads it through the models. */
async function pull(store: Store) {
  const ws = await openSynced(store);
  const before = ws.head;
  const result = await ws.pull();
  const p = await Note.get('p');
  return { before, status: result.status, head: ws.head, title: p.title, slugs: (await Note.all()).map((n) => n.slug), log: await messages(ws) };
}

export async function run(store: Store, step: Step): Promise<unknown> {
  if (step === 'race' && 'document' in globalThis) return race(store);
  if (store === 'opfs' && 'document' in globalThis) return inWorker(store, step);
  if (step.startsWith('writer:')) return writer(store, step.slice('writer:'.length));
  switch (step) {
    case 'scenario':
      return scenario(store);
    case 'reopen':
      return reopen(store);
    case 'export':
      return exportFiles(store);
    case 'bench':
      return bench(store);
    case 'raced':
      return raced(store);
    case 'push':
      return push(store);
    case 'pull':
      return pull(store);
    default:
      throw new Error(`unknown step ${step}`);
  }
}

// ---- the page forwards OPFS steps to a dedicated worker running this same script ----

type WorkerLike = { postMessage(m: unknown): void; onmessage: ((e: { data: { id: number; ok: boolean; value: unknown } }) => void) | null };
/** worker 0 runs the scenario steps; 1 and 2 are the race's second and third writers */
const workers: WorkerLike[] = [];
const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
let nextId = 0;

function inWorker(store: Store, step: Step, which = 0): Promise<unknown> {
  if (!workers[which]) {
    const Worker = (globalThis as unknown as { Worker: new (url: string, options: { type: 'module' }) => WorkerLike }).Worker;
    const worker = (workers[which] = new Worker(new URL('./scenario.js', import.meta.url).href, { type: 'module' }));
    worker.onmessage = ({ data }) => {
      const p = pending.get(data.id)!;
      pending.delete(data.id);
      if (data.ok) p.resolve(data.value);
      else p.reject(new Error(String(data.value)));
    };
  }
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    workers[which].postMessage({ id, store, step });
  });
}

const scope = globalThis as unknown as {
  document?: unknown;
  gitmodelTest?: unknown;
  onmessage: ((e: { data: { id: number; store: Store; step: Step } }) => void) | null;
  postMessage(m: unknown): void;
};
if (scope.document !== undefined) {
  scope.gitmodelTest = { run };
} else {
  scope.onmessage = ({ data }) => {
    run(data.store, data.step).then(
      (value) => scope.postMessage({ id: data.id, ok: true, value }),
      (error: unknown) => scope.postMessage({ id: data.id, ok: false, value: (error as Error)?.stack ?? String(error) }),
    );
  };
}
