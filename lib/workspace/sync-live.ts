// ws.syncLive() (design/sync-merge.md §4.2): ws.sync() run on a schedule, on trigger() and (with
// pushOnCommit) shortly after each local commit, reporting through events. An EventTarget and
// setTimeout only, so it runs the same in Node, a browser tab and a worker. One round at a time;
// at most one timer for the next round and one for the commit debounce, both cleared by stop().
import { MergeConflictError } from '../errors.js';
import { RemoteUnreachableError } from '../git/remote/errors.js';
import type { SyncOptions, SyncResult } from './sync.js';

export interface LiveSyncRetry {
  /** quick retries while offline before falling back to `interval` (default: unlimited) */
  attempts?: number;
  /** the first retry's delay; each next one doubles it (default 1000 ms) */
  backoffMs?: number;
  /** the longest delay between retries (default 60,000 ms) */
  maxBackoffMs?: number;
}

export interface LiveSyncOptions extends SyncOptions {
  /** ms between rounds; without it a round runs only on trigger(), resume() and commits (pushOnCommit) */
  interval?: number;
  retry?: LiveSyncRetry;
  /** sync shortly after each commit this workspace makes (true: 100 ms after the last of a burst) */
  pushOnCommit?: boolean | { debounceMs: number };
  /** run a first round at once (default true) */
  immediate?: boolean;
}

export type LiveSyncState = 'idle' | 'running' | 'paused' | 'stopped';

/** What a live sync's events are, declared here (as http-client.ts does for AbortSignal) so that the published types need neither the DOM nor Node's lib. */
export interface EventLike {
  readonly type: string;
}

type Listener = ((event: SyncEvent) => void) | { handleEvent(event: SyncEvent): void };

/** The EventTarget a LiveSync is, as far as its users need to know. */
export interface SyncEventTarget {
  addEventListener(type: LiveSyncEventType, listener: Listener | null, options?: boolean | { once?: boolean }): void;
  removeEventListener(type: LiveSyncEventType, listener: Listener | null, options?: boolean): void;
  dispatchEvent(event: EventLike): boolean;
}

export type LiveSyncEventType = 'start' | 'fetched' | 'merged' | 'pushed' | 'conflict' | 'offline' | 'online' | 'error' | 'complete';

// the host's own Event and EventTarget (Node ≥ 15, every browser and worker)
const EventBase = (globalThis as unknown as { Event: new (type: string) => EventLike }).Event;
const EventTargetBase = (globalThis as unknown as { EventTarget: new () => SyncEventTarget }).EventTarget;

/** An event of a live sync; `detail` carries what the event is about. */
export class SyncEvent<T = unknown> extends EventBase {
  constructor(
    type: string,
    readonly detail: T,
  ) {
    super(type);
  }
}

/** The `offline` event's detail. */
export interface OfflineDetail {
  error: RemoteUnreachableError;
  /** failed rounds in a row */
  failures: number;
  /** when the next round runs (ms), or undefined: on trigger(), a commit or resume() only */
  retryInMs?: number;
}

/** What a live sync needs of its workspace. */
export interface LiveSyncHost {
  sync(options: SyncOptions): Promise<SyncResult>;
  /** calls `listener` after each commit of the workspace; returns the unsubscribe */
  onCommit(listener: () => void): () => void;
}

