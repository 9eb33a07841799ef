import { endingStreams } from '../helpers/ending-streams';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { INVALID_CREDENTIALS } from '../../src/auth/auth.guard';
import { API_SCOPES } from '../../src/auth/principal';
import type { ApiScope, UserRole } from '../../src/auth/principal';
import { SessionsService } from '../../src/auth/sessions/sessions.service';
import { UsersService } from '../../src/auth/users/users.service';
import { RATE_LIMITS } from '../../src/rate-limit/rate-limits';
import { createTestApp, TEST_INSTANCE_KEY } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { createUser, mintApiKey } from '../helpers/identity';
import type { TestUser } from '../helpers/identity';
import { rememberSecret } from '../helpers/secrets';

/*
 * The production auth matrix: every operation of docs/openapi.json, read at test time, sent by every kind
 * of caller against one app in production mode. The outcome each caller should get is computed from the
 * operation's `x-autopack-auth` alone (expectedOutcome below is the specification) and compared with what
 * the real guard answers.
 *
 * Requests carry placeholders for path parameters and `{}` as body, so an allowed caller usually gets a
 * 400/404/422 from validation or lookup: that still proves the guard let it through, and nothing is written.
 * A 403 counts as an auth denial only when its message is one of the guard's own (GUARD_FORBIDDEN); a
 * 403 with any other message comes from the handler (e.g. "Registration is closed") and means the guard
 * allowed the caller. A denial must be the expected status with the guard's message; an allowed caller
 * must get no 401, no guard 403, no 429 (every rate limit is raised) and no 5xx other than a documented
 * 503 kill switch.
 */

// ---------------------------------------------------------------------------------------------------
// The operations, from the committed contract

interface AuthRule {
  mode: string;
  scope?: ApiScope;
  role?: UserRole;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  example?: unknown;
  schema?: { example?: unknown };
}

interface Operation {
  method: string;
  /** The OpenAPI path template, e.g. `/runs/{run_id}`. */
  path: string;
  name: string;
  auth?: AuthRule;
  parameters: Parameter[];
  hasBody: boolean;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

function readOperations(): Operation[] {
  const document = JSON.parse(readFileSync(join(__dirname, '../../docs/openapi.json'), 'utf8')) as {
    paths: Record<string, Record<string, Record<string, unknown>>>;
  };
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        name: `${method.toUpperCase()} ${path}`,
        auth: op['x-autopack-auth'] as AuthRule | undefined,
        parameters: (op.parameters as Parameter[] | undefined) ?? [],
        hasBody: op.requestBody !== undefined,
      })),
  );
}

// ---------------------------------------------------------------------------------------------------
// The callers

/** What a caller presents, as far as the specification cares. */
type Credential =
  | { type: 'none' }
  /** Wrong, garbage, revoked: credentials the server cannot accept. */
  | { type: 'invalid' }
  | { type: 'key'; scopes: readonly ApiScope[] }
  | { type: 'user'; role: UserRole };

interface Caller {
  label: string;
  credential: Credential;
}

const ALL_SCOPES: readonly ApiScope[] = API_SCOPES;
const allBut = (scope: ApiScope) => ALL_SCOPES.filter((s) => s !== scope);

/**
 * Every caller for one operation. The two stored-key callers depend on the operation's scope: one lacks it
 * (holding every other scope), one holds only it. An operation without a scope has nothing to lack; it gets
 * one stored key holding every scope.
 */
