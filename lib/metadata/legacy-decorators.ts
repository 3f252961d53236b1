// gitmodel's decorators are TypeScript's legacy ones (experimentalDecorators): they are called as
// (prototype, property) and (class). A compiler or tool that applies TC39 standard decorators
// calls them as (value, context) instead, with a context object that has a `kind`; that is caught
// here and said plainly, rather than failing somewhere inside gitmodel with a TypeError.
import { ConfigurationError } from '../errors.js';

export const ENABLE_LEGACY_DECORATORS =
  'set "experimentalDecorators": true and "emitDecoratorMetadata": true in tsconfig.json ' +
  '(a tool that applies standard decorators, such as esbuild or swc without that setting, must be told to use legacy ones)';

interface StandardContext {
  kind: string;
  name?: unknown;
}

/** Is this the context object a standard (TC39) decorator receives as its second argument? */
export function isStandardContext(value: unknown): value is StandardContext {
  return value !== null && typeof value === 'object' && typeof (value as { kind?: unknown }).kind === 'string';
}

function nameOf(context: StandardContext): string | undefined {
  return typeof context.name === 'string' ? context.name : undefined;
}

/** Throws when a decorator was applied with standard-decorator semantics. */
export function assertLegacyDecorator(decorator: string, _target: unknown, second: unknown): void {
  if (!isStandardContext(second)) return;
  const name = nameOf(second);
  const what = name === undefined ? decorator : `${decorator} on ${name}`;
  throw new ConfigurationError(
    `${what} was applied as a standard (TC39) ${second.kind} decorator, but gitmodel's decorators are TypeScript's legacy decorators: ` +
      ENABLE_LEGACY_DECORATORS,
    second.kind === 'class' ? { model: name } : { field: name },
  );
}

/**
 * Throws when a decorator factory (`@Field()`, `@Field.json()`, `@Model()`) was used as the
 * decorator itself, without its call: `@Field title` instead of `@Field() title`.
 */
export function assertFactoryCalled(factory: string, args: unknown[]): void {
  if (args.length < 2) return;
  const [target, second] = args;
  assertLegacyDecorator(factory.replace(/\(.*$/, ''), target, second);
  if (typeof second === 'string' || typeof second === 'symbol') {
    throw new ConfigurationError(`${factory.replace(/\(.*$/, '')} on ${String(second)} is a decorator factory: write ${factory}, with the parentheses`, {
      field: String(second),
    });
  }
}
