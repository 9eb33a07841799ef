import { HttpException, HttpStatus, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { MessageEvent } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { Subscriber } from 'rxjs';
import type { Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import type { EventPosition } from './event-cursor';
import { EventLogService } from './event-log.service';
import type { EventFilter } from './event-log.service';
import { EventNotifier } from './event-notifier';

/** Reads again this soon when committed events wait behind an older transaction still in flight. */
const HELD_BACK_RETRY_MS = 50;
/** Reads anyway this often: a lost notification costs at most this much latency. */
const POLL_CONNECTED_MS = 5_000;
const POLL_DISCONNECTED_MS = 500;
const STREAM_PAGE = 500;

/**
 * The open event streams of this replica: each reads the log itself from its cursor (a notification only
 * wakes it), holds at most AUTOPACK_EVENTS_STREAMS_PER_PRINCIPAL per principal, and ends cleanly when
 * the app shuts down. `waitForChange` serves long polls from the same notifications.
 */
@Injectable()
export class EventStreamsService implements OnModuleDestroy {
  private readonly open = new Map<string, number>();
  private readonly subscribers = new Set<Subscriber<MessageEvent>>();
  private stopping = false;

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
   * The stream of events after `start` that `principal` may see. Subscribing to notifications happens
   * before the first read, so nothing committed in between is missed; the cursor de-duplicates.
   */
  stream(principal: Principal, start: EventPosition, filter: EventFilter): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      this.subscribers.add(subscriber);
      let cursor = start;
      let closed = false;
      let dirty = true;
      let wakeUp: (() => void) | undefined;
      const wake = () => {
        dirty = true;
        wakeUp?.();
      };
      const unsubscribe = this.notifier.subscribe(wake);
      // A comment first: the headers go out now, so the client knows the stream is open.
      subscriber.next({ comment: 'connected' });
      const heartbeat = setInterval(
        () => subscriber.next({ comment: 'heartbeat' }),
        this.config.eventsHeartbeatMs,
      );
      const sleep = (ms: number) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(done, ms);
          function done() {
            clearTimeout(timer);
            wakeUp = undefined;
            resolve();
          }
          wakeUp = done;
        });

      const loop = async () => {
        while (!closed) {
          if (!dirty) await sleep(this.notifier.connected ? POLL_CONNECTED_MS : POLL_DISCONNECTED_MS);
          if (closed) break;
          dirty = false;
          let page;
          try {
            page = await this.log.page(principal, cursor, filter, STREAM_PAGE);
          } catch {
            // The database is away: try again soon, from the same cursor.
            await sleep(POLL_DISCONNECTED_MS);
            dirty = true;
            continue;
          }
          if (closed) break;
          for (const event of page.events)
            subscriber.next({ id: event.cursor, type: event.type, data: event });
          cursor = page.next;
          if (page.hasMore) dirty = true;
          else if (page.heldBack && !dirty) {
            await sleep(HELD_BACK_RETRY_MS);
            dirty = true;
          }
        }
      };
      void loop();

      return () => {
        closed = true;
        unsubscribe();
        clearInterval(heartbeat);
        wakeUp?.();
        this.subscribers.delete(subscriber);
      };
    });
  }

  /**
   * Notifications from now on, for long polls: `next(ms)` resolves at once if one came since the last
   * call (or since the watch began), else at the next one, after `ms`, or at shutdown. Start watching
   * before reading the state you wait on, so a change in between is not missed. `close()` when done.
   */
  watch(): { next(ms: number): Promise<void>; close(): void } {
    let changed = false;
    let resolveWait: (() => void) | undefined;
    const unsubscribe = this.notifier.subscribe(() => {
      changed = true;
      resolveWait?.();
    });
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

  /** Shutdown: every stream ends cleanly (the response completes), so the HTTP server can close. */
  onModuleDestroy(): void {
    this.stopping = true;
    for (const subscriber of [...this.subscribers]) subscriber.complete();
  }
}
