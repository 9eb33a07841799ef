import request from 'supertest';
import { createTestApp, TestApp } from '../helpers/app';
import { createUser, mintApiKey, TestApiKey, TestUser } from '../helpers/identity';
import { executorWrites, startBody } from '../helpers/runs';

/** No BOLA over HTTP: two executor keys, a viewer and an operator against real runs. */
describe('runs: ownership across principals (HTTP)', () => {
  let t: TestApp;
  let alice: TestApiKey;
  let bob: TestApiKey;
  let viewer: TestUser;
  let operator: TestUser;
  let aliceRun: string;

  beforeAll(async () => {
    t = await createTestApp();
    alice = await mintApiKey(t, ['runs:read', 'runs:write'], { name: 'alice' });
    bob = await mintApiKey(t, ['runs:read', 'runs:write'], { name: 'bob' });
    viewer = await createUser(t, { role: 'viewer' });
    operator = await createUser(t, { role: 'operator' });
    const body = startBody();
    aliceRun = body.run.run_id;
    expect((await request(t.http).post('/runs/start').set(alice.headers).send(body)).status).toBe(201);
  });
  afterAll(() => t.close());

  const readPaths = () => [
    `/runs/${aliceRun}`,
    `/runs/${aliceRun}/progress`,
    `/runs/${aliceRun}/issues/index`,
    `/runs/${aliceRun}/errors`,
    `/runs/${aliceRun}/errors/summary`,
    `/dashboard/runs/${aliceRun}/status`,
  ];

  it('the owner reads its run', async () => {
    for (const path of readPaths())
      expect([path, (await request(t.http).get(path).set(alice.headers)).status]).toEqual([path, 200]);
  });

  it("another executor gets 404 for every read of the owner's run, as for a run that does not exist", async () => {
    for (const path of readPaths()) {
      const theirs = await request(t.http).get(path).set(bob.headers);
      const missing = await request(t.http).get(path.replace(aliceRun, 'no-such-run')).set(bob.headers);
      expect([path, theirs.status]).toEqual([path, 404]);
      expect(theirs.body.message.replace(aliceRun, 'ID')).toBe(
        missing.body.message.replace('no-such-run', 'ID'),
      );
    }
  });

  it("another executor cannot write to the owner's run (404) and nothing changes", async () => {
    for (const res of await executorWrites(t, aliceRun, bob.headers)) expect(res.status).toBe(404);
    const run = await request(t.http).get(`/runs/${aliceRun}`).set(alice.headers);
    expect(run.body.state).toBe('RUN_CREATED');
    expect(run.body.phases.map((p: { state: string }) => p.state)).toEqual([
      'QUEUED',
      'QUEUED',
      'QUEUED',
      'QUEUED',
    ]);
    expect(
      (await request(t.http).get(`/runs/${aliceRun}/issues/index`).set(alice.headers)).body,
    ).toMatchObject({});
    expect(
      (await request(t.http).get(`/runs/${aliceRun}/errors`).set(alice.headers)).body.errors ?? [],
    ).toHaveLength(0);
  });

  it('never lists or counts runs of others for executors and viewers', async () => {
    for (const headers of [bob.headers, viewer.auth]) {
      const list = await request(t.http).get('/runs').set(headers);
      expect(list.status).toBe(200);
      expect(list.body.total).toBe(0);
      expect(list.body.runs).toEqual([]);
      const backlog = await request(t.http).get('/project/issues/backlog').set(headers);
      expect(JSON.stringify(backlog.body)).not.toContain(aliceRun);
    }
    expect((await request(t.http).get(`/runs/${aliceRun}`).set(viewer.auth)).status).toBe(404);
  });

  it("a cursor cut from someone else's list never shows their runs, and counts stay the caller's", async () => {
    // Bob owns one run; the operator's cursor positioned just before Alice's run is replayed by Bob.
    const bobRun = startBody();
    expect((await request(t.http).post('/runs/start').set(bob.headers).send(bobRun)).status).toBe(201);
    const all = (await request(t.http).get('/runs?limit=100').set(operator.auth)).body;
    const ids = all.runs.map((r: { id: string }) => r.id);
    expect(ids).toEqual(expect.arrayContaining([aliceRun, bobRun.run.run_id]));
    const first = (await request(t.http).get('/runs?limit=1').set(operator.auth)).body;
    expect(first.next_cursor).not.toBeNull();
    const replayed = await request(t.http)
      .get(`/runs?limit=100&cursor=${first.next_cursor}`)
      .set(bob.headers);
    expect(replayed.status).toBe(200);
    expect(replayed.body.runs.map((r: { owner_principal_id: string }) => r.owner_principal_id)).not.toContain(
      alice.principalId,
    );
    expect(JSON.stringify(replayed.body)).not.toContain(aliceRun);
    const own = (await request(t.http).get('/runs').set(bob.headers)).body;
    expect(own).toMatchObject({ total: 1, total_exact: true, next_cursor: null });
    expect(own.runs.map((r: { id: string }) => r.id)).toEqual([bobRun.run.run_id]);
  });

  it('operators and admins see every run', async () => {
    const list = await request(t.http).get('/runs').set(operator.auth);
    expect(list.body.runs.map((r: { id: string }) => r.id)).toContain(aliceRun);
    expect((await request(t.http).get(`/runs/${aliceRun}`).set(operator.auth)).status).toBe(200);
  });

  it('refuses a run start with a key lacking runs:write (403), and reads with a key lacking runs:read', async () => {
    const readOnly = await mintApiKey(t, ['runs:read']);
    const writeOnly = await mintApiKey(t, ['runs:write']);
    expect((await request(t.http).post('/runs/start').set(readOnly.headers).send(startBody())).status).toBe(
      403,
    );
    expect((await request(t.http).get('/runs').set(writeOnly.headers)).status).toBe(403);
  });

  it('refuses run writes from users, even admins: machines report runs', async () => {
    const admin = await createUser(t, { role: 'admin' });
    const res = await request(t.http).post('/runs/start').set(admin.auth).send(startBody());
    expect(res.status).toBe(401);
  });
});
