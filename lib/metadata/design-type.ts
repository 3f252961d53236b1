// The one place that reads TypeScript's emitted `design:type` metadata.
import 'reflect-metadata';

/** The constructor TypeScript recorded for a property, or undefined when nothing was emitted. */
export function designType(prototype: object, property: string): Function | undefined {
  return Reflect.getMetadata('design:type', prototype, property) as Function | undefined;
}

export const MISSING_METADATA_FIX =
  'enable "experimentalDecorators" and "emitDecoratorMetadata" in tsconfig.json (tsx, esbuild and swc do not emit it), ' +
  'or give the type explicitly: @Field({ type: String }), @Field({ type: [String] }), @Field.json()';
