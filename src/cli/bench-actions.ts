/**
 * `npm run bench:actions`: what does the safety of external actions cost?
 *
 * On a fresh embedded PostgreSQL and the whole app (HTTP, guard, rate limiter, validation, audit chain):
 * full propose → approve → claim (live) → outcome cycles per second at concurrency 1 and 16, and 50
 * parallel claims of one approved action (time until all 50 have answered; grants must be exactly 1).
 * Never part of the test suite.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { AppModule } from '../app.module';
import { ApiKeysService } from '../auth/api-keys/api-keys.service';
import { SessionsService } from '../auth/sessions/sessions.service';
import { OAuthCredentialsService } from '../provider-credentials/oauth-credentials.service';
import { INSTANCE_KEY_PRINCIPAL } from '../auth/principal';
import { userPrincipalId } from '../auth/users/user.entity';
import { UsersService } from '../auth/users/users.service';
import { loadConfig } from '../config/load-config';
import { startEmbeddedPostgres } from '../database/embedded-postgres';
import { configureHttp, NEST_APP_OPTIONS } from '../http/configure-http';

const API_KEY = 'bench-instance-key-0123456789abcdef';
const CYCLES_SERIAL = Number(process.env.BENCH_CYCLES_SERIAL ?? 200);
const CYCLES_PARALLEL = Number(process.env.BENCH_CYCLES_PARALLEL ?? 800);
const CONTENTION_ROUNDS = Number(process.env.BENCH_CONTENTION_ROUNDS ?? 10);

interface Client {
  base: string;
  executor: Record<string, string>;
  approver: Record<string, string>;
}

async function call(
  base: string,
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function expectStatus(step: string, got: { status: number; body: unknown }, want: number): void {
  if (got.status !== want) throw new Error(`${step}: ${got.status} ${JSON.stringify(got.body)}`);
}

async function proposeAndApprove(c: Client): Promise<{ id: string; hash: string }> {
  const proposed = await call(
    c.base,
    '/external-actions',
    { ...c.executor, 'Idempotency-Key': randomUUID() },
    {
      provider: 'etsy',
      action: 'create_listing',
      payload: { title: `Mug ${randomUUID()}`, price_cents: 1500, tags: ['mug', 'ceramic'] },
      summary: 'List a mug',
      external_target: 'shop:bench',
      estimated_spend_cents: 20,
    },
  );
  expectStatus('propose', proposed, 201);
  const id = proposed.body.id as string;
  const hash = proposed.body.payload_hash as string;
  expectStatus(
    'approve',
    await call(c.base, `/external-actions/${id}/approve`, c.approver, { payload_hash: hash }),
    200,
  );
  return { id, hash };
}

async function cycle(c: Client): Promise<void> {
  const { id, hash } = await proposeAndApprove(c);
  const claimed = await call(c.base, `/external-actions/${id}/claim`, c.executor, { payload_hash: hash });
  expectStatus('claim', claimed, 200);
  const outcome = await call(c.base, `/external-actions/${id}/outcome`, c.executor, {
    attempt_id: claimed.body.attempt_id,
    result_status: 'success',
    external_object_id: `listing-${randomUUID()}`,
    actual_spend_cents: 20,
  });
  expectStatus('outcome', outcome, 200);
}

async function cycles(c: Client, total: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next++ < total) await cycle(c);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return total / seconds;
}

async function contention(c: Client): Promise<{ ms: number; grants: number }> {
  const { id, hash } = await proposeAndApprove(c);
  const started = process.hrtime.bigint();
  const answers = await Promise.all(
    Array.from({ length: 50 }, () =>
      call(c.base, `/external-actions/${id}/claim`, c.executor, { payload_hash: hash }),
    ),
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const unexpected = answers.filter((a) => a.status !== 200 && a.body.reason !== 'already_claimed');
  if (unexpected.length > 0) throw new Error(`contention: ${JSON.stringify(unexpected[0])}`);
  return { ms, grants: answers.filter((a) => a.status === 200).length };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const parent = mkdtempSync(join(tmpdir(), 'autopack-bench-actions-'));
  chmodSync(parent, 0o755);
  const database = await startEmbeddedPostgres({
    dataDir: join(parent, 'postgres'),
    port: 54451,
    databaseName: 'bench',
  });
  try {
    const config = loadConfig({
      AUTOPACK_ENV: 'test',
      AUTOPACK_API_KEY: API_KEY,
      DATABASE_URL: database.url,
      AUTOPACK_DATA_DIR: join(parent, 'data'),
      LOG_LEVEL: 'silent',
      AUTOPACK_CREDENTIALS_KEY: randomBytes(32).toString('base64'),
      AUTOPACK_EXTERNAL_ACTIONS_ENABLED: '1',
      AUTOPACK_ENABLE_ETSY_PUBLISH: '1',
      AUTOPACK_SIDE_EFFECTS_DRY_RUN: '0',
      AUTOPACK_MAX_DAILY_SPEND_USD: '1000000',
      AUTOPACK_MAX_ACTIONS_PER_DAY: '1000000',
      // The benchmark measures the work, not the rate limiter saying no.
      AUTOPACK_RATE_LIMIT_PER_MINUTE: '1000000',
      AUTOPACK_RATE_LIMIT_ACTIONS_APPROVE_PER_MINUTE: '1000000',
      AUTOPACK_RATE_LIMIT_ACTIONS_CLAIM_PER_MINUTE: '1000000',
    });
    const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
      ...NEST_APP_OPTIONS,
      logger: false,
    });
    configureHttp(app, config);
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer().address() as AddressInfo).port;

    const users = app.get(UsersService);
    const admin = await users.create({ username: 'bench-admin', password: randomUUID(), role: 'admin' });
    const operator = await users.create({
      username: 'bench-operator',
      password: randomUUID(),
      role: 'operator',
    });
    const adminPrincipal = {
      kind: 'user' as const,
      id: userPrincipalId(admin.id),
      name: admin.username,
      scopes: [],
      isAdmin: true,
      role: 'admin' as const,
    };
    const { key } = await app
      .get(ApiKeysService)
      .create({ name: 'bench-executor', scopes: ['actions:propose', 'actions:execute'] }, adminPrincipal);
    await app.get(OAuthCredentialsService).store(
      'etsy',
      {
        client_id: 'bench',
        access_token: `at-${randomUUID()}`,
        token_url: 'https://auth.example.com/token',
        expires_at: new Date(Date.now() + 24 * 3600_000).toISOString(),
      },
      INSTANCE_KEY_PRINCIPAL,
    );
    const client: Client = {
      base: `http://127.0.0.1:${port}`,
      executor: { 'X-API-Key': key },
      approver: {
        Authorization: `Bearer ${(await app.get(SessionsService).startSession(operator, 'password', { userAgent: 'bench', ipAddress: null })).accessToken}`,
      },
    };

    await cycles(client, 20, 4); // warm-up: JIT, pool, plan cache
    const loadBefore = loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    const serial = await cycles(client, CYCLES_SERIAL, 1);
    const parallel = await cycles(client, CYCLES_PARALLEL, 16);
    const rounds: Array<{ ms: number; grants: number }> = [];
    for (let i = 0; i < CONTENTION_ROUNDS; i++) rounds.push(await contention(client));

    console.log(
      `machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`,
    );
    console.log(
      `load average before/after: ${loadBefore} / ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
    );
    console.log('| measurement | result |');
    console.log('|---|---|');
    console.log(`| cycles/s, concurrency 1 (${CYCLES_SERIAL} cycles) | ${serial.toFixed(1)} |`);
    console.log(`| cycles/s, concurrency 16 (${CYCLES_PARALLEL} cycles) | ${parallel.toFixed(1)} |`);
    console.log(
      `| 50 claims of one action: time to settle, median / max of ${CONTENTION_ROUNDS} (ms) | ${median(rounds.map((r) => r.ms)).toFixed(0)} / ${Math.max(...rounds.map((r) => r.ms)).toFixed(0)} |`,
    );
    console.log(`| grants per round | ${rounds.map((r) => r.grants).join(', ')} |`);
    if (rounds.some((r) => r.grants !== 1))
      throw new Error('a contention round granted more or less than one claim');
    await app.close();
  } finally {
    await database.stop();
    rmSync(parent, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench:actions: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
