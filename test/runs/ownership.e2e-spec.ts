import { NotFoundException } from '@nestjs/common';
import type { Principal } from '../../src/auth/principal';
import { PhaseWritesService } from '../../src/runs/phase-writes.service';
import { canSeeAllRuns } from '../../src/access/visibility';
import { RunErrorsService } from '../../src/runs/run-errors.service';
import { RunIssuesService } from '../../src/runs/run-issues.service';
import { RunQueriesService } from '../../src/runs/run-queries.service';
import { RunStartService } from '../../src/runs/run-start.service';
import { INSTANCE_KEY_PRINCIPAL } from '../../src/auth/principal';
import { plainToInstance } from 'class-transformer';
import { RunStartDto } from '../../src/runs/dto/run-start.dto';
import { createTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { startBody } from '../helpers/runs';

const executor = (name: string): Principal => ({
  kind: 'api_key',
  id: `apikey:${name}`,
  name,
  scopes: ['runs:read', 'runs:write'],
  isAdmin: false,
});

/**
 * No BOLA. Only the admin instance key can authenticate on this branch, so the rule is proven at the
 * service layer, with real non-admin principals against the real database; the HTTP tests with a
 * second key come with the identity work.
 */
describe('runs: ownership through the service layer', () => {
  let t: TestApp;
  let starts: RunStartService;
  let queries: RunQueriesService;
  let writes: PhaseWritesService;
  let issues: RunIssuesService;
  let errors: RunErrorsService;
  const alice = executor('alice');
  const bob = executor('bob');
  let aliceRun: string;
  let bobRun: string;

  const start = async (principal: Principal) => {
    const body = plainToInstance(RunStartDto, startBody());
    await starts.start(body, principal);
    return body.run.run_id;
  };

  beforeAll(async () => {
    t = await createTestApp();
    starts = t.app.get(RunStartService);
    queries = t.app.get(RunQueriesService);
    writes = t.app.get(PhaseWritesService);
    issues = t.app.get(RunIssuesService);
    errors = t.app.get(RunErrorsService);
    aliceRun = await start(alice);
    bobRun = await start(bob);
    await writes.recordIssue(
      { runId: aliceRun, phaseId: 'P1' },
      { issue_key: 'alice-only', severity: 'minor', category: 'c' },
      alice,
    );
    await errors.report(aliceRun, { error_type: 'E', message: 'm' }, alice);
  });
  afterAll(() => t.close());

  it('the visibility rule: admins see every run, other principals only their own', () => {
    expect(canSeeAllRuns(INSTANCE_KEY_PRINCIPAL)).toBe(true);
    expect(canSeeAllRuns(alice)).toBe(false);
  });

  it('stores the owner as the principal id', async () => {
    expect((await queries.get(aliceRun, alice)).owner_principal_id).toBe('apikey:alice');
  });

  it("another principal's run is a 404 on every read", async () => {
    const reads: Array<() => Promise<unknown>> = [
      () => queries.get(aliceRun, bob),
      () => queries.progress(aliceRun, bob),
      () => queries.dashboardStatus(aliceRun, bob),
      () => issues.runIndex(aliceRun, bob),
      () => errors.list(aliceRun, { limit: 20, offset: 0 }, bob),
      () => errors.summary(aliceRun, bob),
    ];
    for (const read of reads) await expect(read()).rejects.toBeInstanceOf(NotFoundException);
    await expect(queries.get(aliceRun, alice)).resolves.toMatchObject({ id: aliceRun });
  });

  it("another principal's run is a 404 on every write, and is left unchanged", async () => {
    const before = await queries.get(aliceRun, alice);
    const ref = { runId: aliceRun, phaseId: 'P1' };
    const attempts: Array<() => Promise<unknown>> = [
      () => writes.updateStatus(ref, { state: 'EXECUTING' }, bob),
      () =>
        writes.builderResult(
          ref,
          { run_id: aliceRun, phase_id: 'P1', status: 'success', tokens_used: 5 },
          bob,
        ),
      () =>
        writes.auditorResult(
          ref,
          { run_id: aliceRun, phase_id: 'P1', review_notes: 'n', recommendation: 'approve' },
          bob,
        ),
      () => writes.recordIssue(ref, { issue_key: 'bob', severity: 'major', category: 'c' }, bob),
      () => errors.report(aliceRun, { error_type: 'E', message: 'bob was here' }, bob),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toBeInstanceOf(NotFoundException);
    expect(await queries.get(aliceRun, alice)).toEqual(before);
    expect((await errors.list(aliceRun, { limit: 20, offset: 0 }, alice)).total).toBe(1);
  });

  it('lists, totals and the backlog show only the principal’s own runs; an admin sees all', async () => {
    const forBob = await queries.list({ limit: 100, offset: 0 }, bob);
    expect(forBob.runs.map((r) => r.id)).toEqual([bobRun]);
    expect(forBob.total).toBe(1);
    const forAlice = await queries.list({ limit: 100, offset: 0 }, alice);
    expect(forAlice.runs.map((r) => r.id)).toEqual([aliceRun]);
    const forAdmin = await queries.list({ limit: 100, offset: 0 }, INSTANCE_KEY_PRINCIPAL);
    expect(forAdmin.runs.map((r) => r.id).sort()).toEqual([aliceRun, bobRun].sort());
    expect(forAdmin.total).toBe(2);

    expect((await issues.backlog({ limit: 20, offset: 0 }, bob)).total).toBe(0);
    expect((await issues.backlog({ limit: 20, offset: 0 }, alice)).issues.map((i) => i.issue_key)).toEqual([
      'alice-only',
    ]);
    expect((await issues.backlog({ limit: 20, offset: 0 }, INSTANCE_KEY_PRINCIPAL)).total).toBe(1);
  });

  it('an admin may read and write any run', async () => {
    await expect(queries.get(bobRun, INSTANCE_KEY_PRINCIPAL)).resolves.toMatchObject({ id: bobRun });
    const moved = await writes.updateStatus(
      { runId: bobRun, phaseId: 'P1' },
      { state: 'EXECUTING' },
      INSTANCE_KEY_PRINCIPAL,
    );
    expect(moved.run_state).toBe('PHASE_EXECUTION');
  });

  it("reusing another principal's run_id is a conflict, even with an identical body", async () => {
    const body = plainToInstance(RunStartDto, startBody({ runId: aliceRun }));
    await expect(starts.start(body, bob)).rejects.toMatchObject({ status: 409 });
  });
});
