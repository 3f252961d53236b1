// A bounded map that forgets the least recently used entries, bounded by count or by a weight
// (bytes). A leaf every layer may import, like errors.ts; its users key it by oid, so an entry can
// be dropped but never be stale.
//
// Recency is a doubly linked list, not the Map's insertion order: evicting through a fresh
// `map.keys().next()` makes V8 skip every deleted slot at the front of the Map's table (32 µs per
// eviction with 20,000 holes), and moving a hit to the end with delete + set leaves such holes.

interface Node<K, V> {
  key: K;
  value: V;
  weight: number;
  /** towards the least recently used end */
  older: Node<K, V> | undefined;
  /** towards the most recently used end */
  newer: Node<K, V> | undefined;
}

export class Lru<K, V> {
  private readonly map = new Map<K, Node<K, V>>();
  private oldest: Node<K, V> | undefined;
  private newest: Node<K, V> | undefined;
  private total = 0;

  constructor(
    private max: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {}

  /** entries held */
  get size(): number {
    return this.map.size;
  }

  /** their total weight (bytes, for a cache bounded by bytes), never above the bound but for one entry heavier than it */
  get weight(): number {
    return this.total;
  }

  /** the bound on the total weight */
  get capacity(): number {
    return this.max;
  }

  get(key: K): V | undefined {
    const node = this.map.get(key);
    if (node === undefined) return undefined;
    if (node !== this.newest) {
      this.unlink(node);
      this.append(node);
    }
    return node.value;
  }

  /** Keeps `value`; `weight` when the caller knows it better than the cache's weigh function. */
  set(key: K, value: V, weight = this.weigh(value)): void {
    const old = this.map.get(key);
    if (old !== undefined) {
      this.unlink(old);
      this.map.delete(key);
      this.total -= old.weight;
    }
    const node: Node<K, V> = { key, value, weight, older: undefined, newer: undefined };
    this.map.set(key, node);
    this.append(node);
    this.total += node.weight;
    this.shrink();
  }

  /** Removes an entry, returning its value and weight (to move it to another cache). */
  take(key: K): { value: V; weight: number } | undefined {
    const node = this.map.get(key);
    if (node === undefined) return undefined;
    this.unlink(node);
    this.map.delete(key);
    this.total -= node.weight;
    return node;
  }

  /** Changes the bound, dropping the least recently used entries above it. */
  resize(max: number): void {
    this.max = max;
    this.shrink();
  }

  private shrink(): void {
    while (this.total > this.max && this.map.size > 1) {
      const oldest = this.oldest!;
      this.unlink(oldest);
      this.map.delete(oldest.key);
      this.total -= oldest.weight;
    }
  }

  private unlink(node: Node<K, V>): void {
    if (node.older) node.older.newer = node.newer;
    else this.oldest = node.newer;
    if (node.newer) node.newer.older = node.older;
    else this.newest = node.older;
    node.older = node.newer = undefined;
  }

  private append(node: Node<K, V>): void {
    node.older = this.newest;
    if (this.newest) this.newest.newer = node;
    else this.oldest = node;
    this.newest = node;
  }
}
