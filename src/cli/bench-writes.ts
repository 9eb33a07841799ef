/**
 * `npm run bench:writes`: the executor's write path, measured. Each flow is what an executor sends for a
 * run: `POST /runs/start` (one tier, BENCH_PHASES phases), then per phase `update_status` EXECUTING →
 * `builder_result` → `auditor_result` → `update_status` COMPLETE. Flows run at concurrency 1, 16 and 64
 * (BENCH_CONCURRENCY), first through the whole app (guard, rate limiter, validation pipe, interceptors,
 * serialisation), then against a bare `node:http` server that calls the very same service methods —
 * the same SQL in the same transactions — with no framework in between, alternating per level. Prints
 * writes/s and p50/p99 per kind of write. Never part of the test suite.
 */
import { plainToInstance } from 'class-transformer';
import type { ClassConstructor } from 'class-transformer';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { INSTANCE_KEY_PRINCIPAL } from '../auth/principal';
import { AuditorResultDto } from '../runs/dto/auditor-result.dto';
import { BuilderResultDto } from '../runs/dto/builder-result.dto';
import { PhaseStatusUpdateDto } from '../runs/dto/phase-status-update.dto';
import { RunStartDto } from '../runs/dto/run-start.dto';
import { PhaseWritesService } from '../runs/phase-writes.service';
import { RunQueriesService } from '../runs/run-queries.service';
import { RunStartService } from '../runs/run-start.service';
import type { BenchApp } from './bench-harness';
import {
  BENCH_API_KEY,
  fmt,
  loadAverage,
  machineLine,
  percentile,
  runBench,
  startBenchApp,
  startBenchDatabase,
} from './bench-harness';

const LEVELS = (process.env.BENCH_CONCURRENCY ?? '1,16,64').split(',').map(Number);
const PHASES = Number(process.env.BENCH_PHASES ?? 3);
/** Flows per worker at each level: enough requests for a p99 without hours on a small machine. */
const FLOWS_PER_WORKER: Record<number, number> = { 1: 20, 16: 3, 64: 2 };
/** Rounds per level, alternating app and bare, pooled: one short round at 64 clients is mostly noise. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const KINDS = ['start', 'update_status', 'builder_result', 'auditor_result'] as const;
type Kind = (typeof KINDS)[number];

let sequence = 0;

function startBody(runId: string) {
  return {
    run: { run_id: runId },
    tiers: [{ tier_id: 'T1', tier_index: 0, name: 'Tier 1' }],
    phases: Array.from({ length: PHASES }, (_, i) => ({
      phase_id: `P${i + 1}`,
      phase_index: i,
      tier_id: 'T1',
      name: `Phase ${i + 1}`,
      scope: { paths: [`src/p${i + 1}`] },
    })),
  };
}

/** The requests of one flow, in order, each with its kind. */
function flow(): Array<{ kind: Kind; path: string; body: object; status: number }> {
  const runId = `bench-w-${process.pid}-${++sequence}`;
  const steps: Array<{ kind: Kind; path: string; body: object; status: number }> = [
    { kind: 'start', path: '/runs/start', body: startBody(runId), status: 201 },
  ];
  for (let i = 1; i <= PHASES; i++) {
    const phase = `/runs/${runId}/phases/P${i}`;
    steps.push(
      { kind: 'update_status', path: `${phase}/update_status`, body: { state: 'EXECUTING' }, status: 200 },
      {
        kind: 'builder_result',
        path: `${phase}/builder_result`,
        body: {
          run_id: runId,
          phase_id: `P${i}`,
          status: 'success',
          patch_content: 'diff --git a/x b/x\n+hello\n',
          files_changed: ['x'],
          lines_added: 1,
          tokens_used: 1000,
          probe_results: [{ probe_type: 'pytest', exit_code: 0 }],
        },
        status: 201,
      },
      {
        kind: 'auditor_result',
        path: `${phase}/auditor_result`,
        body: {
          run_id: runId,
          phase_id: `P${i}`,
          review_notes: 'fine',
          recommendation: 'approve',
          tokens_used: 500,
        },
        status: 201,
      },
      { kind: 'update_status', path: `${phase}/update_status`, body: { state: 'COMPLETE' }, status: 200 },
    );
  }
  return steps;
}

