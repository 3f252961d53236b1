// Serializes a workspace's index changes and commits within one process, so two saves of the same
// new id cannot both pass the duplicate check, and a commit never sees half of a save.
//
// A task run with { reentrant: true } (a transaction) holds the lock for its whole call chain: the
// saves, deletes and commits it makes run at once instead of waiting for the lock they are inside
// of, serialized among themselves by a mutex of the holder's own. A call knows it is inside in one
// of two ways: the hold it was handed (`tx`, the handle ws.transaction(fn) gives fn), or, where the
// host has async context (AsyncLocalStorage on Node), the hold carried along the async chain.
// Without either, a call made while a transaction holds the lock cannot tell whether it is nested
// (it would wait forever) or concurrent; it is refused with TransactionHandleError.
import { TransactionHandleError } from '../errors.js';
import { platform } from '../platform/current.js';
import type { AsyncContext, Platform } from '../platform/platform.js';

/** A transaction's handle: given to ws.transaction(fn)'s fn, passed back as `{ tx }` by calls made inside. */
export interface Transaction {
  /** false once the transaction has ended: a call passing it waits like any other */
  readonly active: boolean;
}

class Hold implements Transaction {
  /** serializes the calls made by the task that holds `mutex` */
  readonly inner = new Mutex();
  active = true;

  constructor(
    readonly mutex: Mutex,
    /** the hold this one was taken inside of (another workspace's, or an outer transaction's) */
    readonly outer: Hold | undefined,
  ) {}
}

export interface RunOptions {
  /** hold the lock for the task's whole call chain (a transaction) */
  reentrant?: boolean;
  /** the handle of the transaction the call is made in, if any */
  tx?: Transaction;
  /** what the call is, for TransactionHandleError's message */
  action?: string;
}

/** Created by the first re-entrant task on a host that has async context: on Node 20 context
 *  tracking slows every promise, so a process that never uses a transaction never pays for it.
 *  One for all mutexes (each instance would stay registered with Node for good), per platform. */
let context: { platform: Platform; store: AsyncContext<Hold> | undefined } | undefined;

function asyncContext(): AsyncContext<Hold> | undefined {
  const current = platform();
  if (context?.platform !== current) context = { platform: current, store: current.asyncContext?.<Hold>() };
  return context.store;
}

export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  /** the re-entrant task holding this lock, while it runs */
  private holder: Hold | undefined;

  run<T>(task: (tx: Transaction | undefined) => Promise<T>, options: RunOptions = {}): Promise<T> {
    const held = this.hold(options.tx);
    if (held) return held.inner.run(task, options);
    // without async context a call made while a transaction runs may be one the transaction made
    // and is awaiting: waiting would never end, so it is refused at once
    if (!platform().asyncContext && this.holder?.active) return Promise.reject(new TransactionHandleError({ action: options.action ?? 'a write' }));
    const start = async () => {
      if (!options.reentrant) return task(undefined);
      const store = asyncContext();
      const hold = new Hold(this, asHold(options.tx) ?? store?.getStore());
      this.holder = hold;
      try {
        return await (store ? store.run(hold, () => task(hold)) : task(hold));
      } finally {
        hold.active = false;
        this.holder = undefined;
      }
    };
    const result = this.tail.then(start, start);
    this.tail = result.catch(() => {});
    return result;
  }

  /** Whether the caller (given its transaction handle, if any) runs inside a re-entrant task holding this lock. */
  held(tx?: Transaction): boolean {
    return this.hold(tx) !== undefined;
  }

  private hold(tx: Transaction | undefined): Hold | undefined {
    for (const start of [asHold(tx), context?.store?.getStore()]) {
      for (let hold = start; hold; hold = hold.outer) if (hold.mutex === this && hold.active) return hold;
    }
    return undefined;
  }
}

function asHold(tx: Transaction | undefined): Hold | undefined {
  return tx instanceof Hold ? tx : undefined;
}