function callersFor(op: Operation): Caller[] {
  const scope = op.auth?.scope;
  const storedKeys: Caller[] = scope
    ? [
        { label: `key lacking ${scope}`, credential: { type: 'key', scopes: allBut(scope) } },
        { label: `key holding only ${scope}`, credential: { type: 'key', scopes: [scope] } },
      ]
    : [{ label: 'key holding every scope', credential: { type: 'key', scopes: ALL_SCOPES } }];
  return [
    { label: 'anonymous', credential: { type: 'none' } },
    { label: 'wrong API key', credential: { type: 'invalid' } },
    { label: 'garbage bearer token', credential: { type: 'invalid' } },
    { label: 'revoked key', credential: { type: 'invalid' } },
    ...storedKeys,
    { label: 'viewer', credential: { type: 'user', role: 'viewer' } },
    { label: 'operator', credential: { type: 'user', role: 'operator' } },
    { label: 'admin', credential: { type: 'user', role: 'admin' } },
    // Issue 16: a token from POST /api/auth/refresh is a user like any other; one of an ended session is not.
    { label: 'operator (refreshed token)', credential: { type: 'user', role: 'operator' } },
    { label: 'admin (token of a revoked session)', credential: { type: 'invalid' } },
    // Issue 16 part 5: a session started by SSO is a session like any other (its role, nothing more).
    { label: 'viewer (SSO session)', credential: { type: 'user', role: 'viewer' } },
    { label: 'instance key', credential: { type: 'key', scopes: ALL_SCOPES } },
  ];
}

// ---------------------------------------------------------------------------------------------------
// The specification

type Expected = 'allowed' | 401 | 403;

const ROLE_ORDER: readonly UserRole[] = ['viewer', 'operator', 'admin'];

/**
 * What a caller must get from an operation declaring `auth`, in production (no anonymous reads):
 *
 * - public: everyone is allowed, whatever they present.
 * - everything else: no credentials, or credentials the server cannot accept (wrong, garbage, revoked) → 401.
 * - public_read: any user is allowed; a key is allowed when it holds the declared scope, else 403.
 * - api_key: a key is allowed when it holds the declared scope (or none is declared), else 403. A bearer
 *   token is not an API key: a user presents no machine credentials → 401.
 * - user: a key, even the instance key, → 403; a user is allowed when their role is the declared one or
 *   stronger (viewer < operator < admin), else 403.
 *
 * The instance key is a key holding every scope.
 */
