// A bounded map that forgets the least recently used entries, bounded by count or by a weight
// (bytes). A leaf every layer may import, like errors.ts; its users key it by oid, so an entry can
// be dropped but never be stale.
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  private total = 0;

  constructor(
    private readonly max: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    const old = this.map.get(key);
    if (old !== undefined) {
      this.total -= this.weigh(old);
      this.map.delete(key);
    }
    this.map.set(key, value);
    this.total += this.weigh(value);
    while (this.total > this.max && this.map.size > 1) {
      const [oldestKey, oldest] = this.map.entries().next().value as [K, V];
      this.map.delete(oldestKey);
      this.total -= this.weigh(oldest);
    }
  }
}
