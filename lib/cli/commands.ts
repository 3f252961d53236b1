// The command table: each command's usage, options (node:util parseArgs) and what it runs. Each
// loads what it uses when run (reads.ts, history-reads.ts, diffs, verify, serve, the workspace for
// writes), so `show` starts with git core and the Node file system only, `blame` adds history.
import type { CommitInfo } from '../history/commit-info.js';
import { type Context, type ObjectRef, parseObjectRef, UsageError, type Values } from './context.js';
import { day, oneLine, type Output, shown } from './output.js';

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

export interface Command {
  usage: string;
  summary: string;
  /** more about options and output, for `gitmodel help <command>` */
  details?: string;
  options?: Record<string, OptionSpec>;
  /** false: runs without a repository (none yet) */
  run(ctx: Context, args: string[], values: Values): Promise<number | void>;
}

// loaded by the commands that use them: `show` reads no history, `log` lists no models
const objects = () => import('./reads.js');
const history = () => import('./history-reads.js');

const str = (v: Values[string]) => (typeof v === 'string' ? v : undefined);

function count(v: Values[string], name: string): number | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s)) throw new UsageError(`${name} wants a whole number, not "${s}"`);
  return Number(s);
}

function date(v: Values[string], name: string): Date | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new UsageError(`${name} wants a date (2026-05-01, or ISO 8601), not "${s}"`);
  return d;
}

/** A duration such as --older-than's: 500ms, 10s, 5m (a bare number is seconds). */
function duration(v: Values[string], name: string, fallback: string): number {
  const text = str(v) ?? fallback;
  const m = /^(\d+)(ms|s|m)?$/.exec(text);
  if (!m) throw new UsageError(`${name} wants a duration (500ms, 10s, 5m), not "${text}"`);
  return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
}

function arity(args: string[], min: number, max: number, usage: string): void {
  if (args.length < min || args.length > max) throw new UsageError(`usage: gitmodel ${usage}`);
}

const short = (oid: string) => oid.slice(0, 7);
const subject = (c: CommitInfo) => oneLine(c.message.split('\n')[0], 72);
const commitLine = (out: Output, c: CommitInfo) =>
  `${out.paint('yellow', short(c.oid))}  ${day(c.author.date)}  ${oneLine(c.author.name, 20).padEnd(20)}  ${subject(c)}`;

const LOG_OPTIONS: Record<string, OptionSpec> = {
  'max-count': { type: 'string', short: 'n' },
  since: { type: 'string' },
  until: { type: 'string' },
  author: { type: 'string' },
  grep: { type: 'string' },
  follow: { type: 'boolean' },
  'no-follow': { type: 'boolean' },
};

/** Whether a lone word names a model at HEAD (else it is a revision): `log page` and `log main`. */
async function isModel(ctx: Context, word: string): Promise<boolean> {
  try {
    const { tree } = await ctx.treeAt();
    return (await ctx.models.list(tree)).some((m) => m.name === word);
  } catch {
    return false;
  }
}

function status(out: Output, s: string): string {
  const style = s === 'created' ? 'green' : s === 'deleted' ? 'red' : s === 'modified' ? 'yellow' : 'dim';
  return out.paint(style, s);
}

/** branch, tag and checkpoint: list, create, delete (refs.ts). */
function refs(kind: 'branch' | 'tag' | 'checkpoint', usage: string, summary: string, options: Record<string, OptionSpec>): Command {
  return {
    usage,
    summary,
    options,
    async run(ctx, args, values) {
      const { refCommand } = await import('./refs.js');
      return refCommand(ctx, kind, args, values, usage);
    },
  };
}

/** undo and redo: ws.undo() / ws.redo(), N times; prints the new head. */
function branchMove(action: 'undo' | 'redo', summary: string): Command {
  return {
    usage: `${action} [-n N]`,
    summary,
    options: { 'max-count': { type: 'string', short: 'n' } },
    async run(ctx, args, values) {
      arity(args, 0, 0, this.usage);
      const { moveBranch } = await import('./writes.js');
      const r = await moveBranch(ctx, action, count(values['max-count'], '-n') ?? 1);
      await ctx.out.value(r, () => `head ${r.head}`);
    },
  };
}