function expectedOutcome(auth: AuthRule, credential: Credential): Expected {
  if (auth.mode === 'public') return 'allowed';
  if (credential.type === 'none' || credential.type === 'invalid') return 401;
  const holdsScope = credential.type === 'key' && (!auth.scope || credential.scopes.includes(auth.scope));
  switch (auth.mode) {
    case 'public_read':
      return credential.type === 'user' || holdsScope ? 'allowed' : 403;
    case 'api_key':
      if (credential.type === 'user') return 401;
      return holdsScope ? 'allowed' : 403;
    case 'user':
      if (credential.type === 'key') return 403;
      return !auth.role || ROLE_ORDER.indexOf(credential.role) >= ROLE_ORDER.indexOf(auth.role)
        ? 'allowed'
        : 403;
    default:
      throw new Error(`unknown x-autopack-auth mode "${auth.mode}"`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Sending and judging

/** The messages of the 403s the AuthGuard itself throws (src/auth/auth.guard.ts). */
const GUARD_FORBIDDEN = [
  /^This route declares no access rule and is refused$/,
  /^This API key lacks the "[^"]+" scope$/,
  /^This route needs a signed-in user \(Authorization: Bearer\), not an API key$/,
  /^This route needs the "[^"]+" role$/,
];

interface Observed {
  status: number;
  message: string;
}

const isGuardDenial = ({ status, message }: Observed) =>
  (status === 401 && message === INVALID_CREDENTIALS) ||
  (status === 403 && GUARD_FORBIDDEN.some((pattern) => pattern.test(message)));

/** Why `observed` does not fit `expected`, or undefined when it does. */
function mismatch(expected: Expected, observed: Observed): string | undefined {
  const { status } = observed;
  if (expected === 'allowed') {
    if (status === 401 || isGuardDenial(observed)) return 'denied by the guard';
    if (status === 429) return 'rate limited (raise the limit in the test env)';
    if (status >= 500 && status !== 503) return 'server error';
    return undefined;
  }
  if (status !== expected) return `got ${status} instead of ${expected}`;
  if (!isGuardDenial(observed)) return `a ${status} that the guard did not send`;
  return undefined;
}

const describeObserved = ({ status, message }: Observed) => `${status} ${JSON.stringify(message)}`;

interface Cell {
  operation: string;
  caller: string;
  expected: Expected | 'x-autopack-auth missing';
  actual: string;
  problem?: string;
}

function table(cells: Cell[]): string {
  const rows = [
    ['operation', 'caller', 'expected', 'actual', 'problem'],
    ...cells.map((c) => [c.operation, c.caller, String(c.expected), c.actual, c.problem ?? '']),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((value, i) => value.padEnd(widths[i])).join(' | ')).join('\n');
}

/** Placeholders for required parameters: a random UUID for ids, `matrix-<name>` otherwise. */
function placeholder(parameter: Parameter): string {
  const example = parameter.example ?? parameter.schema?.example;
  if (typeof example === 'string') return example;
  if (parameter.name === 'run_id') return 'matrix-run';
  if (parameter.name === 'phase_id') return 'matrix-phase';
  if (parameter.name === 'id' || parameter.name.endsWith('_id')) return randomUUID();
  return `matrix-${parameter.name.toLowerCase()}`;
}

/**
 * Bodies that are not `{}`. Registration gets a valid body so that it reaches its handler, which in
 * production answers a business 403 ("Registration is closed") the matrix must not take for a denial.
 */
const BODIES: Record<string, () => object> = {
  'POST /api/auth/register': () => ({
    username: `matrix-${randomBytes(6).toString('hex')}`,
    password: 'matrix-password-0123456789',
  }),
};

function send(t: TestApp, op: Operation, headers: Record<string, string>): request.Test {
  let url = op.path;
  const query: Record<string, string> = {};
  const extraHeaders: Record<string, string> = {};
  for (const parameter of op.parameters.filter((p) => p.required)) {
    const value = placeholder(parameter);
    if (parameter.in === 'path') url = url.replace(`{${parameter.name}}`, encodeURIComponent(value));
    if (parameter.in === 'query') query[parameter.name] = value;
    if (parameter.in === 'header') extraHeaders[parameter.name] = value;
  }
  const agent = request(t.http);
  const methods: Record<string, (path: string) => request.Test> = {
    GET: (path) => agent.get(path),
    PUT: (path) => agent.put(path),
    POST: (path) => agent.post(path),
    DELETE: (path) => agent.delete(path),
    PATCH: (path) => agent.patch(path),
    OPTIONS: (path) => agent.options(path),
    HEAD: (path) => agent.head(path),
  };
  const pending = methods[op.method](url)
    .query(query)
    .set({ ...extraHeaders, ...headers });
  // The event stream never ends by itself: judge its status, then hang up.
  return op.hasBody ? pending.send((BODIES[op.name] ?? (() => ({})))()) : endingStreams(pending);
}

const observe = async (pending: request.Test): Promise<Observed> => {
  const res = await pending;
  const body = res.body as { message?: unknown };
  return { status: res.status, message: typeof body?.message === 'string' ? body.message : '' };
};

// ---------------------------------------------------------------------------------------------------

const operations = readOperations();
const cellName = (operation: string, caller: string) => `${operation} as ${caller}`;

describe('auth matrix (production): every operation in docs/openapi.json × every kind of caller', () => {
  let t: TestApp;
  let admin: TestUser;
  /** The headers each caller label sends. */
  const headersOf = new Map<string, Record<string, string>>();
  const cells = new Map<string, Cell>();

  async function runOperation(op: Operation, auth: AuthRule): Promise<Cell[]> {
    return Promise.all(
      callersFor(op).map(async (caller) => {
        const expected = expectedOutcome(auth, caller.credential);
        const observed = await observe(send(t, op, headersOf.get(caller.label)!));
        return {
          operation: op.name,
          caller: caller.label,
          expected,
          actual: describeObserved(observed),
          problem: mismatch(expected, observed),
        };
      }),
    );
  }

  beforeAll(async () => {
    const raisedLimits = Object.fromEntries(Object.values(RATE_LIMITS).map(({ env }) => [env, '1000000']));
    // AUTOPACK_PUBLIC_READ=1 is set on purpose: production must ignore it (no anonymous reads).
    t = await createTestApp({
      env: { AUTOPACK_ENV: 'production', AUTOPACK_PUBLIC_READ: '1', ...raisedLimits },
    });
    expect(t.config.isProduction).toBe(true);

    admin = await createUser(t, { role: 'admin' });
    const operator = await createUser(t, { role: 'operator' });
    const viewer = await createUser(t, { role: 'viewer' });

    // Revoked: a key with every scope, proven to work, then revoked through the real API by an admin.
    const revoked = await mintApiKey(t, [...ALL_SCOPES], { createdBy: admin, name: 'matrix-revoked' });
    expect((await request(t.http).get('/runs').set(revoked.headers)).status).toBe(200);
    const revocation = await request(t.http).delete(`/api/auth/api-keys/${revoked.id}`).set(admin.auth);
    expect(revocation.status).toBe(200);
    expect(revocation.body.status).toBe('revoked');

    headersOf.set('anonymous', {});
    headersOf.set('wrong API key', {
      'X-API-Key': `apk_${randomBytes(6).toString('hex')}_${randomBytes(32).toString('base64url')}`,
    });
    headersOf.set('garbage bearer token', {
      Authorization: `Bearer ${randomBytes(24).toString('base64url')}`,
    });
    headersOf.set('revoked key', revoked.headers);
    headersOf.set('viewer', viewer.auth);
    headersOf.set('operator', operator.auth);
    headersOf.set('admin', admin.auth);

    const refreshed = await request(t.http)
      .post('/api/auth/refresh')
      .send({ refresh_token: operator.refreshToken });
    expect(refreshed.status).toBe(200);
    rememberSecret(refreshed.body.access_token, refreshed.body.refresh_token);
    headersOf.set('operator (refreshed token)', { Authorization: `Bearer ${refreshed.body.access_token}` });
    const signedOut = await createUser(t, { role: 'admin' });
    await request(t.http).delete(`/api/auth/sessions/${signedOut.sessionId}`).set(signedOut.auth).expect(204);
    headersOf.set('admin (token of a revoked session)', signedOut.auth);
    // The session SsoService starts after a provider sign-in (production refuses the test provider's plain
    // http issuer; the sign-in itself is proven end to end in test/auth-sso.e2e-spec.ts).
    const ssoViewer = await createUser(t, { role: 'viewer' });
    const ssoSession = await t.app
      .get(SessionsService)
      .startSession((await t.app.get(UsersService).findById(ssoViewer.id))!, 'sso', {
        userAgent: 'auth matrix',
        ipAddress: null,
      });
    rememberSecret(ssoSession.accessToken, ssoSession.refreshToken);
    headersOf.set('viewer (SSO session)', { Authorization: `Bearer ${ssoSession.accessToken}` });
    headersOf.set('instance key', { 'X-API-Key': TEST_INSTANCE_KEY });
    const everyScope = await mintApiKey(t, [...ALL_SCOPES], { createdBy: admin });
    headersOf.set('key holding every scope', everyScope.headers);
    for (const scope of ALL_SCOPES) {
      headersOf.set(
        `key lacking ${scope}`,
        (await mintApiKey(t, allBut(scope), { createdBy: admin })).headers,
      );
      headersOf.set(
        `key holding only ${scope}`,
        (await mintApiKey(t, [scope], { createdBy: admin })).headers,
      );
    }

    for (const op of operations) {
      if (!op.auth) {
        cells.set(op.name, {
          operation: op.name,
          caller: '(none sent)',
          expected: 'x-autopack-auth missing',
          actual: '',
          problem: 'the operation declares no x-autopack-auth',
        });
        continue;
      }
      for (const cell of await runOperation(op, op.auth))
        cells.set(cellName(cell.operation, cell.caller), cell);
    }
  }, 300_000);

  afterAll(() => t?.close());

  it('reads the operations from docs/openapi.json and sends each as every caller', () => {
    expect(operations.length).toBeGreaterThan(0);
    const sent = new Set([...cells.values()].map((cell) => cell.operation));
    expect(sent.size).toBe(operations.length);
    const unsent = operations
      .filter((op) => op.auth)
      .flatMap((op) => callersFor(op).map((caller) => cellName(op.name, caller.label)))
      .filter((name) => !cells.has(name));
    expect(unsent).toEqual([]);
  });

  it('every operation declares x-autopack-auth', () => {
    expect(operations.filter((op) => !op.auth).map((op) => op.name)).toEqual([]);
  });

  it('every operation × caller gets the outcome its x-autopack-auth declares (one table of mismatches)', () => {
    const wrong = [...cells.values()].filter((cell) => cell.problem);
    expect(wrong.length === 0 ? 'no mismatches' : `${wrong.length} mismatches:\n${table(wrong)}`).toBe(
      'no mismatches',
    );
  });

  it('POST /api/auth/register is closed in production: 403 "Registration is closed" to every caller, no user made', async () => {
    const op = operations.find((o) => o.name === 'POST /api/auth/register');
    expect(op?.auth).toEqual({ mode: 'public' });
    for (const [label, headers] of headersOf) {
      const username = `matrix-reg-${randomBytes(6).toString('hex')}`;
      const res = await request(t.http)
        .post('/api/auth/register')
        .set(headers)
        .send({ username, password: 'matrix-password-0123456789' });
      expect({ label, status: res.status, message: res.body.message }).toEqual({
        label,
        status: 403,
        message: 'Registration is closed; an admin creates users',
      });
      expect(await t.app.get(UsersService).findByUsername(username)).toBeNull();
    }
  });

  describe.each(operations.filter((op) => op.auth).map((op) => [op.name, op] as const))('%s', (_name, op) => {
    it.each(callersFor(op).map((caller) => [caller.label, expectedOutcome(op.auth!, caller.credential)]))(
      `${op.name} as %s → %s`,
      (caller) => {
        const cell = cells.get(cellName(op.name, caller));
        expect(cell).toBeDefined();
        expect(cell!.problem ? `${cell!.problem}: got ${cell!.actual}` : 'as declared').toBe('as declared');
      },
    );
  });

  describe('the matrix can fail', () => {
    it('a wrong declaration ({mode:"user", role:"admin"} on GET /health) yields mismatches naming caller and outcome', async () => {
      const health = operations.find((op) => op.name === 'GET /health')!;
      const cellsOfLie = await runOperation(health, { mode: 'user', role: 'admin' });
      const wrong = cellsOfLie.filter((cell) => cell.problem);
      // Everyone but the admin user would have to be refused; the real, public route lets them all in.
      expect(wrong.map((cell) => `${cell.caller}: expected ${cell.expected}`)).toEqual(
        expect.arrayContaining([
          'anonymous: expected 401',
          'instance key: expected 403',
          'viewer: expected 403',
        ]),
      );
      expect(wrong.map((cell) => cell.caller)).not.toContain('admin');
      expect(wrong.every((cell) => cell.actual.startsWith('200'))).toBe(true);
    });

    it('a wrong declaration ({mode:"public"} on GET /audit/events) yields mismatches: the real guard denies', async () => {
      const audit = operations.find((op) => op.name === 'GET /audit/events')!;
      const cellsOfLie = await runOperation(audit, { mode: 'public' });
      const denied = (caller: string) => cellsOfLie.find((cell) => cell.caller === caller)!;
      expect(denied('anonymous')).toMatchObject({ expected: 'allowed', problem: 'denied by the guard' });
      expect(denied('anonymous').actual).toMatch(/^401 /);
      expect(denied('instance key').actual).toMatch(/^403 /);
      expect(denied('admin').problem).toBeUndefined();
    });
  });
});
