// JSON values as gitmodel stores them: only plain data, object keys sorted so equal values give
// equal bytes, and no key that could reach an object's prototype when read back.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 100;

/** Why a value is not storable as JSON, or undefined when it is. */
export function jsonProblem(value: unknown, depth = 0): string | undefined {
  if (depth > MAX_DEPTH) return `it nests deeper than ${MAX_DEPTH} levels (or refers to itself)`;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${value} is not a finite number`;
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = jsonProblem(item, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return `a ${proto?.constructor?.name ?? 'class'} instance is not plain JSON`;
    // keys, not entries: no [key, value] array per property (a build checks 100,000 files)
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      if (FORBIDDEN_KEYS.has(key)) return `the key "${key}" is not allowed`;
      if (item === undefined) return `the key "${key}" is undefined`;
      const problem = jsonProblem(item, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  return `a ${typeof value} is not JSON`;
}

/** A deep copy with object keys sorted; objects have no prototype, so no key is special. */
export function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = Object.create(null);
    for (const key of Object.keys(value).sort()) out[key] = canonicalJson((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** A stored value handed to the user: plain objects again, with the forbidden keys refused. */
export function plainJson(value: unknown): unknown {
  const problem = jsonProblem(value);
  if (problem) throw new Error(problem);
  return structuredClone(value);
}
