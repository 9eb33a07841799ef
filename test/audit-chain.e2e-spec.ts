import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { verifyAuditChain } from '../src/audit/audit-chain.verifier';
import { systemAuditContext } from '../src/audit/audit-context';
import { computeAuditHash, GENESIS_HASH } from '../src/audit/audit-hash';
import { AuditEventError, AuditService } from '../src/audit/audit.service';
import { auditVerifyCommand } from '../src/cli/audit-verify-command';
import { appendEvents, MigratedDatabase, openMigratedDatabase, withoutImmutability } from './helpers/audit';

const run = promisify(execFile);

describe('audit chain (AuditService + verifier on real PostgreSQL)', () => {
  const audit = new AuditService();
  let db: MigratedDatabase;
  let ds: DataSource;
  beforeEach(async () => {
    db = await openMigratedDatabase();
    ds = db.dataSource;
  });
  afterEach(() => ds.destroy());

  it('links each event to the previous one and verifies an intact chain', async () => {
    expect(await verifyAuditChain(ds)).toEqual({ intact: true, count: 0, headHash: GENESIS_HASH });
    const recorded = await appendEvents(ds, 5);
    const rows: Array<{ position: string; prev_hash: string; hash: string }> = await ds.query(
      'SELECT position, prev_hash, hash FROM audit_events ORDER BY position',
    );
    expect(rows.map((r) => Number(r.position))).toEqual([1, 2, 3, 4, 5]);
    expect(rows[0].prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i].prev_hash).toBe(rows[i - 1].hash);
    expect(await verifyAuditChain(ds, { batchSize: 2 })).toEqual({
      intact: true,
      count: 5,
      headHash: recorded[4].hash,
    });
  });

  it('keeps one linear chain under many concurrent appends in one process', async () => {
    await appendEvents(ds, 80, 16);
    const result = await verifyAuditChain(ds, { batchSize: 7 });
    expect(result).toMatchObject({ intact: true, count: 80 });
    const [{ distinct }] = await ds.query(
      'SELECT count(DISTINCT prev_hash)::int AS distinct FROM audit_events',
    );
    expect(distinct).toBe(80);
  });

  it('refuses to record outside a transaction (an event must commit with its change)', async () => {
    await expect(
      audit.record(ds.manager, {
        ...systemAuditContext('test'),
        type: 'test.appended',
        subject: { type: 'run', id: 'r' },
      }),
    ).rejects.toThrow(AuditEventError);
    await expect(
      ds.transaction((m) =>
        audit.record(m, {
          ...systemAuditContext('test'),
          type: 'Not A Type',
          subject: { type: 'run', id: 'r' },
        }),
      ),
    ).rejects.toThrow(/not an audit event type/);
    expect(await ds.query('SELECT count(*)::int AS n FROM audit_events')).toEqual([{ n: 0 }]);
  });

  it('keeps a caller that swallows the audit error from committing its change', async () => {
    await ds.query('CREATE TABLE swallow_probe (v int)');
    await ds
      .transaction(async (m) => {
        await m.query('INSERT INTO swallow_probe VALUES (1)');
        await audit
          .record(m, { ...systemAuditContext('test'), type: 'bad type', subject: { type: 'run', id: 'r' } })
          .catch(() => undefined); // a careless caller, who then commits
      })
      .catch(() => undefined);
    expect(await ds.query('SELECT count(*)::int AS n FROM swallow_probe')).toEqual([{ n: 0 }]);
  });

  it('rolls the event back with the caller transaction', async () => {
    await expect(
      ds.transaction(async (m) => {
        await audit.record(m, {
          ...systemAuditContext('test'),
          type: 'test.appended',
          subject: { type: 'run', id: 'r' },
        });
        throw new Error('the change failed after recording');
      }),
    ).rejects.toThrow('the change failed');
    expect(await verifyAuditChain(ds)).toMatchObject({ intact: true, count: 0 });
    await appendEvents(ds, 1);
    expect(await verifyAuditChain(ds)).toMatchObject({ intact: true, count: 1 });
  });

  it('stores details exactly as hashed: dates, odd numbers, unicode, NUL and lone surrogates', async () => {
    await ds.transaction((m) =>
      audit.record(m, {
        ...systemAuditContext('test'),
        type: 'test.appended',
        subject: { type: 'run', id: 'run-\u0000x' },
        details: {
          when: new Date('2026-01-02T03:04:05.678Z'),
          numbers: [1e21, 1e-7, -0, 0.1 + 0.2, 333333333.3333333, 2 ** 53 + 2],
          'key\u0000': 'nul in a key',
          text: 'caf\u00e9 \ud83d\ude00 \u20ac \u0000 \ud800 "quoted" \\',
          gone: undefined,
          nested: { z: 1, a: [true, false, null] },
        },
      }),
    );
    expect(await verifyAuditChain(ds)).toMatchObject({ intact: true, count: 1 });
    const [row] = await ds.query('SELECT subject_id, details FROM audit_events');
    expect(row.subject_id).toBe('run-\ufffdx');
    expect(row.details.when).toBe('2026-01-02T03:04:05.678Z');
    expect(row.details.text).toBe('caf\u00e9 \ud83d\ude00 \u20ac \ufffd \ufffd "quoted" \\');
    expect('gone' in row.details).toBe(false);
    expect(row.details['key\ufffd']).toBe('nul in a key');
  });

  describe('immutability (migration-created triggers)', () => {
    beforeEach(() => appendEvents(ds, 3));

    it.each([
      ['UPDATE', "UPDATE audit_events SET event_type = 'test.forged' WHERE position = 2"],
      ['DELETE', 'DELETE FROM audit_events WHERE position = 2'],
      ['TRUNCATE', 'TRUNCATE audit_events'],
      ['DELETE of the chain head', 'DELETE FROM audit_chain_head'],
      ['rewinding the chain head', 'UPDATE audit_chain_head SET position = 2'],
      ['TRUNCATE of the chain head', 'TRUNCATE audit_chain_head'],
    ])('rejects %s', async (_name, sql) => {
      await expect(ds.query(sql)).rejects.toThrow(/append-only/);
      expect(await verifyAuditChain(ds)).toMatchObject({ intact: true, count: 3 });
    });

    it('refuses a second event naming the same predecessor (no fork, even bypassing the lock)', async () => {
      await expect(
        ds.query(
          `INSERT INTO audit_events SELECT 99, gen_random_uuid(), occurred_at, event_type, actor_kind, actor_id,
             actor_name, subject_type, subject_id, run_id, phase_id, details, request_id, prev_hash, repeat('f', 64)
           FROM audit_events WHERE position = 3`,
        ),
      ).rejects.toThrow(/duplicate key/);
    });
  });

  describe('tamper detection', () => {
    beforeEach(() => appendEvents(ds, 6));

    it('detects an edited row', async () => {
      await withoutImmutability(ds, `UPDATE audit_events SET details = '{"i": 999}' WHERE position = 4`);
      expect(await verifyAuditChain(ds, { batchSize: 2 })).toMatchObject({
        intact: false,
        count: 3,
        position: 4,
        problem: 'altered_event',
      });
    });

    it('detects an edited row whose hash was recomputed to match (the next link breaks)', async () => {
      const [row] = await ds.query(
        `SELECT position, event_id, occurred_at, event_type, actor_kind, actor_id, actor_name, subject_type,
                subject_id, run_id, phase_id, details, request_id, prev_hash FROM audit_events WHERE position = 2`,
      );
      const forged = { ...row, position: 2, occurred_at: row.occurred_at.toISOString(), details: { i: 999 } };
      await withoutImmutability(
        ds,
        'UPDATE audit_events SET details = $1::jsonb, hash = $2 WHERE position = 2',
        [JSON.stringify(forged.details), computeAuditHash(forged)],
      );
      expect(await verifyAuditChain(ds)).toMatchObject({
        intact: false,
        count: 2,
        position: 3,
        problem: 'broken_link',
      });
    });

    it('detects an overwritten hash', async () => {
      await withoutImmutability(ds, `UPDATE audit_events SET hash = repeat('a', 64) WHERE position = 2`);
      expect(await verifyAuditChain(ds)).toMatchObject({
        intact: false,
        position: 2,
        problem: 'altered_event',
      });
    });

    it('detects a deleted row', async () => {
      await withoutImmutability(ds, 'DELETE FROM audit_events WHERE position = 3');
      const result = await verifyAuditChain(ds);
      expect(result).toMatchObject({ intact: false, count: 2, position: 3, problem: 'missing_event' });
      expect(!result.intact && result.message).toMatch(/no event at position 3/);
    });

    it('detects a deleted first row', async () => {
      await withoutImmutability(ds, 'DELETE FROM audit_events WHERE position = 1');
      expect(await verifyAuditChain(ds)).toMatchObject({ intact: false, count: 0, position: 1 });
    });

    it('detects a deleted tail through the chain head', async () => {
      await withoutImmutability(ds, 'DELETE FROM audit_events WHERE position >= 5');
      const result = await verifyAuditChain(ds);
      expect(result).toMatchObject({ intact: false, count: 4, position: 5, problem: 'head_mismatch' });
      expect(!result.intact && result.message).toMatch(/names position 6 .* ends at position 4/);
    });

    it('detects swapped hashes', async () => {
      await withoutImmutability(
        ds,
        `UPDATE audit_events a SET hash = b.hash FROM audit_events b
         WHERE (a.position, b.position) IN ((2, 3), (3, 2))`,
      );
      expect(await verifyAuditChain(ds)).toMatchObject({ intact: false, position: 2 });
    });

    it('detects reordered events (positions swapped)', async () => {
      await withoutImmutability(
        ds,
        `UPDATE audit_events SET position = -4 WHERE position = 4;
         UPDATE audit_events SET position = 4 WHERE position = 5;
         UPDATE audit_events SET position = 5 WHERE position = -4`,
      );
      expect(await verifyAuditChain(ds)).toMatchObject({
        intact: false,
        count: 3,
        position: 4,
        problem: 'broken_link',
      });
    });
  });

  describe('npm run audit:verify', () => {
    const command = async (url: string) => {
      const lines = { stdout: [] as string[], stderr: [] as string[] };
      const code = await auditVerifyCommand(url, {
        log: (line) => lines.stdout.push(line),
        error: (line) => lines.stderr.push(line),
      });
      return { code, stdout: lines.stdout.join('\n'), stderr: lines.stderr.join('\n') };
    };

    it('exits 0 with the count when intact, 1 naming the first broken link', async () => {
      await appendEvents(ds, 4);
      const intact = await command(db.url);
      expect(intact).toMatchObject({ code: 0, stderr: '' });
      expect(intact.stdout).toMatch(
        /^audit chain intact: 4 events verified in [\d.]+ s \(head [0-9a-f]{64}\)$/,
      );

      await withoutImmutability(ds, 'DELETE FROM audit_events WHERE position = 2');
      const broken = await command(db.url);
      expect(broken.code).toBe(1);
      expect(broken.stderr).toMatch(
        /^audit chain BROKEN at position 2: missing link: no event at position 2/,
      );
    });

    it('exits 2 when it cannot read the chain, without echoing credentials', async () => {
      const unreachable = await command('postgres://nobody:secret-pw@127.0.0.1:1/none');
      expect(unreachable.code).toBe(2);
      expect(unreachable.stderr).toMatch(/could not read the chain/);
      expect(unreachable.stderr).not.toContain('secret-pw');
    });

    // The real entry point in its own process: the exit code is what a cron job or CI step sees.
    it('the CLI process exits 1 on a broken chain', async () => {
      await appendEvents(ds, 3);
      await withoutImmutability(ds, `UPDATE audit_events SET event_type = 'test.forged' WHERE position = 3`);
      const result = await run(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', join(__dirname, '..', 'src', 'cli', 'audit-verify.ts')],
        { env: { ...process.env, DATABASE_URL: db.url, AUTOPACK_ENV: 'test' }, cwd: join(__dirname, '..') },
      ).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error,
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /BROKEN at position 3: broken link at position 3 .*does not match its contents/,
      );
    }, 180_000);
  });
});
