// A model class's place in a workspace: its schema (checked to be concrete), its path layout, the
// binding `ws.register()` asks for, and the host it was bound to.
import { ConfigurationError, UnknownModelError } from '../errors.js';
import { kebabCase, schemaOf, type Schema } from '../metadata/schema.js';
import { ownSlot, ownSlotValue } from '../util/class-slot.js';
import type { ModelBinding, ModelHost } from '../workspace/model-host.js';
import type { Workspace } from '../workspace/workspace.js';
import { assertSafeId } from './id.js';
import { Layout } from './layout.js';

const HOST = Symbol('gitmodel.workspace');
const LAYOUT = Symbol('gitmodel.layout');

/** The schema of a class that can be saved and read: not an abstract one. */
export function concreteSchema(cls: Function): Schema {
  const schema = schemaOf(cls);
  if (schema.abstract) {
    throw new ConfigurationError(`${schema.name} is abstract: save, read and register its subclasses instead`, { model: schema.name });
  }
  return schema;
}

/** The model name for messages, even of a class whose declaration is broken. */
function modelName(cls: Function): string {
  try {
    return schemaOf(cls).name;
  } catch {
    return kebabCase(cls.name);
  }
}

export function layoutOf(schema: Schema): Layout {
  return ownSlot(schema.cls, LAYOUT, () => {
    const layout = new Layout(schema.path, schema.name, schema.shard);
    if (!layout.hasFolder && schema.fields.some((f) => f.type.kind === 'blob')) {
      throw new ConfigurationError(
        `${schema.name} has blob fields, so its path layout "${schema.path}" needs {id} as a folder, as in {model}/{id}/data.json`,
        { model: schema.name },
      );
    }
    return layout;
  });
}

/** A class and an id of its objects, checked: its schema (concrete), its layout, and the id safe as a path segment. */
export function objectOf(cls: Function, id: unknown): { schema: Schema; layout: Layout } {
  const schema = concreteSchema(cls);
  assertSafeId(schema.name, id);
  return { schema, layout: layoutOf(schema) };
}

/** What lib/model may use of the workspace a class is registered with. */
export function hostOf(cls: Function): ModelHost {
  const host = ownSlotValue<{ host?: ModelHost }>(cls, HOST)?.host;
  if (!host) throw new UnknownModelError({ model: modelName(cls) }, `call ws.register(${cls.name}) before using it`);
  return host;
}

/** The workspace a class is registered with. */
export function workspaceOf(cls: Function): Workspace {
  // the host `ws.register()` binds is the workspace itself
  return hostOf(cls) as Workspace;
}

/** What `ws.register()` gets from a class (through its BIND hook): where its files live, and how to bind it. */
export function bindingOf(cls: Function, host: ModelHost): ModelBinding {
  const schema = concreteSchema(cls);
  const layout = layoutOf(schema);
  return {
    name: schema.name,
    folder: layout.sharedFolder(),
    root: (id) => {
      assertSafeId(schema.name, id);
      return layout.root(id);
    },
    locate: (path) => layout.locate(path),
    // registering again (with this or another workspace) rebinds
    attach: () => {
      ownSlot<{ host?: ModelHost }>(cls, HOST, () => ({})).host = host;
    },
  };
}
