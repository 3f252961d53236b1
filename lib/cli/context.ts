// What every command starts from: the repository (found without creating one), the layouts the
// user named, revisions resolved as a workspace resolves them, and the `[rev:]model/id` syntax.
import { ConfigurationError, UnsafeIdError } from '../errors.js';
import { Repository } from '../git/repository.js';
import { idProblem } from '../model/id.js';
import { resolveAt } from '../workspace/resolve.js';
import type { Workspace } from '../workspace/workspace.js';
import { absolute, readTextIfExists } from './node-io.js';
import type { Output } from './output.js';
import { type LayoutSpecs, parseLayoutSpec, RawModels, type RawModel } from './raw-models.js';

/** Bad command-line input: exit code 64 (EX_USAGE). */
export class UsageError extends Error {
  readonly code = 'USAGE';
}

export interface Globals {
  /** the repository path (-C, GITMODEL_REPO, else the current directory) */
  repo: string;
  /** the workspace branch for writing commands (default: HEAD's) */
  branch?: string;
  layouts: string[];
}

/** A command's parsed options (node:util parseArgs' values). */
export type Values = Record<string, string | boolean | string[] | undefined>;

/** `[<rev>:]<model>/<id>`: a ref name cannot hold `:` and an id cannot hold `/` or `:` (FORMAT.md). */
export interface ObjectRef {
  rev: string;
  model: string;
  id: string;
}

export function parseObjectRef(text: string): ObjectRef {
  const colon = text.indexOf(':');
  const rev = colon < 0 ? 'HEAD' : text.slice(0, colon);
  const rest = colon < 0 ? text : text.slice(colon + 1);
  const slash = rest.indexOf('/');
  if (!rev || slash <= 0 || slash === rest.length - 1 || rest.indexOf('/', slash + 1) >= 0) {
    throw new UsageError(`"${text}" is not an object reference: write [<rev>:]<model>/<id>, as v1:page/about`);
  }
  const ref = { rev, model: rest.slice(0, slash), id: rest.slice(slash + 1) };
  // an id that could not have been saved is refused as the library refuses it (exit 64), not looked up
  const problem = idProblem(ref.id);
  if (problem) throw new UnsafeIdError({ model: ref.model, id: ref.id, reason: problem });
  return ref;
}

/** gitmodel.json's layouts: `{ "layouts": { "page": "content/{id}/page.json" | { "path", "shard" } } }`. */
function fileLayouts(text: string, where: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${where} is not JSON: ${(error as Error).message}`);
  }
  const layouts = (parsed as { layouts?: Record<string, string | { path: string; shard?: number }> }).layouts ?? {};
  return Object.entries(layouts).map(([name, spec]) =>
    typeof spec === 'string' ? `${name}=${spec}` : `${name}=${spec.path}${spec.shard ? `#${spec.shard}` : ''}`,
  );
}

export class Context {
  private constructor(
    readonly repo: Repository,
    readonly models: RawModels,
    readonly out: Output,
    readonly globals: Globals,
    /** the ref `HEAD` stands for: --branch's, else the repository's HEAD */
    private readonly head: string | undefined,
  ) {}

  static async open(globals: Globals, out: Output): Promise<Context> {
    const path = absolute(globals.repo);
    const repo = await Repository.open(path, { create: false });
    // a gitmodel.json beside the repository or in the current directory, then --layout (which wins)
    const where = repo.workdir ?? path;
    const text = readTextIfExists(`${where}/gitmodel.json`) ?? readTextIfExists('gitmodel.json');
    const specs = new Map([...(text ? fileLayouts(text, 'gitmodel.json') : []), ...globals.layouts].map(parseLayoutSpec));
    const head = globals.branch !== undefined ? `refs/heads/${globals.branch}` : undefined;
    return new Context(repo, new RawModels(repo, specs as LayoutSpecs), out, globals, head);
  }

  /** A revision's commit oid (`HEAD` is --branch's head when given; a checkpoint by its bare name). */
  resolve(rev = 'HEAD'): Promise<string> {
    return resolveAt(this.repo, rev, this.head);
  }

  async treeAt(rev = 'HEAD'): Promise<{ commit: string; tree: string }> {
    const commit = await this.resolve(rev);
    return { commit, tree: (await this.repo.readCommit(commit)).tree };
  }

  /** A model's layout at a revision (probed at `id`'s paths first when given). */
  async model(rev: string, name: string, id?: string): Promise<RawModel & { commit: string; tree: string }> {
    const at = await this.treeAt(rev);
    return { ...(await this.models.get(at.tree, name, id)), ...at };
  }

  /**
   * A workspace on the repository for a writing command, loaded only by those commands (reads
   * never load it). create: false — a command never makes a repository where there was none.
   */
  async workspace(): Promise<Workspace> {
    const { Workspace } = await import('../workspace/workspace.js');
    return Workspace.open(absolute(this.globals.repo), { create: false, branch: this.globals.branch });
  }
}
