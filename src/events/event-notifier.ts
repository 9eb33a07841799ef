import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';
import { AppConfig } from '../config/app-config';
import { EVENTS_CHANNEL } from './event-log.service';

type Wake = () => void;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

/**
 * This replica's ear on the event log: ONE dedicated connection (not from the pool, which would hand it
 * to a query and lose the LISTEN) that LISTENs on the events channel and reconnects by itself with
 * backoff. A notification only wakes the local readers — each reads the rows itself — so a lost
 * notification costs latency, never an event: after a reconnect everyone is woken to catch up, and
 * readers also poll on their own (slowly while connected, fast while not).
 */
@Injectable()
export class EventNotifier implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(EventNotifier.name);
  private readonly listeners = new Set<Wake>();
  private client?: Client;
  private reconnectTimer?: NodeJS.Timeout;
  private delay = RECONNECT_MIN_MS;
  private stopped = false;
  private listening = false;

  constructor(private readonly config: AppConfig) {}

  /** True while LISTEN is in place (readers poll faster while it is not). */
  get connected(): boolean {
    return this.listening;
  }

  onApplicationBootstrap(): Promise<void> {
    return this.connect();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    await client?.end().catch(() => undefined);
  }

  /** Calls `wake` on every notification (and after every reconnect) until the returned function is called. */
  subscribe(wake: Wake): () => void {
    this.listeners.add(wake);
    return () => this.listeners.delete(wake);
  }

  private wakeAll(): void {
    for (const wake of [...this.listeners]) wake();
  }

  private async connect(): Promise<void> {
    if (this.stopped || !this.config.databaseUrl) return;
    const client = new Client({
      connectionString: this.config.databaseUrl,
      application_name: 'autopack-events-listener',
      keepAlive: true,
    });
    this.client = client;
    client.on('notification', () => this.wakeAll());
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      if (this.stopped) return void (await client.end().catch(() => undefined));
      this.listening = true;
      this.delay = RECONNECT_MIN_MS;
      // Anything committed while we were deaf is read now.
      this.wakeAll();
    } catch (error) {
      this.lost(client, error as Error);
    }
  }

  private lost(client: Client, error?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.listening = false;
    void client.end().catch(() => undefined);
    if (this.stopped) return;
    this.logger.warn(
      `event listener connection lost${error ? ` (${error.message})` : ''}; reconnecting in ${this.delay} ms`,
    );
    this.reconnectTimer = setTimeout(() => void this.connect(), this.delay);
    this.reconnectTimer.unref();
    this.delay = Math.min(this.delay * 2, RECONNECT_MAX_MS);
  }
}
