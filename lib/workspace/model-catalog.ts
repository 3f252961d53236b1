// The model classes bound to one workspace, and what their layouts say about paths: which model
// (and object) a path belongs to, and which paths an object scope covers.
import { ConfigurationError, UnknownModelError } from '../errors.js';
import type { ModelMergeHooks } from './merge-hooks.js';
import { BIND, type Bindable, type IndexHooks, type IndexProblem, type IndexStatus, type ModelBinding, type ModelHost } from './model-host.js';
import type { ObjectOf } from './rebase.js';

/** One model's objects, or one object, as walk() and restore() take them. */
export interface ObjectScope {
  /** a model class or its name */
  model?: Function | string;
  /** one object of that model */
  id?: string;
}

interface Entry {
  cls: Function;
  binding: ModelBinding;
}

export class ModelCatalog {
  private readonly models = new Map<string, Entry>();

  /** Binds model classes to the host; all or nothing: a rejected class list binds none of them. */
  register(host: ModelHost, classes: Function[]): void {
    const accepted = new Map<string, Entry>();
    for (const cls of classes) {
      const hook = (cls as unknown as Partial<Bindable>)[BIND];
      if (typeof hook !== 'function') {
        throw new ConfigurationError(`${cls.name} is not a model class: declare it as "class ${cls.name} extends Model"`, {
          model: cls.name,
        });
      }
      const binding = hook.call(cls, host);
      const existing = accepted.get(binding.name) ?? this.models.get(binding.name);
      if (existing && existing.cls !== cls) {
        throw new ConfigurationError(
          `${cls.name} and ${existing.cls.name} both use the model name "${binding.name}": give one another name with @Model({ name })`,
          { model: binding.name },
        );
      }
      accepted.set(binding.name, { cls, binding });
    }
    for (const [name, entry] of accepted) {
      entry.binding.attach();
      this.models.set(name, entry);
    }
  }

  /** The index hooks of every registered model that has them, by model name. */
  indexHooks(model?: Function | string): [string, IndexHooks][] {
    const names = model === undefined ? [...this.models.keys()] : [this.nameOf(model)];
    return names.flatMap((name) => {
      const hooks = this.models.get(name)?.binding.indexes;
      return hooks ? [[name, hooks] as [string, IndexHooks]] : [];
    });
  }

  /** Runs every model's check of a tree about to be committed (unique constraints). */
  async beforeCommit(tree: string, parent: string | null, head: string | null): Promise<void> {
    for (const [, hooks] of this.indexHooks()) await hooks.beforeCommit?.(tree, parent, head);
  }

  /** The class registered under a model name. */
  model(name: string): Function {
    const entry = this.models.get(name);
    if (!entry) throw new UnknownModelError({ model: name });
    return entry.cls;
  }

  /** The model a path belongs to: inside its objects' folder, or where its layout puts an object. */
  modelAt(path: string): string | undefined {
    for (const { binding } of this.models.values()) {
      if (binding.folder !== '' && (path === binding.folder || path.startsWith(`${binding.folder}/`))) return binding.name;
      if (binding.locate(path)) return binding.name;
    }
    return undefined;
  }

  /** Whether a folder is the one all of a model's objects live in. */
  isModelFolder(path: string): boolean {
    for (const { binding } of this.models.values()) if (binding.folder !== '' && binding.folder === path) return true;
    return false;
  }

  /** The object a path belongs to under the registered layouts, and whether it is its data file. */
  owner(path: string): { model: string; id: string; data: boolean } | undefined {
    let owner: { model: string; id: string; data: boolean } | undefined;
    for (const { binding } of this.models.values()) {
      const hit = binding.locate(path);
      if (hit) owner = { model: binding.name, ...hit };
    }
    return owner;
  }

  /** The object a path belongs to, by the registered layouts; a file outside them is its own object. */
  readonly objectOf: ObjectOf = (path) => {
    const hit = this.owner(path);
    if (!hit) return { model: null, id: null, root: path };
    return { model: hit.model, id: hit.id, root: this.models.get(hit.model)!.binding.root(hit.id) };
  };

  /** The path (and, for a whole model, the filter) that an object scope covers. */
  scope(scope: ObjectScope): { path: string; keep?: (path: string) => boolean } {
    if (scope.model === undefined) {
      if (scope.id !== undefined) throw new ConfigurationError('an id needs its model: { model: Page, id }');
      return { path: '' };
    }
    const { binding } = this.entryOf(scope.model);
    if (scope.id !== undefined) return { path: binding.root(scope.id) };
    return { path: binding.folder, keep: (path) => binding.locate(path) !== undefined };
  }

  /** How ws.merge() merges a registered model's objects (undefined: not registered, or no hooks). */
  mergeHooks(name: string): ModelMergeHooks | undefined {
    return this.models.get(name)?.binding.merge;
  }

  /** The registered model names. */
  names(): string[] {
    return [...this.models.keys()];
  }

  /** The registered name of a model class (or the name itself); UnknownModelError when none. */
  nameOf(model: Function | string): string {
    return this.entryOf(model).binding.name;
  }

  private entryOf(model: Function | string): Entry {
    if (typeof model === 'string') {
      const entry = this.models.get(model);
      if (entry) return entry;
    } else {
      for (const entry of this.models.values()) if (entry.cls === model) return entry;
    }
    throw new UnknownModelError({ model: typeof model === 'string' ? model : model.name });
  }
}

/** ws.indexes: the query indexes of the registered models (docs/QUERIES.md). */
export class Indexes {
  constructor(private readonly catalog: ModelCatalog) {}

  /** Each indexed model's index as last used: fields, tree, rows, delta size, source and work counters. */
  status(): IndexStatus[] {
    return this.catalog.indexHooks().map(([, hooks]) => hooks.status());
  }

  /** Drops the indexes held and their files (of one model, or all); the next query builds them again. */
  async rebuild(model?: Function | string): Promise<void> {
    for (const [, hooks] of this.catalog.indexHooks(model)) await hooks.rebuild();
  }

  /** What the data breaks of the declared constraints: unique values held twice, dangling references. */
  async check(): Promise<IndexProblem[]> {
    const out: IndexProblem[] = [];
    for (const [, hooks] of this.catalog.indexHooks()) out.push(...(await hooks.check()));
    return out;
  }
}
