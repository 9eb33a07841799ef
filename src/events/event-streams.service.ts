import { HttpException, HttpStatus, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { MessageEvent } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { Subscriber } from 'rxjs';
import type { Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { ownerFilterFor } from '../access/visibility';
import { comparePositions, decodeEventCursor } from './event-cursor';
import type { EventPosition } from './event-cursor';
import { EventLogService } from './event-log.service';
import type { EventFilter, EventView } from './event-log.service';
import { EventNotifier } from './event-notifier';
import { HeldBackBackoff } from './held-back-backoff';

/** Reads again this soon (and backs off up to the cap) while events wait behind an older transaction. */
const HELD_BACK_FIRST_MS = 50;
const HELD_BACK_MAX_MS = 1_000;
/** Reads anyway this often: a lost notification costs at most this much latency. */
const POLL_CONNECTED_MS = 5_000;
const POLL_DISCONNECTED_MS = 500;
const STREAM_PAGE = 500;

/** The shared reader sees the whole log; each stream filters what it receives by the visibility rule. */
const HUB_READER: Principal = Object.freeze({
  kind: 'api_key',
  id: 'system:event-streams',
  name: 'event streams',
  scopes: [],
  isAdmin: true,
});

/** One open stream, as the shared reader sees it. */
interface LiveStream {
  /** Everything up to here was sent (or was not for this stream to see). */
  cursor: EventPosition;
  /** Reading the log by itself (replay, catching up): the shared reader leaves it alone meanwhile. */
  busy: boolean;
  /** Read again once the current read ends. */
  dirty: boolean;
  accepts(event: EventView): boolean;
  send(event: EventView): void;
  catchUp(): void;
}

/**
 * The open event streams of this replica: each replays from its cursor by itself, then is fed by one
 * shared reader (one query per batch for all streams; a notification only wakes it), holds at most AUTOPACK_EVENTS_STREAMS_PER_PRINCIPAL per principal, and ends cleanly when
 * the app shuts down. `waitForChange` serves long polls from the same notifications.
 */
@Injectable()
export class EventStreamsService implements OnModuleDestroy {
  private readonly open = new Map<string, number>();
  private readonly subscribers = new Set<Subscriber<MessageEvent>>();
  private readonly live = new Set<LiveStream>();
  private stopping = false;
  /** The wake-up of every long poll's watch (watch()), for shutdown. */
  private readonly watchers = new Set<() => void>();
  private hubCursor?: EventPosition;
  private hubReading = false;
  private hubDirty = false;
  private hubTimer?: NodeJS.Timeout;
  private readonly heldBack = new HeldBackBackoff(HELD_BACK_FIRST_MS, HELD_BACK_MAX_MS);
  private unsubscribeHub?: () => void;

  constructor(
    private readonly log: EventLogService,
    private readonly notifier: EventNotifier,
    private readonly config: AppConfig,
  ) {}

  /** Streams currently open on this replica (for metrics and tests). */
  get size(): number {
    return this.subscribers.size;
  }

  /**
   * Takes one of the principal's stream slots (429 when none is free). The caller releases it with the
   * returned function exactly once (on the request's abort signal, which fires on every way out).
   */
  reserve(principal: Principal): () => void {
    if (this.stopping) throw new HttpException('The server is shutting down', HttpStatus.SERVICE_UNAVAILABLE);
    const held = this.open.get(principal.id) ?? 0;
    if (held >= this.config.eventsStreamsPerPrincipal) {
      throw new HttpException(
        `At most ${this.config.eventsStreamsPerPrincipal} open event streams per principal; close one first`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    this.open.set(principal.id, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const now = (this.open.get(principal.id) ?? 1) - 1;
      if (now > 0) this.open.set(principal.id, now);
      else this.open.delete(principal.id);
    };
  }

  /**
   * The stream of events after `start` that `principal` may see. It first reads the log itself from
   * its cursor (the replay) until it has caught up; from then on the replica's one shared reader hands
   * it each new batch, filtered in memory by the same visibility rule. Both go by cursor, so nothing falls
   * between replay and live and nothing is sent twice; a stream that falls behind reads by itself again.
   */
  stream(principal: Principal, start: EventPosition, filter: EventFilter): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      this.subscribers.add(subscriber);
      const owner = ownerFilterFor(principal);
      const types = filter.types ? new Set<string>(filter.types) : null;
      let closed = false;
      const stream: LiveStream = {
        cursor: start,
        busy: false,
        dirty: true,
        accepts: (event) =>
          (owner === null || event.owner === owner) &&
          (types === null || types.has(event.type)) &&
          (filter.runId === undefined || event.run_id === filter.runId),
        send: (event) => subscriber.next({ id: event.cursor, type: event.type, data: event }),
        catchUp: () => void selfRead(),
      };
      const selfRead = async (): Promise<void> => {
        if (stream.busy || closed) return;
        stream.busy = true;
        try {
          do {
            stream.dirty = false;
            const page = await this.log.page(principal, stream.cursor, filter, STREAM_PAGE);
            if (closed) return;
            for (const event of page.events) stream.send(event);
            if (comparePositions(page.next, stream.cursor) > 0) stream.cursor = page.next;
            if (page.hasMore) stream.dirty = true;
          } while (stream.dirty && !closed);
        } catch {
          // The database is away: try again soon, from the same cursor.
          setTimeout(() => void selfRead(), POLL_DISCONNECTED_MS).unref();
        } finally {
          stream.busy = false;
        }
      };
      // Subscribed (to the shared reader, hence to notifications) before the first read.
      this.live.add(stream);
      this.startHub();
      // A comment first: the headers go out now, so the client knows the stream is open.
      subscriber.next({ comment: 'connected' });
      const heartbeat = setInterval(
        () => subscriber.next({ comment: 'heartbeat' }),
        this.config.eventsHeartbeatMs,
      );
      void selfRead();

      return () => {
        closed = true;
        clearInterval(heartbeat);
        this.live.delete(stream);
        if (this.live.size === 0) this.stopHub();
        this.subscribers.delete(subscriber);
      };
    });
  }

  // ---- The shared reader: one query per new batch of events for all of this replica's streams ----

  private startHub(): void {
    if (this.unsubscribeHub) return;
    this.unsubscribeHub = this.notifier.subscribe(() => this.wakeHub());
    this.wakeHub();
  }

  private stopHub(): void {
    this.unsubscribeHub?.();
    this.unsubscribeHub = undefined;
    clearTimeout(this.hubTimer);
    this.hubCursor = undefined;
  }

  private wakeHub(): void {
    if (this.hubReading) {
      this.hubDirty = true;
      return;
    }
    void this.readHub();
  }

  private async readHub(): Promise<void> {
    this.hubReading = true;
    clearTimeout(this.hubTimer);
    let retryMs = this.notifier.connected ? POLL_CONNECTED_MS : POLL_DISCONNECTED_MS;
    try {
      do {
        this.hubDirty = false;
        this.hubCursor ??= await this.log.head();
        const from = this.hubCursor;
        const page = await this.log.page(HUB_READER, from, {}, STREAM_PAGE);
        const positions = page.events.map((event) => decodeEventCursor(event.cursor)!);
        for (const stream of this.live) {
          if (stream.busy) {
            stream.dirty = true;
            continue;
          }
          // Behind the batch (a slow replay, a reconnect): it reads the gap itself.
          if (comparePositions(stream.cursor, from) < 0) {
            stream.catchUp();
            continue;
          }
          page.events.forEach((event, i) => {
            if (comparePositions(positions[i], stream.cursor) > 0 && stream.accepts(event))
              stream.send(event);
          });
          if (comparePositions(page.next, stream.cursor) > 0) stream.cursor = page.next;
        }
        this.hubCursor = page.next;
        if (page.hasMore) this.hubDirty = true;
        const heldBackMs = this.heldBack.next({
          heldBack: page.heldBack,
          progressed: comparePositions(page.next, from) > 0,
        });
        if (heldBackMs !== undefined) retryMs = heldBackMs;
      } while (this.hubDirty && this.live.size > 0);
    } catch {
      retryMs = POLL_DISCONNECTED_MS;
    } finally {
      this.hubReading = false;
    }
    if (this.live.size > 0) {
      this.hubTimer = setTimeout(() => this.wakeHub(), retryMs);
      this.hubTimer.unref();
    }
  }

  /**
   * Notifications from now on, for long polls: `next(ms)` resolves at once if one came since the last
   * call (or since the watch began), else at the next one, after `ms`, or at shutdown. Start watching
   * before reading the state you wait on, so a change in between is not missed. `close()` when done.
   */
  watch(): { next(ms: number): Promise<void>; close(): void } {
    let changed = false;
    let resolveWait: (() => void) | undefined;
    const wake = () => {
      changed = true;
      resolveWait?.();
    };
    const unsubscribeNotifier = this.notifier.subscribe(wake);
    // Shutdown wakes every watcher (endStreams), so no long poll holds the server open.
    this.watchers.add(wake);
    const unsubscribe = () => {
      unsubscribeNotifier();
      this.watchers.delete(wake);
    };
    return {
      next: (ms) =>
        new Promise<void>((resolve) => {
          if (changed || this.stopping) {
            changed = false;
            return resolve();
          }
          const timer = setTimeout(done, ms);
          function done() {
            clearTimeout(timer);
            resolveWait = undefined;
            changed = false;
            resolve();
          }
          resolveWait = done;
        }),
      close: () => {
        unsubscribe();
        resolveWait?.();
      },
    };
  }

  /** True once the process is shutting down: long polls answer with what they have instead of waiting. */
  get isStopping(): boolean {
    return this.stopping;
  }

  /**
   * Shutdown: every stream ends cleanly (the response completes), so the HTTP server can close; long
   * polls answer at once; new streams are refused (503). Called by the process's shutdown before it
   * waits for requests in flight (src/lifecycle), and again, harmlessly, when the module is destroyed.
   */
  endStreams(): void {
    this.stopping = true;
    for (const wake of [...this.watchers]) wake();
    this.stopHub();
    for (const subscriber of [...this.subscribers]) subscriber.complete();
  }

  onModuleDestroy(): void {
    this.endStreams();
  }
}
