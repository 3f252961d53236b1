// How commands print: a value or a list, as a human table, one JSON document, or JSON lines.
// Lists are streamed in every JSON form (a log of 100,000 commits is never one array in memory);
// errors go to stderr, as `{ "error": { code, message, …data } }` under --json.
import type { Sink } from './node-io.js';

export type Format = 'table' | 'json' | 'jsonl';
export type Style = 'red' | 'green' | 'yellow' | 'dim' | 'bold';

/** A column of a human table: its title and how a row shows in it. */
export interface Column<T> {
  title: string;
  cell(row: T): string;
}

/** Cells cut to one line: values are user data and may hold newlines or be long. */
export function oneLine(text: string, max = 60): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A JSON value as a table cell shows it: strings bare, everything else as JSON. */
export function shown(value: unknown, max = 60): string {
  if (value === undefined) return '(unset)';
  return oneLine(typeof value === 'string' ? value : JSON.stringify(value), max);
}

/** Dates as the table shows them: ISO without the seconds' fraction. */
export function day(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

export class Output {
  constructor(
    readonly format: Format,
    private readonly out: Sink,
    private readonly err: Sink,
    readonly paint: (style: Style, text: string) => string,
    readonly quiet = false,
  ) {}

  get json(): boolean {
    return this.format !== 'table';
  }

  text(text: string): Promise<void> {
    return this.out.write(text);
  }

  bytes(bytes: Uint8Array): Promise<void> {
    return this.out.write(bytes);
  }

  /** One result: JSON (one line under jsonl), or the human form. */
  async value(value: unknown, human: () => string): Promise<void> {
    if (this.format === 'table') {
      const text = human();
      if (text) await this.out.write(text.endsWith('\n') ? text : `${text}\n`);
    } else await this.out.write(`${JSON.stringify(value, null, this.format === 'json' ? 2 : undefined)}\n`);
  }

  /**
   * A list, streamed: one JSON line per row (jsonl), a JSON array written row by row (json), or a
   * table. With `line`, the table is written a row at a time too (log); otherwise rows are
   * collected to size the columns.
   */
  async list<T>(rows: AsyncIterable<T> | Iterable<T>, human: { columns?: Column<T>[]; line?: (row: T) => string; empty?: string }): Promise<number> {
    let n = 0;
    if (this.format === 'jsonl') {
      for await (const row of rows) (await this.out.write(`${JSON.stringify(row)}\n`), n++);
      return n;
    }
    if (this.format === 'json') {
      for await (const row of rows) await this.out.write(`${n++ ? ',\n' : '[\n'}  ${JSON.stringify(row)}`);
      await this.out.write(n ? '\n]\n' : '[]\n');
      return n;
    }
    if (human.line) {
      for await (const row of rows) (await this.out.write(`${human.line(row)}\n`), n++);
    } else {
      const columns = human.columns!;
      const table: string[][] = [];
      for await (const row of rows) table.push(columns.map((c) => c.cell(row)));
      n = table.length;
      if (n) await this.out.write(this.table(columns.map((c) => c.title), table));
    }
    if (!n && human.empty && !this.quiet) await this.err.write(`${human.empty}\n`);
    return n;
  }

  /** Rows padded to their widest cell; the last column is not padded. */
  table(titles: string[], rows: string[][]): string {
    const widths = titles.map((t, i) => Math.max(t.length, ...rows.map((r) => r[i].length)));
    const pad = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
    return [this.paint('bold', pad(titles)), ...rows.map(pad)].join('\n') + '\n';
  }

  /** A note for a person (stderr; nothing under -q or JSON). */
  async note(text: string): Promise<void> {
    if (!this.quiet && !this.json) await this.err.write(`${text}\n`);
  }

  async error(code: string, message: string, data: object): Promise<void> {
    if (this.json) await this.err.write(`${JSON.stringify({ error: { code, message, ...data } })}\n`);
    else await this.err.write(`${this.paint('red', 'error')}: ${message} (${code})\n`);
  }

  /**
   * A progress bar on stderr for long work: only on a terminal and not under JSON, at most ten
   * redraws a second. Returns the update function and the one that clears the line.
   */
  progress(label: string): { tick(done: number, total?: number): void; end(): void } {
    if (!this.err.isTTY || this.json || this.quiet) return { tick() {}, end() {} };
    let last = 0;
    let drawn = false;
    return {
      tick: (done, total) => {
        const now = Date.now();
        if (now - last < 100) return;
        last = now;
        drawn = true;
        const bar = total ? ` [${'#'.repeat(Math.round((20 * done) / total)).padEnd(20)}] ${done}/${total}` : ` ${done}`;
        void this.err.write(`\r${label}${bar}\u001b[K`);
      },
      end: () => {
        if (drawn) void this.err.write('\r\u001b[K');
      },
    };
  }
}
