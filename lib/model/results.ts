// The result of a scan or history: it streams with `for await` or collects with `await`; scans of
// many objects should not have to be arrays, and small ones should not need a loop.
export class ModelSet<T> implements AsyncIterable<T>, PromiseLike<T[]> {
  private readonly source: () => AsyncIterable<T>;
  private readonly batches?: () => AsyncIterable<readonly T[]>;

  /**
   * Items one by one, or `{ batches }`: a source that hands over arrays of items (a scan read
   * ahead in batches, a query's results built a batch at a time), so iterating costs one settled
   * promise per item instead of an async generator's several awaits, and collecting none.
   */
  constructor(source: (() => AsyncIterable<T>) | { batches: () => AsyncIterable<readonly T[]> }) {
    if (typeof source === 'function') {
      this.source = source;
      return;
    }
    const { batches } = source;
    this.batches = batches;
    this.source = () => ({ [Symbol.asyncIterator]: () => flatten(batches()) });
  }

  static batched<T>(batches: () => AsyncIterable<readonly T[]>): ModelSet<T> {
    return new ModelSet<T>({ batches });
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
