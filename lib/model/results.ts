// The result of a scan or history: it streams with `for await` or collects with `await`; scans of
// many objects should not have to be arrays, and small ones should not need a loop.
export class ModelSet<T> implements AsyncIterable<T>, PromiseLike<T[]> {
  constructor(private readonly source: () => AsyncIterable<T>) {}

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.source()[Symbol.asyncIterator]();
  }

  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const item of this) out.push(item);
    return out;
  }

  then<A = T[], B = never>(
    onfulfilled?: ((value: T[]) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.toArray().then(onfulfilled, onrejected);
  }
}
