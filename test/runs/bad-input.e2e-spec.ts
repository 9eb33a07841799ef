import { DataSource } from 'typeorm';
import request from 'supertest';
import { createTestApp, TEST_INSTANCE_KEY } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { asAdmin, auditorResult, builderResult, phasePath, startBody, uniqueRunId } from '../helpers/runs';

const PATCH_CAP = 2048;

/** Each "Bad input" item of issue 4: a clear 4xx, and nothing written. */
describe('runs: bad input', () => {
  let t: TestApp;
  let api: ReturnType<typeof asAdmin>;
  let db: DataSource;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        AUTOPACK_MAX_PATCH_BYTES: String(PATCH_CAP),
        AUTOPACK_RATE_LIMIT_RUNS_START_PER_MINUTE: '10000',
      },
    });
    api = asAdmin(t);
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const count = async (table: string, runId: string) =>
    (await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE run_id = $1`, [runId]))[0].n as number;

  async function startedRun(options: Parameters<typeof startBody>[0] = {}) {
    const body = startBody(options);
    const res = await api.post('/runs/start', body);
    expect(res.status).toBe(201);
    return body.run.run_id;
  }

  const locs = (body: { detail?: Array<{ loc: unknown[] }> }) =>
    (body.detail ?? []).map((d) => d.loc.join('.'));

  describe('bodies are validated as docs/WIRE_FORMAT.md says (422 with detail)', () => {
    it.each([
      ['a missing run', { tiers: [] }, 'body.run'],
      ['a missing run_id', { run: {} }, 'body.run.run_id'],
      ['an empty run_id', { run: { run_id: '' } }, 'body.run.run_id'],
      [
        'a wrong safety_profile',
        { run: { run_id: 'x', safety_profile: 'reckless' } },
        'body.run.safety_profile',
      ],
      ['a wrong run_scope', { run: { run_id: 'x', run_scope: 'everything' } }, 'body.run.run_scope'],
      ['a zero token_cap', { run: { run_id: 'x', token_cap: 0 } }, 'body.run.token_cap'],
      ['a fractional token_cap', { run: { run_id: 'x', token_cap: 1.5 } }, 'body.run.token_cap'],
      ['an absurd token_cap', { run: { run_id: 'x', token_cap: 1e20 } }, 'body.run.token_cap'],
      ['a string max_phases', { run: { run_id: 'x', max_phases: '5' } }, 'body.run.max_phases'],
      [
        'a negative tier_index',
        { run: { run_id: 'x' }, tiers: [{ tier_id: 'T', tier_index: -1, name: 'n' }] },
        'body.tiers.0.tier_index',
      ],
      [
        'a wrong complexity',
        {
          run: { run_id: 'x' },
          tiers: [{ tier_id: 'T', tier_index: 0, name: 'n' }],
          phases: [{ phase_id: 'P', phase_index: 0, tier_id: 'T', name: 'p', complexity: 'extreme' }],
        },
        'body.phases.0.complexity',
      ],
      [
        'an intention_refs key not in the format',
        {
          run: { run_id: 'x' },
          tiers: [{ tier_id: 'T', tier_index: 0, name: 'n' }],
          phases: [
            { phase_id: 'P', phase_index: 0, tier_id: 'T', name: 'p', intention_refs: { wishes: [1] } },
          ],
        },
        'body.phases.0.intention_refs.wishes',
      ],
      [
        'intention_refs holding strings',
        {
          run: { run_id: 'x' },
          tiers: [{ tier_id: 'T', tier_index: 0, name: 'n' }],
          phases: [
            {
              phase_id: 'P',
              phase_index: 0,
              tier_id: 'T',
              name: 'p',
              intention_refs: { success_criteria: ['one'] },
            },
          ],
        },
        'body.phases.0.intention_refs.success_criteria',
      ],
      ['tiers that are not a list', { run: { run_id: 'x' }, tiers: 'T1' }, 'body.tiers'],
    ])('POST /runs/start refuses %s', async (_name, body, loc) => {
      const res = await api.post('/runs/start', body);
      expect(res.status).toBe(422);
      expect(locs(res.body)).toContain(loc);
      expect(res.body.detail[0]).toEqual({
        loc: expect.any(Array),
        msg: expect.any(String),
        type: expect.any(String),
      });
    });

    it('refuses a phase whose tier_id names no tier of the request, and writes nothing', async () => {
      const body = startBody();
      body.phases[3].tier_id = 'T9';
      const res = await api.post('/runs/start', body);
      expect(res.status).toBe(422);
      expect(locs(res.body)).toEqual(['body.phases.3.tier_id']);
      expect((await api.get(`/runs/${body.run.run_id}`)).status).toBe(404);
    });

    it('refuses more phases than max_phases (422) and duplicate phase ids', async () => {
      const tooMany = startBody({ run: { max_phases: 3 } });
      const res = await api.post('/runs/start', tooMany);
      expect(res.status).toBe(422);
      expect(locs(res.body)).toEqual(['body.phases']);
      expect(res.body.message).toMatch(/max_phases/);
      expect(await count('run_phases', tooMany.run.run_id)).toBe(0);

      const duplicate = startBody();
      duplicate.phases[1].phase_id = 'P1';
      expect((await api.post('/runs/start', duplicate)).status).toBe(422);
    });

    it.each([
      ['a missing state', {}, 'body.state'],
      ['a wrong state', { state: 'DONE' }, 'body.state'],
      ['a lower-case state', { state: 'executing' }, 'body.state'],
      ['a negative tokens_used', { state: 'EXECUTING', tokens_used: -1 }, 'body.tokens_used'],
      [
        'an absurd builder_attempts',
        { state: 'EXECUTING', builder_attempts: 2 ** 31 },
        'body.builder_attempts',
      ],
      [
        'a negative minor_issues_count',
        { state: 'EXECUTING', minor_issues_count: -3 },
        'body.minor_issues_count',
      ],
      ['a wrong quality_level', { state: 'EXECUTING', quality_level: 'great' }, 'body.quality_level'],
      ['a string quality_blocked', { state: 'EXECUTING', quality_blocked: 'yes' }, 'body.quality_blocked'],
    ])('update_status refuses %s', async (_name, body, loc) => {
      const runId = await startedRun();
      const res = await api.post(phasePath(runId, 'P1', 'update_status'), body);
      expect(res.status).toBe(422);
      expect(locs(res.body)).toContain(loc);
      expect((await api.get(`/runs/${runId}`)).body.phases[0].state).toBe('QUEUED');
    });

    it.each([
      ['a missing status', { status: undefined }, 'body.status'],
      ['a wrong status', { status: 'ok' }, 'body.status'],
      ['negative lines_added', { lines_added: -1 }, 'body.lines_added'],
      ['an absurd tokens_used', { tokens_used: 1e15 }, 'body.tokens_used'],
      [
        'a probe result without exit_code',
        { probe_results: [{ probe_type: 'x' }] },
        'body.probe_results.0.exit_code',
      ],
      [
        'a suggested issue of unknown severity',
        { suggested_issues: [{ issue_key: 'k', severity: 'critical', category: 'c' }] },
        'body.suggested_issues.0.severity',
      ],
      ['an unknown field', { surprise: true }, 'body.surprise'],
      [
        'an unknown field inside a probe result',
        { probe_results: [{ probe_type: 'x', exit_code: 0, extra: 1 }] },
        'body.probe_results.0.extra',
      ],
    ])('builder_result refuses %s', async (_name, extra, loc) => {
      const runId = await startedRun();
      const res = await api.post(phasePath(runId, 'P1', 'builder_result'), builderResult(runId, 'P1', extra));
      expect(res.status).toBe(422);
      expect(locs(res.body)).toContain(loc);
      expect(await count('builder_results', runId)).toBe(0);
    });

    it('builder_result names an unknown field with type extra_forbidden', async () => {
      const runId = await startedRun();
      const res = await api.post(
        phasePath(runId, 'P1', 'builder_result'),
        builderResult(runId, 'P1', { diff: 'x' }),
      );
      expect(res.status).toBe(422);
      expect(res.body.detail).toContainEqual(
        expect.objectContaining({ loc: ['body', 'diff'], type: 'extra_forbidden' }),
      );
    });

    it.each([
      ['a missing review_notes', { review_notes: undefined }, 'body.review_notes'],
      ['a wrong recommendation', { recommendation: 'ship-it' }, 'body.recommendation'],
      ['a wrong confidence', { confidence: 'certain' }, 'body.confidence'],
      ['a negative auditor_attempts', { auditor_attempts: -1 }, 'body.auditor_attempts'],
    ])('auditor_result refuses %s', async (_name, extra, loc) => {
      const runId = await startedRun();
      const res = await api.post(phasePath(runId, 'P1', 'auditor_result'), auditorResult(runId, 'P1', extra));
      expect(res.status).toBe(422);
      expect(locs(res.body)).toContain(loc);
      expect(await count('auditor_results', runId)).toBe(0);
    });

    it.each([
      ['a missing issue_key', { severity: 'minor', category: 'c' }, 'body.issue_key'],
      ['a wrong severity', { issue_key: 'k', severity: 'blocker', category: 'c' }, 'body.severity'],
      [
        'evidence_refs that are not strings',
        { issue_key: 'k', severity: 'minor', category: 'c', evidence_refs: [1] },
        'body.evidence_refs',
      ],
    ])('record_issue refuses %s', async (_name, body, loc) => {
      const runId = await startedRun();
      const res = await api.post(phasePath(runId, 'P1', 'record_issue'), body);
      expect(res.status).toBe(422);
      expect(locs(res.body)).toContain(loc);
      expect(await count('phase_issues', runId)).toBe(0);
    });

    it.each([
      ['a missing error_type', { message: 'm' }, 'body.error_type'],
      ['a context that is not an object', { error_type: 't', message: 'm', context: 'ctx' }, 'body.context'],
    ])('POST /runs/{id}/errors refuses %s', async (_name, body, loc) => {
      const runId = await startedRun();
      const res = await api.post(`/runs/${runId}/errors`, body);
      expect(res.status).toBe(422);
      expect(locs(res.body)).toContain(loc);
      expect(await count('run_error_reports', runId)).toBe(0);
    });

    it.each([
      ['/runs/start', []],
      ['/runs/start', [{ run: { run_id: 'x' } }]],
      ['/runs/start', {}],
    ])('POST %s refuses a body of the wrong shape (%j)', async (path, body) => {
      const res = await api.post(path, body);
      expect(res.status).toBe(422);
    });

    it('refuses a builder_result body that is a list', async () => {
      const runId = await startedRun();
      const res = await api.post(phasePath(runId, 'P1', 'builder_result'), [builderResult(runId, 'P1')]);
      expect(res.status).toBe(422);
    });

    it('a NUL character (valid JSON, not storable in PostgreSQL) is refused, never a 500', async () => {
      const body = startBody();
      body.phases[1].name = 'bad\u0000name';
      let res = await api.post('/runs/start', body);
      expect(res.status).toBe(422);
      expect(locs(res.body)).toEqual(['body.phases.1.name']);
      const runId = await startedRun();
      res = await api.post(`/runs/${runId}/errors`, {
        error_type: 't',
        message: 'm',
        context: { k: ['ok', 'x\u0000'] },
      });
      expect(res.status).toBe(422);
      expect(locs(res.body)).toEqual(['body.context.k.1']);
      // A NUL in the path is refused for every route by configureHttp (400), before any route matches.
      expect((await api.get('/runs/a%00b')).status).toBe(400);
      expect(
        (await api.post(`/runs/${runId}/phases/P%001/update_status`, { state: 'EXECUTING' })).status,
      ).toBe(400);
      expect((await api.get('/runs?state=DONE%00')).status).toBe(400);
    });

    it('a lone UTF-16 surrogate (no RFC 8785 canonical form) is a 422 and starts nothing', async () => {
      const runId = uniqueRunId();
      // As a JSON escape: a lone surrogate in a JS string would be sent as U+FFFD by the HTTP client.
      const res = await request(t.http)
        .post('/runs/start')
        .set('X-API-Key', TEST_INSTANCE_KEY)
        .set('Content-Type', 'application/json')
        .send(`{"run":{"run_id":"${runId}"},"tiers":[{"tier_id":"T","tier_index":0,"name":"x\\ud800"}]}`);
      expect(res.status).toBe(422);
      expect(res.body.detail[0].type).toBe('value_error.unicode');
      expect((await api.get(`/runs/${runId}`)).status).toBe(404);
    });

    it('unparseable JSON is a 400', async () => {
      const runId = await startedRun();
      // Sent raw: a body object passed first would be concatenated with the string by supertest.
      const res = await request(t.http)
        .post(phasePath(runId, 'P1', 'update_status'))
        .set('X-API-Key', TEST_INSTANCE_KEY)
        .set('Content-Type', 'application/json')
        .send('{"state": ');
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('Malformed JSON in request body');
    });
  });

  describe('a run_id or phase_id in the body that disagrees with the path is a 422', () => {
    it.each([
      ['builder_result', (runId: string) => builderResult(`${runId}-other`, 'P1'), 'body.run_id'],
      ['builder_result', (runId: string) => builderResult(runId, 'P2'), 'body.phase_id'],
      ['auditor_result', (runId: string) => auditorResult(`${runId}-other`, 'P1'), 'body.run_id'],
      ['auditor_result', (runId: string) => auditorResult(runId, 'P3'), 'body.phase_id'],
    ])('%s', async (action, body, loc) => {
      const runId = await startedRun();
      await api.post(phasePath(runId, 'P1', 'update_status'), { state: 'EXECUTING' });
      const res = await api.post(phasePath(runId, 'P1', action), body(runId));
      expect(res.status).toBe(422);
      expect(locs(res.body)).toEqual([loc]);
      expect((await api.get(`/runs/${runId}`)).body.tokens_used).toBe(0);
    });
  });

  describe('unknown run or phase is a 404', () => {
    it.each(['update_status', 'builder_result', 'auditor_result', 'record_issue'])('%s', async (action) => {
      const runId = await startedRun();
      const bodies: Record<string, (r: string, p: string) => object> = {
        update_status: () => ({ state: 'EXECUTING' }),
        builder_result: (r, p) => builderResult(r, p),
        auditor_result: (r, p) => auditorResult(r, p),
        record_issue: () => ({ issue_key: 'k', severity: 'minor', category: 'c' }),
      };
      const missingRun = uniqueRunId('missing');
      expect(
        (await api.post(phasePath(missingRun, 'P1', action), bodies[action](missingRun, 'P1'))).status,
      ).toBe(404);
      const res = await api.post(phasePath(runId, 'P99', action), bodies[action](runId, 'P99'));
      expect(res.status).toBe(404);
      expect(res.body.message).toMatch(/P99/);
    });

    it.each(['', '/progress', '/issues/index', '/errors', '/errors/summary'])(
      'GET /runs/{unknown}%s',
      async (suffix) => {
        expect((await api.get(`/runs/${uniqueRunId('missing')}${suffix}`)).status).toBe(404);
      },
    );

    it('dashboard status and error reports for unknown runs or phases', async () => {
      expect((await api.get(`/dashboard/runs/${uniqueRunId('missing')}/status`)).status).toBe(404);
      expect(
        (await api.post(`/runs/${uniqueRunId('missing')}/errors`, { error_type: 't', message: 'm' })).status,
      ).toBe(404);
      const runId = await startedRun();
      const res = await api.post(`/runs/${runId}/errors`, { error_type: 't', message: 'm', phase_id: 'P99' });
      expect(res.status).toBe(404);
      expect(await count('run_error_reports', runId)).toBe(0);
    });
  });

  describe('a patch over the size cap is a 413', () => {
    it('in a builder result', async () => {
      const runId = await startedRun();
      await api.post(phasePath(runId, 'P1', 'update_status'), { state: 'EXECUTING' });
      const atCap = 'x'.repeat(PATCH_CAP);
      expect(
        (
          await api.post(
            phasePath(runId, 'P1', 'builder_result'),
            builderResult(runId, 'P1', { patch_content: atCap }),
          )
        ).status,
      ).toBe(201);
      // Multi-byte characters count as bytes: 1 025 × "é" (2 bytes each) is over a 2 048-byte cap.
      const over = 'é'.repeat(PATCH_CAP / 2 + 1);
      const res = await api.post(
        phasePath(runId, 'P1', 'builder_result'),
        builderResult(runId, 'P1', { patch_content: over }),
      );
      expect(res.status).toBe(413);
      expect(res.body.message).toMatch(/AUTOPACK_MAX_PATCH_BYTES/);
      expect(await count('builder_results', runId)).toBe(1);
    });

    it('in an auditor suggested patch', async () => {
      const runId = await startedRun();
      await api.post(phasePath(runId, 'P1', 'update_status'), { state: 'EXECUTING' });
      const res = await api.post(
        phasePath(runId, 'P1', 'auditor_result'),
        auditorResult(runId, 'P1', {
          suggested_patches: [{ description: 'd', patch_content: 'y'.repeat(PATCH_CAP + 1) }],
        }),
      );
      expect(res.status).toBe(413);
      expect(await count('auditor_results', runId)).toBe(0);
    });
  });

  describe('query parameters', () => {
    it.each([
      'limit=0',
      'limit=101',
      'limit=abc',
      'limit=1.5',
      'limit=99999999999999999999',
      'offset=-1',
      'offset=2147483648',
      'offset=1e3',
      'state=DONE',
      'created_after=yesterday',
      'created_before=2026-02-30T00:00:00Z',
    ])('GET /runs?%s is a 400 with detail', async (query) => {
      const res = await api.get(`/runs?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.detail[0].loc[0]).toBe('query');
    });

    it.each(['/project/issues/backlog?limit=0', '/project/issues/backlog?offset=x'])(
      'GET %s is a 400',
      async (path) => {
        expect((await api.get(path)).status).toBe(400);
      },
    );
  });

  describe('nothing is half-written when a request fails', () => {
    // A trigger makes PostgreSQL fail part-way through a request, after earlier statements succeeded.
    async function failInsertsInto(table: string, when: string) {
      await db.query(`CREATE OR REPLACE FUNCTION test_fail() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql`);
      await db.query(
        `CREATE TRIGGER test_fail BEFORE INSERT ON ${table} FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION test_fail()`,
      );
      return () => db.query(`DROP TRIGGER test_fail ON ${table}`);
    }

    it('a start whose last phase cannot be stored leaves no run, tier or phase', async () => {
      const body = startBody();
      body.phases[3].name = 'poison';
      const restore = await failInsertsInto('run_phases', `NEW.name = 'poison'`);
      try {
        const res = await api.post('/runs/start', body);
        expect(res.status).toBe(500);
        expect(JSON.stringify(res.body)).not.toMatch(/injected|INSERT|run_phases/);
      } finally {
        await restore();
      }
      const runId = body.run.run_id;
      expect((await db.query('SELECT count(*)::int AS n FROM runs WHERE id = $1', [runId]))[0].n).toBe(0);
      expect(await count('run_tiers', runId)).toBe(0);
      expect(await count('run_phases', runId)).toBe(0);
      // The same request then succeeds: the run_id was not left half-taken.
      expect((await api.post('/runs/start', body)).status).toBe(201);
    });

    it('a builder result whose suggested issue cannot be stored leaves no result and no tokens', async () => {
      const runId = await startedRun();
      await api.post(phasePath(runId, 'P1', 'update_status'), { state: 'EXECUTING' });
      const restore = await failInsertsInto('phase_issues', `NEW.issue_key = 'poison'`);
      try {
        const res = await api.post(
          phasePath(runId, 'P1', 'builder_result'),
          builderResult(runId, 'P1', {
            suggested_issues: [{ issue_key: 'poison', severity: 'major', category: 'c' }],
          }),
        );
        expect(res.status).toBe(500);
      } finally {
        await restore();
      }
      expect(await count('builder_results', runId)).toBe(0);
      const run = (await api.get(`/runs/${runId}`)).body;
      expect(run.tokens_used).toBe(0);
      expect(run.phases[0]).toMatchObject({ tokens_used: 0, builder_attempts: 0, major_issues_count: 0 });
    });
  });
});