function checkDelay(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name} is a number of ms ≥ 0, not ${JSON.stringify(value)}`);
}

/**
 * A live sync. Events: `start` (a round begins), `fetched` (FetchResult), `merged` (MergeResult,
 * when the upstream brought something), `pushed` (PushResult, when a ref moved), `conflict`
 * (MergeConflictError; the live sync pauses until resume()), `offline` (OfflineDetail; retried
 * with exponential backoff), `online` (the first round that worked after being offline), `error`
 * (any other error; the schedule goes on), `complete` (SyncResult).
 */
export class LiveSync extends EventTargetBase {
  private status: LiveSyncState = 'idle';
  private running: Promise<void> | null = null;
  private again = false;
  private waiters: (() => void)[] = [];
  private next: ReturnType<typeof setTimeout> | undefined;
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private readonly unsubscribe: () => void;
  private readonly interval?: number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly debounceMs?: number;
  private readonly syncOptions: SyncOptions;

  constructor(
    private readonly host: LiveSyncHost,
    options: LiveSyncOptions = {},
  ) {
    super();
    const { interval, retry = {}, pushOnCommit, immediate = true, ...syncOptions } = options;
    checkDelay('interval', interval);
    checkDelay('retry.backoffMs', retry.backoffMs);
    checkDelay('retry.maxBackoffMs', retry.maxBackoffMs);
    if (retry.attempts !== undefined && !(retry.attempts >= 0)) throw new RangeError(`retry.attempts is a number ≥ 0, not ${JSON.stringify(retry.attempts)}`);
    this.interval = interval;
    this.attempts = retry.attempts ?? Infinity;
    this.backoffMs = retry.backoffMs ?? 1000;
    this.maxBackoffMs = retry.maxBackoffMs ?? 60_000;
    this.debounceMs = pushOnCommit ? (pushOnCommit === true ? 100 : pushOnCommit.debounceMs) : undefined;
    checkDelay('pushOnCommit.debounceMs', this.debounceMs);
    this.syncOptions = syncOptions;
    this.unsubscribe = this.debounceMs === undefined ? () => {} : host.onCommit(() => this.committed());
    // a microtask, so that listeners added right after syncLive() returns see the first `start`
    if (immediate) queueMicrotask(() => void this.trigger());
    else this.schedule(this.interval);
  }

  /** idle (waiting for the next round), running, paused (after a conflict, or pause()), stopped */
  get state(): LiveSyncState {
    return this.status;
  }

  /** Whether a timer is pending (the next round, or a commit's debounce): never after stop(). */
  get timerPending(): boolean {
    return this.next !== undefined || this.debounce !== undefined;
  }

  /** Runs a round now (after the one running, if any); resolves when that round has ended. Does nothing while paused or stopped. */
  trigger(): Promise<void> {
    if (this.status === 'paused' || this.status === 'stopped') return Promise.resolve();
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.running) this.again = true;
    else this.running = this.round();
    return done;
  }

  /** No round starts until resume() (the one running finishes). */
  pause(): void {
    if (this.status === 'stopped') return;
    this.status = 'paused';
    this.clearTimers();
  }

  /** Leaves the paused state and runs a round at once. */
  resume(): Promise<void> {
    if (this.status !== 'paused') return Promise.resolve();
    this.status = this.running ? 'running' : 'idle';
    return this.trigger();
  }

  /** Stops for good: timers cleared, the commit listener removed; resolves once a running round has ended. */
  async stop(): Promise<void> {
    this.status = 'stopped';
    this.clearTimers();
    this.unsubscribe();
    this.again = false;
    await this.running;
    this.clearTimers();
  }

  private committed(): void {
    if (this.status === 'paused' || this.status === 'stopped') return;
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.trigger();
    }, this.debounceMs);
  }

  private clearTimers(): void {
    if (this.next !== undefined) clearTimeout(this.next);
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    this.next = this.debounce = undefined;
  }

  /** The next round in `ms` (replacing any scheduled); none when undefined, paused or stopped. */
  private schedule(ms: number | undefined): void {
    if (this.next !== undefined) clearTimeout(this.next);
    this.next = undefined;
    if (ms === undefined || this.status === 'paused' || this.status === 'stopped') return;
    this.next = setTimeout(() => {
      this.next = undefined;
      void this.trigger();
    }, ms);
  }

  private emit(type: LiveSyncEventType, detail: unknown): void {
    this.dispatchEvent(new SyncEvent(type, detail));
  }

  private async round(): Promise<void> {
    for (;;) {
      if (this.next !== undefined) clearTimeout(this.next);
      this.next = undefined;
      const waiters = this.waiters.splice(0);
      if (this.status === 'idle') this.status = 'running';
      let delay = this.interval;
      try {
        this.emit('start', undefined);
        const result = await this.host.sync(this.syncOptions);
        if (this.failures > 0) {
          this.failures = 0;
          this.emit('online', undefined);
        }
        this.emit('fetched', result.fetched);
        if (result.merge && (result.merge.status === 'fast-forward' || result.merge.status === 'merged')) this.emit('merged', result.merge);
        if (result.pushed.updated.length) this.emit('pushed', result.pushed);
        this.emit('complete', result);
      } catch (error) {
        if (error instanceof RemoteUnreachableError) {
          this.failures++;
          if (this.failures <= this.attempts) delay = Math.min(this.backoffMs * 2 ** (this.failures - 1), this.maxBackoffMs);
          this.emit('offline', { error, failures: this.failures, retryInMs: delay } satisfies OfflineDetail);
        } else if (error instanceof MergeConflictError) {
          if (this.status !== 'stopped') this.status = 'paused';
          this.emit('conflict', error);
        } else {
          this.emit('error', error);
        }
      }
      if (this.status === 'running') this.status = 'idle';
      for (const resolve of waiters) resolve();
      if (this.again && this.status === 'idle') {
        this.again = false;
        continue;
      }
      this.again = false;
      this.running = null;
      // waiters that came while paused or stopped have nothing left to wait for
      if (this.status !== 'idle') for (const resolve of this.waiters.splice(0)) resolve();
      this.schedule(delay);
      return;
    }
  }
}
