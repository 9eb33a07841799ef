/**
 * `npm run bench:actions`: what does the safety of external actions cost?
 *
 * On a fresh embedded PostgreSQL and the whole app (HTTP, guard, rate limiter, validation, audit chain):
 * full propose → approve → claim (live) → outcome cycles per second at concurrency 1 and 16, and 50
 * parallel claims of one approved action (time until all 50 have answered; grants must be exactly 1).
 * Never part of the test suite.
 */
import { randomUUID } from 'node:crypto';
import { INSTANCE_KEY_PRINCIPAL } from '../auth/principal';
import { SessionsService } from '../auth/sessions/sessions.service';
import { UsersService } from '../auth/users/users.service';
import { OAuthCredentialsService } from '../provider-credentials/oauth-credentials.service';
import {
  createBenchApiKey,
  loadAverage,
  loadBeforeAfter,
  machineSpec,
  percentile,
  runBench,
  startBenchApp,
  startBenchDatabase,
} from './bench-harness';

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

async function main(): Promise<void> {
  const database = await startBenchDatabase('actions');
  try {
    const { app, url } = await startBenchApp(database, {
      AUTOPACK_EXTERNAL_ACTIONS_ENABLED: '1',
      AUTOPACK_ENABLE_ETSY_PUBLISH: '1',
      AUTOPACK_SIDE_EFFECTS_DRY_RUN: '0',
      AUTOPACK_MAX_DAILY_SPEND_USD: '1000000',
      AUTOPACK_MAX_ACTIONS_PER_DAY: '1000000',
      AUTOPACK_RATE_LIMIT_ACTIONS_APPROVE_PER_MINUTE: '1000000',
      AUTOPACK_RATE_LIMIT_ACTIONS_CLAIM_PER_MINUTE: '1000000',
    });
    const { key } = await createBenchApiKey(app, ['actions:propose', 'actions:execute']);
    const operator = await app.get(UsersService).create({
      username: 'bench-operator',
      password: randomUUID(),
      role: 'operator',
    });
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
      base: url,
      executor: { 'X-API-Key': key },
      approver: {
        Authorization: `Bearer ${(await app.get(SessionsService).startSession(operator, 'password', { userAgent: 'bench', ipAddress: null })).accessToken}`,
      },
    };

    await cycles(client, 20, 4); // warm-up: JIT, pool, plan cache
    const loadBefore = loadAverage();
    const serial = await cycles(client, CYCLES_SERIAL, 1);
    const parallel = await cycles(client, CYCLES_PARALLEL, 16);
    const rounds: Array<{ ms: number; grants: number }> = [];
    for (let i = 0; i < CONTENTION_ROUNDS; i++) rounds.push(await contention(client));

    console.log(machineSpec());
    console.log(`${loadBeforeAfter(loadBefore)}\n`);
    console.log('| measurement | result |');
    console.log('|---|---|');
    console.log(`| cycles/s, concurrency 1 (${CYCLES_SERIAL} cycles) | ${serial.toFixed(1)} |`);
    console.log(`| cycles/s, concurrency 16 (${CYCLES_PARALLEL} cycles) | ${parallel.toFixed(1)} |`);
    console.log(
      `| 50 claims of one action: time to settle, median / max of ${CONTENTION_ROUNDS} (ms) | ${percentile(
        rounds.map((r) => r.ms),
        50,
      ).toFixed(0)} / ${Math.max(...rounds.map((r) => r.ms)).toFixed(0)} |`,
    );
    console.log(`| grants per round | ${rounds.map((r) => r.grants).join(', ')} |`);
    if (rounds.some((r) => r.grants !== 1))
      throw new Error('a contention round granted more or less than one claim');
    await app.close();
  } finally {
    await database.stop();
  }
}

runBench('bench:actions', main);