export const COMMANDS: Record<string, Command> = {
  models: {
    usage: 'models [<rev>]',
    summary: 'the models at a revision: name, layout, object count',
    async run(ctx, args) {
      arity(args, 0, 1, this.usage);
      const rows = await (await objects()).listModels(ctx, args[0]);
      await ctx.out.list(rows, {
        columns: [
          { title: 'MODEL', cell: (r) => r.name },
          { title: 'OBJECTS', cell: (r) => String(r.objects) },
          { title: 'LAYOUT', cell: (r) => r.layout },
        ],
        empty: 'no models found (a custom layout needs --layout name=template)',
      });
    },
  },

  ls: {
    usage: 'ls <model> [<rev>] [--fields a,b] [--where field=value]... [-n N]',
    summary: "a model's object ids, optionally with some fields",
    options: { fields: { type: 'string' }, where: { type: 'string', multiple: true }, 'max-count': { type: 'string', short: 'n' } },
    async run(ctx, args, values) {
      arity(args, 1, 2, this.usage);
      const fields = str(values.fields)?.split(',').filter(Boolean) ?? [];
      const where = ((values.where as string[] | undefined) ?? []).map((w): [string, string] => {
        const at = w.indexOf('=');
        if (at <= 0) throw new UsageError(`--where wants field=value, not "${w}"`);
        return [w.slice(0, at), w.slice(at + 1)];
      });
      const rows = (await objects()).listObjects(ctx, args[0], args[1], { fields, where, limit: count(values['max-count'], '-n') });
      type Row = Record<string, unknown> & { id: string };
      const columns = [{ title: 'ID', cell: (r: Row) => oneLine(r.id, 80) }, ...fields.map((f) => ({ title: f.toUpperCase(), cell: (r: Row) => shown(r[f], 40) }))];
      await ctx.out.list<Row>(rows, fields.length ? { columns } : { line: (r) => r.id });
    },
  },

  show: {
    usage: 'show [<rev>:]<model>/<id> [--raw]',
    summary: 'one object as stored at a revision (default HEAD)',
    details: '--raw prints the data file byte for byte; --json the object; blob fields show as {file,size,oid}.',
    options: { raw: { type: 'boolean' } },
    async run(ctx, args, values) {
      arity(args, 1, 1, this.usage);
      const found = await (await objects()).showObject(ctx, parseObjectRef(args[0]));
      if (values.raw) return void (await ctx.out.bytes(found.bytes));
      const width = Math.max(0, ...Object.keys(found.object).map((k) => k.length));
      await ctx.out.value(found.object, () =>
        Object.entries(found.object)
          .map(([k, v]) => `${ctx.out.paint('bold', `${k}:`.padEnd(width + 1))} ${typeof v === 'string' ? oneLine(v, 2000) : JSON.stringify(v)}`)
          .join('\n'),
      );
    },
  },

  cat: {
    usage: 'cat [<rev>:]<model>/<id> [<blob-field>] | cat <rev>:<path>',
    summary: "raw bytes of an object's data file, of one of its blob fields, or of any file",
    async run(ctx, args) {
      arity(args, 1, 2, this.usage);
      const colon = args[0].indexOf(':');
      const rest = colon < 0 ? args[0] : args[0].slice(colon + 1);
      // more than one slash: a path (v1:page/about/data.json), not model/id
      const bytes =
        rest.split('/').length > 2
          ? await (await objects()).readPath(ctx, colon < 0 ? 'HEAD' : args[0].slice(0, colon), rest)
          : await (await objects()).catObject(ctx, parseObjectRef(args[0]), args[1]);
      await ctx.out.bytes(bytes);
    },
  },

  log: {
    usage: 'log [<model>[/<id>] | [<rev>:]<model>/<id>] [<rev>] [-n N] [--since D] [--until D] [--author A] [--grep M] [--no-follow]',
    summary: 'commits (of the repository, or touching a model), or the versions of one object',
    details:
      'For one object: the commits that changed its data file, with created/modified/deleted/moved, moves followed (--follow, the default);\n--no-follow: its versions under this id only, a move showing as created (git log -- <path>).\n--format jsonl streams one line per row.',
    options: LOG_OPTIONS,
    async run(ctx, args, values) {
      arity(args, 0, 2, this.usage);
      const filter = {
        limit: count(values['max-count'], '-n'),
        since: date(values.since, '--since'),
        until: date(values.until, '--until'),
        author: str(values.author),
        grep: str(values.grep),
      };
      let [what, rev] = args;
      if (what !== undefined && rev === undefined && !what.includes('/') && !(await isModel(ctx, what))) [what, rev] = [undefined!, what];
      if (values.follow && values['no-follow']) throw new UsageError('--follow or --no-follow, not both');
      if (what?.includes('/')) {
        const ref = parseObjectRef(what);
        if (rev !== undefined) ref.rev = rev;
        if (filter.author || filter.grep) throw new UsageError('--author and --grep filter commits: use them without an object');
        await ctx.out.list((await history()).objectVersions(ctx, ref, { ...filter, follow: values['no-follow'] !== true }), {
          line: (v) => `${status(ctx.out, v.status.padEnd(8))}  ${commitLine(ctx.out, v.commit)}${v.movedFrom !== undefined ? `  (from ${v.movedFrom})` : ''}`,
        });
        return;
      }
      if (values.follow || values['no-follow']) throw new UsageError('--follow and --no-follow are about one object: log <model>/<id>');
      await ctx.out.list((await history()).commitLog(ctx, rev, what, filter), { line: (c) => commitLine(ctx.out, c) });
    },
  },

  diff: {
    usage: 'diff [<from>] [<to>] [<model>[/<id>]] [--stat]',
    summary: 'objects and fields changed between two revisions (default: HEAD~1 and HEAD; one revision: it and HEAD)',
    details: 'JSON: {from,to,objects:[{model,id,status,paths,changes:[{field,from,to}]}]}; an unset side is null with fromUnset/unset: true.',
    options: { stat: { type: 'boolean' } },
    async run(ctx, args, values) {
      arity(args, 0, 3, this.usage);
      let scope: { model?: string; id?: string } = {};
      const last = args.at(-1);
      if (last !== undefined && (last.includes('/') || (args.length === 3 || (await isModel(ctx, last))))) {
        args = args.slice(0, -1);
        const slash = last.indexOf('/');
        scope = slash < 0 ? { model: last } : { model: last.slice(0, slash), id: last.slice(slash + 1) };
      }
      const [from, to] = args.length === 0 ? ['HEAD~1', 'HEAD'] : args.length === 1 ? [args[0], 'HEAD'] : args;
      const { diffRevisions } = await import('./diffs.js');
      const d = await diffRevisions(ctx, from, to, scope);
      const out = ctx.out;
      if (values.stat) {
        const stat = new Map<string, Record<string, number>>();
        for (const o of d.objects) {
          const row = stat.get(o.model ?? '(files)') ?? { created: 0, modified: 0, deleted: 0 };
          row[o.status] = (row[o.status] ?? 0) + 1;
          stat.set(o.model ?? '(files)', row);
        }
        const rows = [...stat].map(([model, s]) => ({ model, created: s.created, modified: s.modified, deleted: s.deleted }));
        return void (await out.value({ from: d.from, to: d.to, models: rows }, () =>
          out.table(['MODEL', 'CREATED', 'MODIFIED', 'DELETED'], rows.map((r) => [r.model, String(r.created), String(r.modified), String(r.deleted)])),
        ));
      }
      await out.value(d, () =>
        d.objects
          .map((o) => {
            const head = `${status(out, o.status)} ${o.model === null ? o.paths.join(', ') : `${o.model}/${o.id}`}`;
            const lines = o.changes.map((c) =>
              c.fromUnset
                ? `  ${c.field}: ${out.paint('green', shown(c.to))}`
                : c.unset
                  ? `  ${c.field}: ${out.paint('red', shown(c.from))} → (unset)`
                  : `  ${c.field}: ${out.paint('red', shown(c.from))} → ${out.paint('green', shown(c.to))}`,
            );
            return [head, ...lines].join('\n');
          })
          .join('\n'),
      );
    },
  },

  blame: {
    usage: 'blame [<rev>:]<model>/<id>',
    summary: 'per field: the commit that last changed it, its author, date and value',
    async run(ctx, args) {
      arity(args, 1, 1, this.usage);
      const rows = await (await history()).blame(ctx, parseObjectRef(args[0]));
      await ctx.out.list(rows, {
        columns: [
          { title: 'FIELD', cell: (r) => r.field },
          { title: 'COMMIT', cell: (r) => ctx.out.paint('yellow', short(r.commit.oid)) },
          { title: 'AUTHOR', cell: (r) => oneLine(r.commit.author.name, 20) },
          { title: 'DATE', cell: (r) => day(r.commit.author.date) },
          { title: 'VALUE', cell: (r) => (r.unset ? '(unset)' : shown(r.value)) },
        ],
      });
    },
  },

  status: {
    usage: 'status',
    summary: 'the branch, its head, the redo depth, checkpoints and branches, a merge in progress, ref locks present',
    async run(ctx, args) {
      arity(args, 0, 0, this.usage);
      const { status } = await import('./refs.js');
      const s = await status(ctx);
      await ctx.out.value(s, () =>
        [
          `branch ${s.branch}${s.head ? ` at ${s.head}` : ' (no commits yet)'}`,
          `redo depth ${s.redoDepth}`,
          `checkpoints ${s.checkpoints}, branches ${s.branches}, tags ${s.tags}`,
          ...(s.merging ? [`merging ${s.merging.rev} (${s.merging.theirs}): ${s.merging.conflicts} conflicts left (gitmodel conflicts)`] : []),
          ...s.locks.map((l) => `locked ${l.path} (${Math.round(l.ageMs / 1000)} s old${l.stale ? ': stale, gitmodel clear-locks removes it' : ''})`),
          'staged nothing (the command line has no index: each writing command commits)',
        ].join('\n'),
      );
    },
  },

  branch: refs('branch', 'branch [list | create <name> [<rev>] | rename <name> <new-name> | delete <name> [--force]]', 'list, create, rename or delete branches (compare-and-swap through the library)', {
    force: { type: 'boolean' },
  }),
  tag: refs('tag', 'tag [list | create <name> [<rev>] [-m <message>] | delete <name>]', 'list, create (annotated with -m) or delete tags', {
    message: { type: 'string', short: 'm' },
  }),
  checkpoint: refs(
    'checkpoint',
    'checkpoint [list | create [<name>] [-m <message>] | delete <name> | restore <name>]',
    'list, create, delete checkpoints, or restore every object as a checkpoint has it (one new commit)',
    { message: { type: 'string', short: 'm' } },
  ),

  undo: branchMove('undo', "move the branch back to its head's first parent (N times); redo moves it forward again"),
  redo: branchMove('redo', 'move the branch forward to the commit undone last (N times)'),

  restore: {
    usage: 'restore <model>/<id> --from <rev> [-m <message>]',
    summary: 'bring one object back as it was at a revision, as a new commit (deleted if it did not exist then)',
    options: { from: { type: 'string' }, message: { type: 'string', short: 'm' } },
    async run(ctx, args, values) {
      arity(args, 1, 1, this.usage);
      const from = str(values.from);
      if (from === undefined) throw new UsageError(`usage: gitmodel ${this.usage}`);
      const { restoreObject } = await import('./writes.js');
      const r = await restoreObject(ctx, parseObjectRef(args[0]), from, str(values.message));
      await ctx.out.value(r, () => (r.commit ? `committed ${r.commit}` : 'nothing to restore: the object is the same'));
    },
  },

  verify: {
    usage: 'verify [--older-than 10s]',
    summary: 'read, re-hash and parse every reachable object and every data file, list stale ref locks; exit 1 on any problem',
    details: 'A ref lock file older than --older-than (default 10s) was left by a writer that died: it is listed (staleLocks in JSON) as a problem; gitmodel clear-locks removes it.',
    options: { 'older-than': { type: 'string' } },
    async run(ctx, args, values) {
      arity(args, 0, 0, this.usage);
      const olderThanMs = duration(values['older-than'], '--older-than', '10s');
      const { verify } = await import('./verify.js');
      const bar = ctx.out.progress('verifying objects');
      const report = await verify(ctx, (n) => bar.tick(n), { olderThanMs });
      bar.end();
      const o = report.objects;
      await ctx.out.value({ ok: report.problems.length === 0, ...report }, () =>
        [
          `${report.refs} refs; ${o.commit} commits, ${o.tree} trees, ${o.blob} blobs, ${o.tag} tags re-hashed; ${report.dataFiles} data files parsed`,
          ...report.problems.map((p) => `${ctx.out.paint('red', 'problem')}: ${p.where}: ${p.reason}`),
          report.problems.length ? `${report.problems.length} problems` : 'ok',
        ].join('\n'),
      );
      return report.problems.length ? 1 : 0;
    },
  },

  maintain: {
    usage: 'maintain',
    summary: 'pack every pack and loose object into one and write a commit-graph (ws.maintain(), as git gc does, keeping every object)',
    async run(ctx, args) {
      arity(args, 0, 0, this.usage);
      const ws = await ctx.workspace();
      const bar = ctx.out.progress('packing');
      bar.tick(0);
      const r = await ws.maintain();
      bar.end();
      await ctx.out.value(r, () => `${r.packsMerged} packs merged, ${r.looseObjectsPacked} loose objects packed; ${r.packs} packs now`);
    },
  },

  'clear-locks': {
    usage: 'clear-locks [--older-than 10s]',
    summary: 'remove ref lock files left by writers that died (older than the age given, default 10 s)',
    options: { 'older-than': { type: 'string' } },
    async run(ctx, args, values) {
      arity(args, 0, 0, this.usage);
      const olderThanMs = duration(values['older-than'], '--older-than', '10s');
      const ws = await ctx.workspace();
      const removed = await ws.clearStaleLocks({ olderThanMs });
      await ctx.out.list(removed, { line: (path) => `removed ${path}`, empty: 'no stale locks' });
    },
  },

  remote: {
    usage: 'remote [list | add <name> <url> [--checkpoints] [--upstream] | remove <name>]',
    summary: "list, add or remove remotes (the repository's config, as git remote)",
    details:
      'add: --checkpoints also fetches and pushes checkpoints; --upstream makes the remote the branch\'s upstream (its branch of the same name).\nremove: also removes the upstreams on it and its remote-tracking refs, as git remote remove does.',
    options: { checkpoints: { type: 'boolean' }, upstream: { type: 'boolean' } },
    async run(ctx, args, values) {
      const { remoteCommand } = await import('./remote-commands.js');
      await remoteCommand(ctx, args, values, this.usage);
    },
  },

  fetch: {
    usage: 'fetch [<remote>]',
    summary: "fetch from a remote (default origin) into its remote-tracking refs",
    async run(ctx, args) {
      arity(args, 0, 1, this.usage);
      const { fetch } = await import('./remote-commands.js');
      await fetch(ctx, args[0]);
    },
  },

  push: {
    usage: 'push [<remote>] [--force]',
    summary: 'push the branch to a remote (default origin)',
    options: { force: { type: 'boolean' } },
    async run(ctx, args, values) {
      arity(args, 0, 1, this.usage);
      const { push } = await import('./remote-commands.js');
      await push(ctx, args[0], values.force === true);
    },
  },

  pull: {
    usage: 'pull [<remote>] [--strategy ours|theirs|lww]',
    summary: "fetch, then merge the branch's upstream (default origin's branch of the same name); conflicts are listed and nothing is committed",
    options: { strategy: { type: 'string' } },
    async run(ctx, args, values) {
      arity(args, 0, 1, this.usage);
      const { pull } = await import('./remote-commands.js');
      return pull(ctx, args[0], strategyOf(values.strategy));
    },
  },

  sync: {
    usage: 'sync [<remote>] [--strategy ours|theirs|lww] [--retries 5]',
    summary: 'pull, then push the branch; a push the remote refuses because it moved starts another round',
    options: { strategy: { type: 'string' }, retries: { type: 'string' } },
    async run(ctx, args, values) {
      arity(args, 0, 1, this.usage);
      const { sync } = await import('./remote-commands.js');
      await sync(ctx, args[0], strategyOf(values.strategy), count(values.retries, '--retries'));
    },
  },

  merge: {
    usage: 'merge <rev> [-m <message>] [--strategy ours|theirs|lww] | merge --continue [-m <message>] | merge --abort',
    summary: 'merge a revision into the branch; conflicts are left in progress (exit 1) for resolve, then --continue (or --abort)',
    details:
      'A merge with conflicts commits nothing and exits 1; the merge stays in progress across runs (refs/gitmodel/merge/<branch>).\n' +
      '`gitmodel conflicts` lists what is left, `gitmodel resolve <model>/<id> --ours|--theirs|--value <json> [--field f]` settles it,\n' +
      '`gitmodel merge --continue` makes the merge commit (UNRESOLVED_CONFLICTS while any is left), `--abort` discards it.',
    options: { message: { type: 'string', short: 'm' }, strategy: { type: 'string' }, continue: { type: 'boolean' }, abort: { type: 'boolean' } },
    async run(ctx, args, values) {
      if (values.continue || values.abort) {
        arity(args, 0, 0, this.usage);
        if (values.continue && values.abort) throw new UsageError('merge takes --continue or --abort, not both');
        const { abortMerge, continueMerge } = await import('./conflicts.js');
        if (values.abort) {
          const head = await abortMerge(ctx);
          return ctx.out.value({ aborted: true, head }, () => `merge aborted; ${head ? `the branch is at ${head}` : 'the branch has no commits'}`);
        }
        const commit = await continueMerge(ctx, str(values.message));
        return ctx.out.value({ commit }, () => `merged ${commit}`);
      }
      arity(args, 1, 1, this.usage);
      const { merge } = await import('./remote-commands.js');
      return merge(ctx, args[0], str(values.message), strategyOf(values.strategy));
    },
  },

  conflicts: {
    usage: 'conflicts',
    summary: 'the conflicts left by the merge in progress (a data file both sides changed lists its conflicting fields)',
    async run(ctx, args) {
      arity(args, 0, 0, this.usage);
      const { conflicts } = await import('./conflicts.js');
      await conflicts(ctx);
    },
  },

  resolve: {
    usage: 'resolve <model>/<id> --ours|--theirs|--value <json> [--field <f>]...',
    summary: "settle an object's conflicts in the merge in progress: a side's version, or the object given; with --field, those fields only",
    details:
      'Without --field the whole object takes that side (its data file and blob files), or --value is the whole object (JSON).\n' +
      'With --field (repeatable) the data file is merged key by key: changes made on one side are kept, the named fields take\n' +
      "the side's value (or --value, the field's value as JSON), other fields changed on both sides keep ours'.",
    options: { ours: { type: 'boolean' }, theirs: { type: 'boolean' }, value: { type: 'string' }, field: { type: 'string', multiple: true } },
    async run(ctx, args, values) {
      arity(args, 1, 1, this.usage);
      if (values.ours && values.theirs) throw new UsageError('resolve takes one of --ours, --theirs or --value');
      const { resolve } = await import('./conflicts.js');
      const side = values.ours ? 'ours' : values.theirs ? 'theirs' : undefined;
      const fields = Array.isArray(values.field) ? values.field : [];
      const r = await resolve(ctx, parseObjectRef(args[0]), { side, value: str(values.value), fields });
      await ctx.out.value(r, () => `resolved ${r.resolved.join(', ')}; ${r.left} conflict${r.left === 1 ? '' : 's'} left${r.left ? '' : ' (gitmodel merge --continue commits the merge)'}`);
    },
  },

  serve: {
    usage: 'serve [--port 0] [--host 127.0.0.1]',
    summary: 'a read-only web view: models, objects, history, field diffs, blame; prints its URL',
    options: { port: { type: 'string' }, host: { type: 'string' } },
    async run(ctx, args, values) {
      arity(args, 0, 0, this.usage);
      const { serve } = await import('./serve.js');
      await serve(ctx, str(values.host) ?? '127.0.0.1', count(values.port, '--port') ?? 0);
    },
  },
};

/** --strategy: how merge, pull and sync settle the conflicts the rules leave ('stop': list them). */
function strategyOf(value: string | boolean | string[] | undefined): 'stop' | 'ours' | 'theirs' | 'lww' {
  const strategy = str(value) ?? 'stop';
  if (!['stop', 'ours', 'theirs', 'lww'].includes(strategy)) throw new UsageError(`--strategy is ours, theirs or lww, not "${strategy}"`);
  return strategy as 'stop';
}

export type { ObjectRef };
