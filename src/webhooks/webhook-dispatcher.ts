import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import type { Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { EventLogService } from '../events/event-log.service';
import { EventStreamsService } from '../events/event-streams.service';
import { HeldBackBackoff } from '../events/held-back-backoff';
import { sendBounded } from '../outbound/outbound-http';
import type { OutboundResponse } from '../outbound/outbound-http';
import { retryDelayMs } from './delivery-lifecycle';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { deliveryBody } from './webhook-messages';
import { signatureHeader } from './webhook-signature';
import { WebhooksService } from './webhooks.service';

/** The webhooks read the whole log (admins manage them); each endpoint filters by its event types. */
const LOG_READER: Principal = Object.freeze({
  kind: 'api_key',
  id: 'system:webhooks',
  name: 'webhook dispatcher',
  scopes: [],
  isAdmin: true,
});
const CLAIM_BATCH = 20;
const FAN_OUT_PAGES = 10;
const MAX_RESPONSE_BYTES = 16 * 1024;
/** Even with nothing due and no notification, look again this often (another replica's retries). */
const IDLE_MS = 5_000;
/** Looks again this soon (backing off up to the cap) while events wait behind an older transaction. */
const HELD_BACK_FIRST_MS = 100;
const HELD_BACK_MAX_MS = 2_000;

/**
 * Delivers the event log to the webhook endpoints, at least once. The project's one background pattern:
 * rows in PostgreSQL claimed with SKIP LOCKED (as the expiry scheduler does), so replicas share the work
 * and a crash only delays a delivery (its claim's lease runs out and it is claimed again). No job library:
 * the event log already is the durable queue. Each pass:
 *
 * 1. fan-out — for every enabled endpoint (locked, SKIP LOCKED), the events after its cursor that it
 *    subscribes to become `pending` deliveries, and the cursor moves, in one transaction;
 * 2. claim — due deliveries become `sending` with a lease (SKIP LOCKED);
 * 3. send — through the one outbound sender (SSRF rules at connect time, no redirects, deadline,
 *    bounded read), signed per Standard Webhooks;
 * 4. record — succeeded, retried later (schedule + jitter, Retry-After honoured), or failed; a 410 or
 *    AUTOPACK_WEBHOOK_FAILURE_LIMIT failures in a row disable the endpoint (audited, and an event).
 *
 * Passes run when the event log notifies (a new event) and when the next retry is due.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private stopped = false;
  private readonly heldBack = new HeldBackBackoff(HELD_BACK_FIRST_MS, HELD_BACK_MAX_MS);
  private running?: Promise<void>;
  private watch?: ReturnType<EventStreamsService['watch']>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly log: EventLogService,
    private readonly streams: EventStreamsService,
    private readonly webhooks: WebhooksService,
  ) {}

  onApplicationBootstrap(): void {
    this.watch = this.streams.watch();
    this.running = this.loop();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.watch?.close();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let wait = IDLE_MS;
      try {
        wait = Math.min(IDLE_MS, await this.pass());
      } catch (error) {
        this.logger.error(`webhook pass failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (this.stopped) break;
      await this.watch!.next(Math.max(wait, 50));
    }
  }

  /** One pass; answers how long until the next delivery is due (ms). Public for tests and benches. */
  async pass(): Promise<number> {
    const fanOut = await this.fanOut();
    // Events waiting behind an older transaction still in flight: look again shortly.
    const heldBackMs = this.heldBack.next(fanOut);
    // No enabled endpoint, nothing to claim (claims and due times only count enabled endpoints): an
    // instance without webhooks pays one small read per wake-up, not three statements per event.
    if (fanOut.endpoints === 0) return IDLE_MS;
    for (;;) {
      const claimed = await this.claim();
      if (claimed.length === 0) break;
      await this.sendAll(claimed);
      if (this.stopped || claimed.length < CLAIM_BATCH) break;
    }
    const [next]: Array<{ due: Date | null }> = await this.dataSource.query(
      `SELECT min(d.next_attempt_at) AS due FROM webhook_deliveries d
       JOIN webhook_endpoints e ON e.id = d.endpoint_id
       WHERE e.enabled AND d.status IN ('pending', 'sending')`,
    );
    const due = next.due ? Math.max(0, next.due.getTime() - Date.now()) : IDLE_MS;
    return heldBackMs === undefined ? due : Math.min(due, heldBackMs);
  }

  /**
   * Queues new events for every enabled endpoint; says how many endpoints are enabled, whether some events
   * were held back and whether any moved.
   */
  private async fanOut(): Promise<{ endpoints: number; heldBack: boolean; progressed: boolean }> {
    let heldBack = false;
    let progressed = false;
    const endpoints: Array<{ id: string }> = await this.dataSource.query(
      'SELECT id FROM webhook_endpoints WHERE enabled',
    );
    for (const { id } of endpoints) {
      await this.dataSource.transaction(async (manager) => {
        const endpoint = await manager
          .getRepository(WebhookEndpoint)
          .createQueryBuilder('e')
          .setLock('pessimistic_write')
          .setOnLocked('skip_locked')
          .where('e.id = :id AND e.enabled', { id })
          .getOne();
        if (!endpoint) return;
        let after = { txId: endpoint.cursorTxId, id: endpoint.cursorId };
        for (let i = 0; i < FAN_OUT_PAGES; i++) {
          const page = await this.log.page(LOG_READER, after, { types: endpoint.eventTypes }, 500);
          if (page.events.length > 0) {
            await manager
              .createQueryBuilder()
              .insert()
              .into(WebhookDelivery)
              .values(
                page.events.map((event) => ({
                  endpointId: endpoint.id,
                  eventCursor: event.cursor,
                  eventType: event.type,
                  event: event as never,
                  status: 'pending' as const,
                  attempts: 0,
                  nextAttemptAt: () => 'now()',
                })),
              )
              .orIgnore()
              .execute();
          }
          after = page.next;
          if (page.heldBack) heldBack = true;
          if (!page.hasMore) break;
        }
        if (after.txId !== endpoint.cursorTxId || after.id !== endpoint.cursorId) {
          progressed = true;
          await manager.update(
            WebhookEndpoint,
            { id: endpoint.id },
            { cursorTxId: after.txId, cursorId: after.id },
          );
        }
      });
    }
    return { endpoints: endpoints.length, heldBack, progressed };
  }

  /** Due deliveries of enabled endpoints become `sending`, each with a lease past the attempt's deadline. */
  private async claim(): Promise<WebhookDelivery[]> {
    const leaseMs = this.config.webhookTimeoutMs + 30_000;
    const [rows]: [Array<{ id: string }>, number] = await this.dataSource.query(
      `UPDATE webhook_deliveries SET status = 'sending', attempts = attempts + 1,
              next_attempt_at = now() + $1 * interval '1 millisecond'
       WHERE id IN (
         SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
         WHERE e.enabled AND d.status IN ('pending', 'sending') AND d.next_attempt_at <= now()
         ORDER BY d.next_attempt_at LIMIT ${CLAIM_BATCH}
         FOR UPDATE OF d SKIP LOCKED)
       RETURNING id`,
      [leaseMs],
    );
    if (rows.length === 0) return [];
    return this.dataSource.getRepository(WebhookDelivery).findBy({ id: In(rows.map((r) => r.id)) });
  }

  private async sendAll(deliveries: WebhookDelivery[]): Promise<void> {
    const endpoints = await this.dataSource
      .getRepository(WebhookEndpoint)
      .findBy({ id: In([...new Set(deliveries.map((d) => d.endpointId))]) });
    const byId = new Map(endpoints.map((e) => [e.id, e]));
    await Promise.all(
      deliveries.map(async (delivery) => {
        const endpoint = byId.get(delivery.endpointId);
        if (!endpoint) return;
        const response = await this.send(endpoint, delivery);
        await this.record(delivery, response);
      }),
    );
  }

  private async send(
    endpoint: WebhookEndpoint,
    delivery: WebhookDelivery,
  ): Promise<OutboundResponse | { ok: false; error: string }> {
    let opened: { url: string; secrets: string[] };
    try {
      opened = this.webhooks.openEndpoint(endpoint);
    } catch {
      return { ok: false, error: 'secret_unreadable' };
    }
    // The rules may have changed since the URL was stored (production, a narrower policy).
    if (this.webhooks.urlProblem(opened.url)) return { ok: false, error: 'forbidden_url' };
    const body = deliveryBody(endpoint.kind, delivery.event, this.config.consoleUrl, endpoint.telegramChatId);
    const timestamp = Math.floor(Date.now() / 1000);
    return sendBounded({
      url: opened.url,
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': `Autopack-Webhooks/${this.config.version}`,
        'webhook-id': delivery.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(opened.secrets, delivery.id, timestamp, body),
      },
      body,
      timeoutMs: this.config.webhookTimeoutMs,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      isProduction: this.config.isProduction,
    });
  }

  /** The attempt's outcome, unless the lease ran out and another pass took the delivery over. */
  private async record(
    claimed: WebhookDelivery,
    response: OutboundResponse | { ok: false; error: string },
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const delivery = await manager.findOne(WebhookDelivery, {
        where: { id: claimed.id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!delivery || delivery.status !== 'sending' || delivery.attempts !== claimed.attempts) return;
      const endpoint = await manager.findOne(WebhookEndpoint, {
        where: { id: delivery.endpointId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!endpoint) return;
      const status = response.ok ? response.status : null;
      delivery.lastStatusCode = status;
      if (status !== null && status >= 200 && status < 300) {
        delivery.status = 'succeeded';
        delivery.deliveredAt = new Date();
        delivery.nextAttemptAt = null;
        delivery.lastError = null;
        await manager.save(delivery);
        if (endpoint.consecutiveFailures !== 0) {
          await manager.update(WebhookEndpoint, { id: endpoint.id }, { consecutiveFailures: 0 });
        }
        return;
      }
      // A 3xx is a failure too: redirects are never followed.
      delivery.lastError = response.ok ? `http_${response.status}` : response.error;
      const retryAfter = response.ok ? header(response.headers['retry-after']) : undefined;
      const delay = status === 410 ? null : retryDelayMs(delivery.attempts, retryAfter);
      delivery.status = delay === null ? 'failed' : 'pending';
      delivery.nextAttemptAt = delay === null ? null : new Date(Date.now() + delay);
      await manager.save(delivery);
      endpoint.consecutiveFailures += 1;
      if (status === 410) {
        await this.webhooks.disable(manager, endpoint, 'the receiver answered 410 Gone');
      } else if (endpoint.enabled && endpoint.consecutiveFailures >= this.config.webhookFailureLimit) {
        await this.webhooks.disable(
          manager,
          endpoint,
          `${endpoint.consecutiveFailures} failed attempts in a row (last: ${delivery.lastError})`,
        );
      } else {
        await manager.update(
          WebhookEndpoint,
          { id: endpoint.id },
          { consecutiveFailures: endpoint.consecutiveFailures },
        );
      }
    });
  }
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
