import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The process stops when told to, proven by process ids: `npm start` under a supervisor that signals
 * npm alone, requests in flight, streams, a second signal and the deadline. Each case starts the real
 * server (scripts/start.js, dist/main.js) on one embedded PostgreSQL data directory, in turn.
 */
const ROOT = join(__dirname, '..', '..');
const API_KEY = 'shutdown-test-instance-key-0123456789';

jest.setTimeout(240_000);

/** Every process whose parent chain leads to `pid` (Linux /proc), with `pid` itself. */
function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i] && !tree.includes(child)) tree.push(child);
  }
  return tree;
}

/** Alive and not a zombie (an orphan's zombie waits for init to reap it: it is gone for our purposes). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const commandOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
};

async function waitUntil(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Server {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
  /** The node process that serves (npm → sh → node, or the spawned node itself). */
  serverPid: number;
  postgresPids: number[];
}

let dataDir: string;
beforeAll(() => {
  if (process.platform !== 'linux') return;
  // Under /tmp, opened to others: the postgres system user must reach it when tests run as root.
  dataDir = mkdtempSync(join(tmpdir(), 'autopack-shutdown-'));
  chmodSync(dataDir, 0o755);
});
// Every case waited for its PostgreSQL to exit: the cluster can go.
afterAll(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function startServer(command: 'npm' | 'node', env: Record<string, string> = {}): Promise<Server> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const args = command === 'npm' ? ['start'] : [join(ROOT, 'scripts', 'start.js')];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      AUTOPACK_ENV: 'development',
      AUTOPACK_API_KEY: API_KEY,
      AUTOPACK_DATA_DIR: dataDir,
      AUTOPACK_EMBEDDED_PG_PORT: String(port + 1),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitUntil(`"API listening" (output so far: ${out})`, () => out.includes('API listening on'), 200_000);
  const tree = processTree(child.pid!);
  const serverPid =
    tree.find((pid) => pid !== child.pid && /^\S*node\S* .*scripts\/start\.js/.test(commandOf(pid))) ??
    child.pid!;
  const postgresPids = tree.filter((pid) => /postgres/.test(commandOf(pid)));
  expect(postgresPids.length).toBeGreaterThan(0);
  return { child, port, output: () => out, exited, serverPid, postgresPids };
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers: { 'X-API-Key': API_KEY } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function post(port: number, path: string, body: object): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const allGone = (pids: number[]) => () => pids.every((pid) => !alive(pid));

// Process trees are read from /proc (Linux): elsewhere there is no portable way to prove a pid is gone.
const describeOnLinux = process.platform === 'linux' ? describe : describe.skip;

describeOnLinux('shutdown', () => {
  it('npm start under a supervisor that sends SIGTERM to npm alone: the server and its PostgreSQL stop', async () => {
    const server = await startServer('npm');
    expect(server.serverPid).not.toBe(server.child.pid);
    const pids = [server.serverPid, ...server.postgresPids];
    expect(pids.every(alive)).toBe(true);

    process.kill(server.child.pid!, 'SIGTERM'); // npm only, as a supervisor (systemd KillMode=process, tini) does
    await waitUntil(
      `server ${server.serverPid} and postgres ${server.postgresPids.join(',')} to exit`,
      allGone(pids),
      20_000,
    );
    expect(server.output()).toMatch(/shutting down/);
  });

  it('in-flight requests finish, streams close, no new connections; exit 0 with PostgreSQL stopped', async () => {
    const server = await startServer('node');
    const runId = `shutdown-${Date.now()}`;
    const started = await post(server.port, '/runs/start', { run: { run_id: runId } });
    expect(started.status).toBe(201);
    const approval = await post(server.port, '/approval/request', { run_id: runId, phase_id: 'P1' });
    const approvalId = (JSON.parse(approval.body) as { approval_id: string }).approval_id;

    // A long poll in flight, and an open event stream.
    const longPoll = get(server.port, `/approval/status/${approvalId}?wait=30`);
    const stream = get(server.port, '/events/stream');
    await new Promise((resolve) => setTimeout(resolve, 500));

    const begun = Date.now();
    process.kill(server.serverPid, 'SIGTERM');
    const [poll, streamResult] = await Promise.allSettled([longPoll, stream]);
    if (poll.status === 'rejected' || streamResult.status === 'rejected') {
      throw new Error(
        `poll: ${String((poll as PromiseRejectedResult).reason ?? 'ok')}; stream: ${String((streamResult as PromiseRejectedResult).reason ?? 'ok')}\n${server.output()}`,
      );
    }
    const answered = await longPoll;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.body)).toMatchObject({ approval_id: approvalId, status: 'pending' });
    const streamed = await stream;
    expect(streamed.status).toBe(200);
    expect(await server.exited).toBe(0);
    expect(Date.now() - begun).toBeLessThan(10_000);
    await waitUntil('postgres to exit', allGone(server.postgresPids), 10_000);
    await expect(get(server.port, '/health/live')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('past the deadline it exits 1 with one line naming what hung; PostgreSQL is still told to stop', async () => {
    const server = await startServer('node', { AUTOPACK_SHUTDOWN_TIMEOUT_SECONDS: '2' });
    // A PostgreSQL that does not answer: the stop hangs.
    for (const pid of server.postgresPids) process.kill(pid, 'SIGSTOP');
    const begun = Date.now();
    process.kill(server.serverPid, 'SIGTERM');
    try {
      expect(await server.exited).toBe(1);
      expect(Date.now() - begun).toBeLessThan(5_000);
      const lines = server
        .output()
        .split('\n')
        .filter((line) => /did not finish within 2 s/.test(line));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/still waiting for the (HTTP server|app to stop|embedded PostgreSQL)/);
    } finally {
      for (const pid of server.postgresPids) if (alive(pid)) process.kill(pid, 'SIGCONT');
    }
    await waitUntil('postgres to exit after its fast shutdown', allGone(server.postgresPids), 15_000);
  });

  it('a second signal exits at once, and PostgreSQL is still told to stop', async () => {
    const server = await startServer('node');
    for (const pid of server.postgresPids) process.kill(pid, 'SIGSTOP');
    process.kill(server.serverPid, 'SIGTERM');
    await waitUntil('the first signal to be taken', () => /shutting down/.test(server.output()), 5_000);
    const begun = Date.now();
    process.kill(server.serverPid, 'SIGINT');
    try {
      expect(await server.exited).toBe(1);
      expect(Date.now() - begun).toBeLessThan(2_000);
      expect(server.output()).toMatch(/SIGINT received again while shutting down .*: exiting now/);
    } finally {
      for (const pid of server.postgresPids) if (alive(pid)) process.kill(pid, 'SIGCONT');
    }
    await waitUntil('postgres to exit after its fast shutdown', allGone(server.postgresPids), 15_000);
  });
});
