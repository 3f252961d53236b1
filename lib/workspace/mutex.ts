// Serializes a workspace's index changes and commits within one process, so two saves of the same
// new id cannot both pass the duplicate check, and a commit never sees half of a save.
//
// A task run with { reentrant: true } (a transaction) holds the lock for its whole async call
// chain: the saves, deletes and commits it makes run at once instead of waiting for the lock they
// are inside of, serialized among themselves by a mutex of the holder's own.
import { platform } from '../platform/current.js';
import type { AsyncContext } from '../platform/platform.js';

interface Hold {
  mutex: Mutex;
  /** serializes the calls made by the task that holds `mutex` */
  inner: Mutex;
  /** false once the task settled: a callback it left behind waits like anyone else */
  active: boolean;
  /** the hold this one was taken inside of (another workspace's, or an outer transaction's) */
  outer?: Hold;
}

/** Created by the first re-entrant task (the platform's AsyncLocalStorage on Node): on Node 20 async
 *  context tracking slows every promise, so a process that never uses a transaction never pays for
 *  it. One for all mutexes: each instance would stay registered with Node for good. */
let context: AsyncContext<Hold> | undefined;

export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>, options: { reentrant?: boolean } = {}): Promise<T> {
    const held = this.hold();
    if (held) return held.inner.run(task, options);
    const start = async () => {
      if (!options.reentrant) return task();
      context ??= platform().asyncContext?.<Hold>();
      // a host without async context (a browser) cannot tell a nested call from a concurrent one:
      // the task runs holding the lock, and a call it makes itself would wait for it (Part 2 of
      // the platform work gives transactions an explicit handle there)
      if (!context) return task();
      const hold: Hold = { mutex: this, inner: new Mutex(), active: true, outer: context.getStore() };
      try {
        return await context.run(hold, task);
      } finally {
        hold.active = false;
      }
    };
    const result = this.tail.then(start, start);
    this.tail = result.catch(() => {});
    return result;
  }

  /** Whether the caller runs inside a re-entrant task holding this lock. */
  held(): boolean {
    return this.hold() !== undefined;
  }

  private hold(): Hold | undefined {
    for (let hold = context?.getStore(); hold; hold = hold.outer) if (hold.mutex === this && hold.active) return hold;
    return undefined;
  }
}
