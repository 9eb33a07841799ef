import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../src/config/load-config';
import { DatabaseStartError } from '../src/database/database-start-error';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import * as lockedFiles from '../src/database/locked-files';
import { openDatabase } from '../src/database/open-database';
import { itWhereChildrenOutliveKilledParent } from './helpers/platform';

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function openParent(): string {
  const parent = mkdtempSync(join(tmpdir(), 'autopack-embedded-'));
  chmodSync(parent, 0o755);
  return parent;
}

async function selectValue(url: string, sql: string): Promise<unknown> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return Object.values((await client.query(sql)).rows[0])[0];
  } finally {
    await client.end();
  }
}

/** Runs the launcher in its own Node process; resolves with the process and the URL it printed. */
function launchInChild(dataDir: string, port: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      join(__dirname, 'helpers', 'embedded-postgres.child.ts'),
      dataDir,
      String(port),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /READY (\S+)/.exec(out);
      if (ready) resolve({ child, url: ready[1] });
      if (out.includes('FAILED')) reject(new Error(out));
    });
    child.on('error', reject);
  });
}

const exited = (child: ChildProcess) => new Promise((resolve) => child.once('exit', resolve));

describe('embedded PostgreSQL launcher', () => {
  // On Windows a killed server takes its PostgreSQL with it: there is no orphan to recover.
  itWhereChildrenOutliveKilledParent(
    'keeps data between starts and recovers a postmaster left behind by a kill -9',
    async () => {
      const dataDir = join(openParent(), 'postgres');
      const port = 20000 + Math.floor(Math.random() * 20000);

      const first = await launchInChild(dataDir, port);
      const client = new Client({ connectionString: first.url });
      await client.connect();
      await client.query('CREATE TABLE kept (v text)');
      await client.query(`INSERT INTO kept VALUES ('survives restarts')`);
      await client.end();

      first.child.kill('SIGKILL');
      await exited(first.child);
      const orphan = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      expect(isAlive(orphan)).toBe(true);

      const second = await launchInChild(dataDir, port);
      try {
        expect(isAlive(orphan)).toBe(false);
        expect(await selectValue(second.url, 'SELECT v FROM kept')).toBe('survives restarts');
      } finally {
        second.child.kill('SIGTERM');
        await exited(second.child);
      }
      // A clean stop leaves no postmaster behind.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(() => readFileSync(join(dataDir, 'postmaster.pid'))).toThrow();
    },
  );

  it('refuses to take over a PostgreSQL whose owning server is still running', async () => {
    const dataDir = join(openParent(), 'postgres');
    const port = 20000 + Math.floor(Math.random() * 20000);
    const running = await launchInChild(dataDir, port);
    try {
      await expect(launchInChild(dataDir, port)).rejects.toThrow(
        /another process \(pid \d+\) is using the embedded PostgreSQL/,
      );
      // The running server's database is untouched.
      expect(await selectValue(running.url, 'SELECT 1')).toBe(1);
    } finally {
      running.child.kill('SIGTERM');
      await exited(running.child);
    }
  });

  it('lets a process forked with an IPC channel exit by itself once its PostgreSQL has stopped', async () => {
    // The library's exit hooks listen for IPC messages, which would keep the channel (and the process,
    // a jest worker among them) alive for ever; the launcher removes that listener.
    const child = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        join(__dirname, 'helpers', 'embedded-postgres.child.ts'),
        join(openParent(), 'postgres'),
        String(20000 + Math.floor(Math.random() * 20000)),
        'stop-at-once',
      ],
      { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }, // stdout: its URL carries the password
    );
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      exited(child),
      new Promise((resolve) => (timer = setTimeout(() => resolve('still running after 20 s'), 20_000))),
    ]);
    clearTimeout(timer);
    child.kill('SIGKILL');
    expect(outcome).toBe(0);
  }, 40_000);

  const asRoot = userInfo().uid === 0 ? it : it.skip;
  asRoot('refuses, with what to do, a data directory the postgres user cannot reach', async () => {
    const locked = mkdtempSync(join(tmpdir(), 'autopack-locked-'));
    chmodSync(locked, 0o700);
    mkdirSync(join(locked, 'project'));
    await expect(
      startEmbeddedPostgres({ dataDir: join(locked, 'project', 'postgres'), port: 5999, databaseName: 'x' }),
    ).rejects.toThrow(/cannot enter .*autopack-locked-.*chmod o\+x/);
  });

  it('says what to do when postmaster.pid stays locked, the way Windows reports it (EBUSY)', async () => {
    const dataDir = join(openParent(), 'postgres');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'PG_VERSION'), '18\n', 'utf8'); // initialised: no initdb
    writeFileSync(join(dataDir, 'postmaster.pid'), '4242\n', 'utf8');
    const read = jest.spyOn(lockedFiles, 'readTextWhenUnlocked').mockImplementation(async (file) => {
      if (file.endsWith('postmaster.pid')) throw new lockedFiles.FileLockedError(file, 'EBUSY');
      return null;
    });
    try {
      const attempt = startEmbeddedPostgres({ dataDir, port: 5999, databaseName: 'x' });
      await expect(attempt).rejects.toBeInstanceOf(DatabaseStartError);
      await expect(attempt).rejects.toThrow(
        /postmaster\.pid is locked by another process \(EBUSY\): a PostgreSQL or another Autopack .* set AUTOPACK_DATA_DIR/,
      );
    } finally {
      read.mockRestore();
    }
  });

  it('says why and what to do when DATABASE_URL cannot be reached', async () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u:topsecret@127.0.0.1:1/db' });
    const attempt = openDatabase(config, () => undefined);
    await expect(attempt).rejects.toBeInstanceOf(DatabaseStartError);
    await expect(attempt).rejects.toThrow(
      /cannot reach the database at postgres:\/\/\*\*\*@127\.0\.0\.1:1\/db \(ECONNREFUSED\); check DATABASE_URL/,
    );
    await expect(attempt).rejects.not.toThrow(/topsecret/);
  });

  it('reaches the cluster started for this test run', async () => {
    expect(await selectValue(process.env.AUTOPACK_TEST_ADMIN_URL!, 'SELECT 1')).toBe(1);
  });
});
