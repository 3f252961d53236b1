// Worker processes for tests that need more than one process (concurrent writers, crashes, another
// user): test/workers/*.ts and the library they import are compiled with tsc into a temporary
// folder once per test file, since vitest compiles TypeScript only inside its own process.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Workers {
  /** starts test/workers/<name>.ts with these arguments */
  start(name: string, args: string[], options?: SpawnOptions): ChildProcess;
  remove(): void;
}

export function buildWorkers(): Workers {
  const dir = mkdtempSync(join(tmpdir(), 'gitmodel-workers-'));
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'test/workers'), '--outDir', dir], {
    stdio: 'pipe',
  });
  // ES modules, with the project's dependencies
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  chmodSync(dir, 0o755); // readable by a worker started as another user
  return {
    start: (name, args, options = {}) =>
      spawn(process.execPath, [join(dir, 'test/workers', `${name}.js`), ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Workers built before the tests of the file (or describe block) that calls this, removed after them. */
export function useWorkers(): Pick<Workers, 'start'> {
  let built: Workers | undefined;
  beforeAll(() => {
    built = buildWorkers();
  });
  afterAll(() => built?.remove());
  return { start: (name, args, options) => built!.start(name, args, options) };
}

/** The complete lines a worker printed, and how it ended. */
export interface Finished {
  lines: string[];
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Collects a worker's output until it exits; `onLine` sees each complete line as it comes. */
export function finished(child: ChildProcess, onLine: (line: string) => void = () => {}): Promise<Finished> {
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    // a line cut short by a kill has no newline: it is not a complete line
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      onLine(line);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ lines, stderr, code, signal }));
  });
}