/** The floor: the controllers' service calls, without Nest (no guard, limiter, pipes, interceptors). */
function bareServer(bench: BenchApp) {
  const starts = bench.app.get(RunStartService);
  const queries = bench.app.get(RunQueriesService);
  const writes = bench.app.get(PhaseWritesService);
  const principal = INSTANCE_KEY_PRINCIPAL;
  const as = <T>(cls: ClassConstructor<T>, body: unknown) => plainToInstance(cls, body);
  const phasePath = /^\/runs\/([^/]+)\/phases\/([^/]+)\/(update_status|builder_result|auditor_result)$/;
  const handle = async (path: string, body: unknown): Promise<[number, unknown]> => {
    if (path === '/runs/start') {
      const outcome = await starts.start(as(RunStartDto, body), principal);
      return [201, await queries.get(outcome.runId, principal)];
    }
    const match = phasePath.exec(path);
    if (!match) return [404, {}];
    const ref = { runId: decodeURIComponent(match[1]), phaseId: decodeURIComponent(match[2]) };
    if (match[3] === 'update_status')
      return [200, await writes.updateStatus(ref, as(PhaseStatusUpdateDto, body), principal)];
    if (match[3] === 'builder_result')
      return [201, await writes.builderResult(ref, as(BuilderResultDto, body), principal)];
    return [201, await writes.auditorResult(ref, as(AuditorResultDto, body), principal)];
  };
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      handle(req.url ?? '', JSON.parse(Buffer.concat(chunks).toString('utf8')))
        .then(([status, body]) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
        )
        .catch(() => res.writeHead(500).end());
    });
  });
}

interface LevelResult {
  writes: number;
  seconds: number;
  latencies: Record<Kind, number[]>;
}

const writesPerSecond = (r: LevelResult) => r.writes / r.seconds;

/** Several rounds of one server as one result: writes over time, every latency sample. */
function pooled(results: LevelResult[]): LevelResult {
  return {
    writes: results.reduce((sum, r) => sum + r.writes, 0),
    seconds: results.reduce((sum, r) => sum + r.seconds, 0),
    latencies: Object.fromEntries(KINDS.map((k) => [k, results.flatMap((r) => r.latencies[k])])) as Record<
      Kind,
      number[]
    >,
  };
}

async function runLevel(base: string, concurrency: number): Promise<LevelResult> {
  const latencies = Object.fromEntries(KINDS.map((k) => [k, [] as number[]])) as Record<Kind, number[]>;
  let writes = 0;
  const worker = async () => {
    for (let f = 0; f < (FLOWS_PER_WORKER[concurrency] ?? 2); f++) {
      for (const step of flow()) {
        const started = performance.now();
        const res = await fetch(`${base}${step.path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'X-API-Key': BENCH_API_KEY },
          body: JSON.stringify(step.body),
        });
        await res.arrayBuffer();
        if (res.status !== step.status) throw new Error(`${step.kind} ${step.path}: ${res.status}`);
        latencies[step.kind].push(performance.now() - started);
        writes++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { writes, seconds: (performance.now() - started) / 1000, latencies };
}

async function main(): Promise<void> {
  const database = await startBenchDatabase('writes');
  try {
    const bench = await startBenchApp(database);
    const bare = bareServer(bench);
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
    // Warm-up: JIT, pool, plan caches, on both.
    await runLevel(bench.url, 4);
    await runLevel(bareUrl, 4);

    console.log(
      `## Executor write path (flow: start, then per phase 4 writes; ${PHASES} phases; ${ROUNDS} rounds per level, alternating app and bare, pooled)\n${machineLine()}\n`,
    );
    console.log(
      '| concurrency | server | writes/s | start p50 / p99 | update_status p50 / p99 | builder_result p50 / p99 | auditor_result p50 / p99 |',
    );
    console.log('|---|---|---|---|---|---|---|');
    for (const concurrency of LEVELS) {
      const loadBefore = loadAverage();
      const apps: LevelResult[] = [];
      const floors: LevelResult[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        apps.push(await runLevel(bench.url, concurrency));
        floors.push(await runLevel(bareUrl, concurrency));
      }
      const app = pooled(apps);
      const floor = pooled(floors);
      for (const [name, r] of [
        ['whole app', app],
        ['bare, same services', floor],
      ] as const) {
        const cells = KINDS.map(
          (k) => `${fmt(percentile(r.latencies[k], 50))} / ${fmt(percentile(r.latencies[k], 99))}`,
        );
        console.log(`| ${concurrency} | ${name} | ${writesPerSecond(r).toFixed(1)} | ${cells.join(' | ')} |`);
      }
      const ratios = KINDS.map((k) =>
        (percentile(app.latencies[k], 50) / percentile(floor.latencies[k], 50)).toFixed(2),
      );
      console.log(
        `|  | app / bare | ${(writesPerSecond(app) / writesPerSecond(floor)).toFixed(2)}× throughput | ${ratios.join(' | ')} (p50 ratios, goal ≤ 2) |`,
      );
      console.log(`|  | load average before/after | ${loadBefore} / ${loadAverage()} | | | | |`);
    }
    await new Promise<void>((resolve) => bare.close(() => resolve()));
    await bench.app.close();
  } finally {
    await database.stop();
  }
}

runBench('bench:writes', main);
