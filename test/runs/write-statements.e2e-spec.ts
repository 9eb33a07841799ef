import { DataSource } from 'typeorm';
import { remember, writeChanges } from '../../src/database/write-changes';
import { RunPhase } from '../../src/runs/entities/run-phase.entity';
import { createTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { asAdmin, auditorResult, builderResult, countQueries, phasePath, startBody } from '../helpers/runs';

/**
 * The executor's writes are the fleet's hot path (issue #19): each is one transaction of as few statements
 * as it needs, and never reads again a row it already holds under the run lock (save()'s SELECT before
 * its UPDATE was three extra statements per write).
 */
describe('executor writes: statements per transaction', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  /** The statements of the write's own transaction, each shortened to what it does to which table. */
  const transactionOf = (queries: string[]) => {
    const start = queries.indexOf('START TRANSACTION');
    const end = queries.indexOf('COMMIT', start);
    expect([start, end].every((i) => i >= 0)).toBe(true);
    return queries.slice(start + 1, end).map((sql) => {
      const verb = /^(?:WITH appended AS \(\s*)?(SELECT|UPDATE|INSERT INTO)\b/i.exec(sql)?.[1];
      const table = /(?:FROM|INTO|UPDATE)\s+"?([a-z_]+)"?/i.exec(sql)?.[1];
      return `${verb} ${table}`;
    });
  };

  it('update_status, builder_result and auditor_result read each row once and write only what changed', async () => {
    const api = asAdmin(t);
    const body = startBody();
    const runId = body.run.run_id;
    expect((await api.post('/runs/start', body)).status).toBe(201);

    const write = async (action: string, payload: object) => {
      const { result, queries } = await countQueries(t, () =>
        api.post(phasePath(runId, 'P1', action), payload),
      );
      expect([action, result.status]).toEqual([action, action === 'update_status' ? 200 : 201]);
      return transactionOf(queries);
    };

    expect(await write('update_status', { state: 'EXECUTING' })).toEqual([
      'SELECT runs', // the run, locked
      'SELECT run_phases', // the phase
      'UPDATE run_phases',
      'INSERT INTO events', // phase.state_changed
      'SELECT run_phases', // every phase of the run, to settle it
      'SELECT run_tiers',
      'UPDATE run_tiers', // the tier starts
      'UPDATE runs', // the run starts
      'INSERT INTO events', // run.state_changed
    ]);
    expect(await write('builder_result', builderResult(runId, 'P1'))).toEqual([
      'SELECT runs',
      'SELECT run_phases',
      'INSERT INTO builder_results',
      'INSERT INTO events',
      'UPDATE run_phases', // tokens
      'SELECT run_phases',
      'SELECT run_tiers',
      'UPDATE runs', // tokens
    ]);
    expect(await write('auditor_result', auditorResult(runId, 'P1'))).toEqual([
      'SELECT runs',
      'SELECT run_phases',
      'INSERT INTO auditor_results',
      'INSERT INTO events',
      'UPDATE run_phases',
      'SELECT run_phases',
      'SELECT run_tiers',
      'UPDATE runs',
    ]);
  });

  it('writeChanges: nothing when nothing changed, only the changed columns (in-place edits too), save() when not remembered', async () => {
    const api = asAdmin(t);
    const body = startBody();
    expect((await api.post('/runs/start', body)).status).toBe(201);
    const db = t.app.get(DataSource);
    const read = () => db.getRepository(RunPhase).findOneByOrFail({ runId: body.run.run_id, phaseId: 'P1' });

    await db.transaction(async (manager) => {
      const phase = remember(manager, RunPhase, await read());
      const unchanged = await countQueries(t, () => writeChanges(manager, RunPhase, phase));
      expect(unchanged.queries).toEqual([]);

      (phase.scope as { paths: string[] }).paths.push('src/added-in-place'); // a JSON column edited in place
      phase.startedAt = new Date('2026-01-02T03:04:05.678Z');
      const changed = await countQueries(t, () => writeChanges(manager, RunPhase, phase));
      expect(changed.queries).toHaveLength(1);
      expect(changed.queries[0]).toMatch(
        /^UPDATE "run_phases" SET "scope" = \$1, "started_at" = \$2, "updated_at" = CURRENT_TIMESTAMP WHERE/,
      );
      // Remembered again as written: the same values are not written twice.
      expect((await countQueries(t, () => writeChanges(manager, RunPhase, phase))).queries).toEqual([]);
    });
    const stored = await read();
    expect((stored.scope as { paths: string[] }).paths).toContain('src/added-in-place');
    expect(stored.startedAt?.toISOString()).toBe('2026-01-02T03:04:05.678Z');

    await db.transaction(async (manager) => {
      const phase = await manager.getRepository(RunPhase).findOneByOrFail({ id: stored.id });
      phase.name = 'renamed without remember';
      const saved = await countQueries(t, () => writeChanges(manager, RunPhase, phase));
      // save(): its own SELECT of the row, then the UPDATE.
      expect(saved.queries.map((sql) => sql.split(' ')[0])).toEqual(['SELECT', 'UPDATE']);
    });
    expect((await read()).name).toBe('renamed without remember');
  });
});
