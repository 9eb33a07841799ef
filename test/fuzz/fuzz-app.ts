import { endingStreams } from '../helpers/ending-streams';
import fc from 'fast-check';
import request from 'supertest';
import { RATE_LIMITS } from '../../src/rate-limit/rate-limits';
import { INSTANCE_KEY_PRINCIPAL } from '../../src/auth/principal';
import { OAuthCredentialsService } from '../../src/provider-credentials/oauth-credentials.service';
import { LIVE_ENV, proposed } from '../helpers/actions';
import { createTestApp, TEST_INSTANCE_KEY } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { createUser, mintApiKey } from '../helpers/identity';
import type { TestApiKey } from '../helpers/identity';
import { startBody } from '../helpers/runs';
import { startTokenServer } from '../helpers/token-server';
import type { TokenServer } from '../helpers/token-server';
import { listOperations, loadContract, ResponseChecker } from './contract';
import type { Operation } from './contract';
import { describeRequest, requestsFor } from './requests';
import type { FixtureLookup, FuzzRequest } from './requests';

/** Reproduce a run with the same FUZZ_SEED (and FUZZ_RUNS); both are printed on failure. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 424242);
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 200);

export const contract = loadContract();
export const operations = listOperations(contract);

/** Every rate limit out of the way (the fuzzer sends thousands of requests), every feature on. */
const FUZZ_ENV = {
  ...LIVE_ENV,
  ...Object.fromEntries(Object.values(RATE_LIMITS).map((limit) => [limit.env, '1000000'])),
  AUTOPACK_ENABLE_CONSOLIDATED_METRICS: '1',
};

export interface FuzzTarget {
  t: TestApp;
  /** Credentials that satisfy each operation's `x-autopack-auth`. */
  credentials(op: Operation): Record<string, string>;
  fixtures: FixtureLookup;
  close(): Promise<void>;
}

/**
 * The real app with real fixtures behind the path parameters: a run with phases, an approval request, a
 * governance request, external actions, an API key, a user and a stored OAuth credential. The principals
 * the fuzzer calls as (admin, operator, viewer, instance key) are not the ones the fixtures' path
 * parameters point at, so that a DELETE or PATCH cannot lock the fuzzer out, and a decision is never on
 * a request the same principal made.
 */
