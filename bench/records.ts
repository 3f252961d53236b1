// The standard workload's records (../shared/BENCHMARK.md): record i at revision r.
export interface BenchRecord {
  slug: string;
  title: string;
  content: string;
  published: boolean;
  tags: string[];
  updatedAt: Date;
}

const LOREM = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(3);

export function record(i: number, r = 0): BenchRecord {
  return {
    slug: `page-${i}`,
    title: r ? `Title ${i} rev ${r}` : `Title ${i}`,
    content: `<h2>Page ${i}</h2><p>${LOREM}</p>`,
    published: i % 3 !== 0,
    tags: [`t${i % 7}`, `t${i % 11}`],
    updatedAt: new Date(Date.UTC(2026, 0, 1) + i * 60000 + r * 1000),
  };
}

/** W2: commit j (1..E) changes record 0 when j % 5 == 0, else record j, to revision j. */
export function editTarget(j: number): number {
  return j % 5 === 0 ? 0 : j;
}

/** W3: the ids read, in order. */
export function getId(k: number, n: number): string {
  return `page-${(k * 7919) % n}`;
}

/** The same bytes gitmodel writes for a record (canonical JSON), for the other systems. */
export function recordBytes(rec: BenchRecord): Buffer {
  return Buffer.from(`${JSON.stringify({ ...rec, updatedAt: rec.updatedAt.toISOString() }, null, 2)}\n`);
}

export const W3_GETS = 10_000;
