// The result of a scan or history: it streams with `for await` or collects with `await`; scans of
// many objects should not have to be arrays, and small ones should not need a loop.
export class ModelSet<T> implements AsyncIterable<T>, PromiseLike<T[]> {
  private batches?: () => AsyncIterable<readonly T[]>;

  constructor(private readonly source: () => AsyncIterable<T>) {}

  /**
   * A set whose source hands over arrays of items (a scan read ahead in batches): iterating costs
   * one settled promise per item instead of an async generator's several awaits, collecting none.
   */
  static batched<T>(batches: () => AsyncIterable<readonly T[]>): ModelSet<T> {
    const set = new ModelSet<T>(() => ({ [Symbol.asyncIterator]: () => flatten(batches()) }));
    set.batches = batches;
    return set;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.source()[Symbol.asyncIterator]();
  }

  async toArray(): Promise<T[]> {
    const out: T[] = [];
    if (this.batches) for await (const batch of this.batches()) for (const item of batch) out.push(item);
    else for await (const item of this) out.push(item);
    return out;
  }

  then<A = T[], B = never>(
    onfulfilled?: ((value: T[]) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.toArray().then(onfulfilled, onrejected);
  }
}

/** The items of a source of batches, one by one; stopping early stops the source. */
function flatten<T>(source: AsyncIterable<readonly T[]>): AsyncIterator<T> {
  const batches = source[Symbol.asyncIterator]();
  let batch: readonly T[] = [];
  let at = 0;
  return {
    async next(): Promise<IteratorResult<T>> {
      while (at >= batch.length) {
        const step = await batches.next();
        if (step.done) return { done: true, value: undefined };
        [batch, at] = [step.value, 0];
      }
      return { done: false, value: batch[at++] };
    },
    async return(): Promise<IteratorResult<T>> {
      await batches.return?.();
      return { done: true, value: undefined };
    },
  };
}