export async function startFuzzTarget(): Promise<FuzzTarget> {
  const tokenServer: TokenServer = await startTokenServer();
  tokenServer.respond(200, { access_token: 'fuzz-access', token_type: 'Bearer', expires_in: 3600 });
  const t = await createTestApp({ env: FUZZ_ENV });
  const instance: TestApiKey = {
    id: 'instance',
    principalId: 'apikey:instance',
    key: TEST_INSTANCE_KEY,
    headers: { 'X-API-Key': TEST_INSTANCE_KEY },
  };
  const admin = await createUser(t, { role: 'admin' });
  const operator = await createUser(t, { role: 'operator' });
  const viewer = await createUser(t, { role: 'viewer' });
  const victimUser = await createUser(t, { role: 'viewer' });
  const victimKey = await mintApiKey(t, ['runs:read'], { createdBy: admin });

  const run = startBody();
  const runId = run.run.run_id;
  const post = async (path: string, body: object) => {
    const res = await request(t.http).post(path).set(instance.headers).send(body);
    if (res.status >= 300) throw new Error(`fixture ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, string>;
  };
  await post('/runs/start', run);
  const approvalId = (await post('/approval/request', { run_id: runId, phase_id: 'P1' })).approval_id;
  // The status long poll (`?wait=` up to 30 s) waits only while a request is pending: the fuzzer reads a
  // decided one, so each of its requests answers at once (the wait itself is tested in test/events).
  const decidedApprovalId = (await post('/approval/request', { run_id: runId, phase_id: 'P1' })).approval_id;
  await request(t.http)
    .post(`/approval/${decidedApprovalId}/decision`)
    .set(operator.auth)
    .send({ decision: 'approve', comment: 'fuzz fixture' })
    .expect(200);
  const governanceId = (
    await post('/governance/requests', { run_id: runId, phase_id: 'P2', paths: ['src/x.ts'], reason: 'fuzz' })
  ).request_id;
  const actionIds: string[] = [];
  for (let i = 0; i < 3; i++) actionIds.push((await proposed(t, instance, { run_id: runId })).id);

  const oauth = t.app.get(OAuthCredentialsService);
  for (const provider of ['etsy', 'shopify', 'broker']) {
    await oauth.store(
      provider,
      {
        client_id: `${provider}-client`,
        access_token: 'at',
        refresh_token: 'rt',
        token_url: tokenServer.url,
      },
      INSTANCE_KEY_PRINCIPAL,
    );
  }

  const fixtures: FixtureLookup = (op, param) => {
    if (param === 'run_id') return [runId];
    if (param === 'phase_id') return ['P1', 'P2', 'P3', 'P4'];
    if (param === 'approval_id')
      return op.path.startsWith('/approval/status/') ? [decidedApprovalId] : [approvalId];
    if (param === 'request_id') return [governanceId];
    // A DELETE removes the credential: give it its own provider so the others stay for the other operations.
    if (param === 'provider') return op.method === 'delete' ? ['broker'] : ['etsy', 'shopify'];
    if (param === 'id' && op.path.startsWith('/external-actions')) return actionIds;
    if (param === 'id' && op.path.startsWith('/api/auth/api-keys')) return [victimKey.id];
    if (param === 'id' && op.path.startsWith('/api/auth/users')) return [victimUser.id];
    return [];
  };
  const credentials = (op: Operation): Record<string, string> => {
    if (op.auth.mode === 'public') return {};
    if (op.auth.mode !== 'user') return instance.headers;
    return { admin: admin.auth, operator: operator.auth, viewer: viewer.auth }[op.auth.role ?? 'viewer'];
  };
  return {
    t,
    credentials,
    fixtures,
    close: async () => {
      await t.close();
      await tokenServer.close();
    },
  };
}

async function send(target: FuzzTarget, op: Operation, req: FuzzRequest) {
  let call = request(target.t.http)[req.method](req.url).set(target.credentials(op)).set(req.headers);
  if (req.body && 'json' in req.body) call = call.send(req.body.json as object);
  else if (req.body) call = call.set('Content-Type', req.body.contentType).send(req.body.raw);
  // The event stream never ends by itself: judge its status and headers, then hang up.
  return op.responses['200']?.content?.['text/event-stream'] ? endingStreams(call) : call;
}

/**
 * The property, for one operation: no 5xx; a 4xx for every broken request; every status documented and
 * every body matching the documented schema for it (the error envelope for errors).
 */
export async function fuzzOperation(target: FuzzTarget, checker: ResponseChecker, op: Operation) {
  const property = fc.asyncProperty(
    requestsFor(contract, op, target.fixtures).map((req) =>
      Object.assign(req, { [fc.toStringMethod]: () => describeRequest(req) }),
    ),
    async (req) => {
      const res = await send(target, op, req);
      const problems = checker.problems(op, {
        status: res.status,
        headers: res.headers,
        text: res.text ?? '',
        body: res.body,
      });
      if (res.status >= 500) problems.unshift(`server error ${res.status}`);
      if (req.kind === 'broken' && (res.status < 400 || res.status >= 500)) {
        problems.unshift(`broken request answered ${res.status}, not a 4xx`);
      }
      if (problems.length > 0) {
        throw new Error(`${problems.join('; ')}\nresponse: ${res.status} ${(res.text ?? '').slice(0, 500)}`);
      }
    },
  );
  const details = await fc.check(property, { seed: FUZZ_SEED, numRuns: FUZZ_RUNS, endOnFailure: false });
  if (details.failed) {
    throw new Error(
      `${op.id} failed; reproduce with FUZZ_SEED=${FUZZ_SEED} FUZZ_RUNS=${FUZZ_RUNS} ` +
        `npx jest test/security/contract-fuzz\n${fc.defaultReportMessage(details)}\n` +
        `What went wrong: ${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}`,
    );
  }
}
