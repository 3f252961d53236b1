// What one system reports for one step, and how each child process hands it to the table.
export interface Figures {
  /** W1: wall ms */
  w1?: number;
  /** W2: commits/s (default layout), and with the sharded layout */
  w2?: number;
  w2s?: number;
  /** W2 again with durability 'atomic', default and sharded layouts */
  w2a?: number;
  w2sa?: number;
  /** W3: warm gets/s, cold gets/s (new process), cold first get ms */
  w3warm?: number;
  w3cold?: number;
  w3first?: number;
  /** W3 cold first get of the id that sorts last (the whole of a large folder read) */
  w3firstLast?: number;
  /** W4 ms and versions found; W5 ms */
  w4?: number;
  w4versions?: number;
  /** W4 over a commit-graph with changed-path Bloom filters (git's fastest history; ours after ws.maintain()) */
  w4graph?: number;
  w5?: number;
  /** W6 records/s; and JSON.parse of the same files' bytes, the rate a scan cannot beat */
  w6?: number;
  w6json?: number;
  /** peak RSS MiB: right after W1 (the import), and at the end of the run */
  memImport?: number;
  mem?: number;
  /** notes (sampled steps, missing features) */
  notes?: string[];
}

export async function time<T>(task: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const result = await task();
  return [performance.now() - start, result];
}

export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
