import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { DOMAIN_SWITCHES } from '../external-actions/external-actions-policy';
import type { DomainSwitch } from '../external-actions/external-actions-policy';
import { RATE_LIMITS } from '../rate-limit/rate-limits';
import type { RateLimitName } from '../rate-limit/rate-limits';
import { AppConfig } from './app-config';
import type { SsoSettings } from './app-config';
import { ConfigError } from './config-error';
import { configVariables, CONFIG_VARIABLES } from './config-variables';
import type {
  AppEnvironment,
  ConfigFields,
  ConfigValues,
  ConfigVariable,
  DefaultContext,
} from './config-variables';
import { PROJECT_ROOT } from './project-root';
import { RawEnv, readSecret } from './secret-env';

export { PROJECT_ROOT } from './project-root';
export { PRODUCTION_REQUIRED_SECRETS } from './config-variables';

/**
 * Every variable of the table, parsed (or defaulted), and which ones the environment set. `AUTOPACK_ENV` comes first: other defaults may
 * depend on it. Secrets may come from `<NAME>_FILE`.
 */
function readVariables(env: RawEnv): { values: ConfigValues; given: Set<string> } {
  const read = (name: string, spec: ConfigVariable<unknown>): unknown => {
    const raw = spec.secret ? readSecret(env, name) : env[name];
    return raw === undefined || raw === '' ? undefined : spec.parse(raw, name);
  };
  const appEnv = (read('AUTOPACK_ENV', CONFIG_VARIABLES.AUTOPACK_ENV as ConfigVariable<unknown>) ??
    CONFIG_VARIABLES.AUTOPACK_ENV.default) as AppEnvironment;
  const context: DefaultContext = { env: appEnv, isProduction: appEnv === 'production' };
  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const [name, spec] of configVariables()) {
    const value = read(name, spec);
    if (value !== undefined) given.add(name);
    values[name] =
      value !== undefined ? value : typeof spec.default === 'function' ? spec.default(context) : spec.default;
  }
  return { values: values as ConfigValues, given };
}

/** The `AppConfig` fields that carry one variable each, by the table's `field`. */
function fieldsOf(values: ConfigValues): ConfigFields {
  const fields: Record<string, unknown> = {};
  for (const [name, spec] of configVariables()) {
    if (spec.field !== undefined) fields[spec.field] = values[name];
  }
  return fields as ConfigFields;
}

/** Production refuses to start without the variables the table marks `requiredInProduction`. */
function checkProductionRequirements(values: ConfigValues, given: Set<string>): void {
  const missing = configVariables().filter(
    ([name, spec]) =>
      spec.requiredInProduction !== undefined &&
      !given.has(name) &&
      // Storing credentials without an encryption key would mean plaintext secrets at rest, so the key
      // is required unless credential storage is switched off (AUTOPACK_OAUTH_PROVIDERS=none).
      !(name === 'AUTOPACK_CREDENTIALS_KEY' && values.AUTOPACK_OAUTH_PROVIDERS.length === 0),
  );
  const secrets = missing
    .filter(([, spec]) => spec.secret)
    .map(([name, spec]) =>
      spec.requiredInProduction?.unless
        ? `${name} (or ${name}_FILE; or ${spec.requiredInProduction.unless})`
        : `${name} (or ${name}_FILE)`,
    );
  if (secrets.length > 0) {
    throw new ConfigError(
      `production requires ${secrets.join(', ')}; the embedded database and generated keys are for development only`,
    );
  }
  const settings = missing.filter(([, spec]) => !spec.secret);
  if (settings.length > 0) {
    const [name, spec] = settings[0];
    throw new ConfigError(`production requires ${name}: ${spec.requiredInProduction?.why}`);
  }
}

/**
 * The RS256 key pair: both or neither, RSA of at least 2048 bits, and the public key must belong to the
 * private key (a mismatch would mint tokens nobody can verify). Messages never include key material.
 */
function checkJwtKeyPair(privatePem: string | undefined, publicPem: string | undefined): void {
  if (privatePem === undefined && publicPem === undefined) return;
  if (privatePem === undefined || publicPem === undefined) {
    throw new ConfigError('JWT_PRIVATE_KEY and JWT_PUBLIC_KEY must be set together (or neither)');
  }
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  try {
    privateKey = createPrivateKey(privatePem);
  } catch {
    throw new ConfigError('JWT_PRIVATE_KEY: is not a PEM private key');
  }
  try {
    publicKey = createPublicKey(publicPem);
  } catch {
    throw new ConfigError('JWT_PUBLIC_KEY: is not a PEM public key');
  }
  if (
    privateKey.asymmetricKeyType !== 'rsa' ||
    (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048
  ) {
    throw new ConfigError('JWT_PRIVATE_KEY: must be an RSA key of at least 2048 bits (RS256)');
  }
  const derived = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  if (!derived.equals(publicKey.export({ type: 'spki', format: 'der' }))) {
    throw new ConfigError('JWT_PUBLIC_KEY: does not belong to JWT_PRIVATE_KEY');
  }
}

/** Production never sends the refresh cookie without `Secure`. */
function checkSessionCookies(values: ConfigValues, isProduction: boolean): void {
  if (isProduction && !values.AUTOPACK_COOKIE_SECURE) {
    throw new ConfigError('AUTOPACK_COOKIE_SECURE: production refuses 0 (refresh cookies are always Secure)');
  }
}

/**
 * SSO is on when the issuer, client id and client secret are all set; some but not all refuses to start
 * (a half-configured SSO would only show up at the first sign-in). Production refuses plain-http URLs,
 * loopback included: the authorization code and the client secret travel over them. Password login may be
 * switched off only when SSO is on, else nobody could sign in.
 */
function ssoSettings(values: ConfigValues, isProduction: boolean): SsoSettings | undefined {
  const parts = {
    AUTOPACK_SSO_ISSUER_URL: values.AUTOPACK_SSO_ISSUER_URL,
    AUTOPACK_SSO_CLIENT_ID: values.AUTOPACK_SSO_CLIENT_ID,
    AUTOPACK_SSO_CLIENT_SECRET: values.AUTOPACK_SSO_CLIENT_SECRET,
  };
  const missing = Object.entries(parts).filter(([, value]) => value === undefined);
  if (missing.length === 3) {
    if (!values.AUTOPACK_PASSWORD_LOGIN) {
      throw new ConfigError(
        'AUTOPACK_PASSWORD_LOGIN: 0 needs SSO configured (AUTOPACK_SSO_ISSUER_URL and its client)',
      );
    }
    return undefined;
  }
  if (missing.length > 0) {
    throw new ConfigError(
      `SSO is half-configured: set ${missing.map(([name]) => name).join(' and ')} too (or unset the others)`,
    );
  }
  const redirectUri =
    values.AUTOPACK_SSO_REDIRECT_URI ??
    new URL('/api/auth/sso/callback', new URL(values.AUTOPACK_CONSOLE_URL).origin).href;
  if (isProduction) {
    for (const [name, url] of [
      ['AUTOPACK_SSO_ISSUER_URL', values.AUTOPACK_SSO_ISSUER_URL!],
      [values.AUTOPACK_SSO_REDIRECT_URI ? 'AUTOPACK_SSO_REDIRECT_URI' : 'AUTOPACK_CONSOLE_URL', redirectUri],
    ]) {
      if (new URL(url).protocol !== 'https:') {
        throw new ConfigError(`${name}: production refuses SSO over plain http (use https:)`);
      }
    }
  }
  return {
    issuer: values.AUTOPACK_SSO_ISSUER_URL!,
    clientId: values.AUTOPACK_SSO_CLIENT_ID!,
    clientSecret: values.AUTOPACK_SSO_CLIENT_SECRET!,
    redirectUri,
    scopes: values.AUTOPACK_SSO_SCOPES,
    allowedEmailDomains: values.AUTOPACK_SSO_ALLOWED_EMAIL_DOMAINS,
    groupsClaim: values.AUTOPACK_SSO_GROUPS_CLAIM,
    requiredGroup: values.AUTOPACK_SSO_REQUIRED_GROUP,
    roleMap: values.AUTOPACK_SSO_ROLE_MAP,
  };
}

function readVersion(): string {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Builds the process configuration from an environment (normally `process.env`). Throws `ConfigError`
 * with one line saying what is wrong; the caller prints it and exits non-zero. Each variable's parsing
 * and default is in the table (config-variables.ts); the rules that span variables are here.
 */
export function loadConfig(env: RawEnv): AppConfig {
  const { values, given } = readVariables(env);
  const isProduction = values.AUTOPACK_ENV === 'production';

  checkJwtKeyPair(values.JWT_PRIVATE_KEY, values.JWT_PUBLIC_KEY);
  checkSessionCookies(values, isProduction);
  const sso = ssoSettings(values, isProduction);
  if (isProduction) checkProductionRequirements(values, given);
  // The table resolves the path against the working directory; production must have written it absolute.
  if (isProduction && !isAbsolute(env.AUTOPACK_RUNS_ROOT ?? '')) {
    throw new ConfigError('AUTOPACK_RUNS_ROOT: must be an absolute path in production');
  }
  if (values.AUTOPACK_API_KEY !== undefined && values.AUTOPACK_API_KEY.length < 16) {
    throw new ConfigError('AUTOPACK_API_KEY must be at least 16 characters long');
  }

  const rateLimits = Object.fromEntries(
    Object.entries(RATE_LIMITS).map(([name, { env: variable }]) => [name, values[variable]]),
  ) as Record<RateLimitName, number>;
  const domainSwitches = Object.fromEntries(DOMAIN_SWITCHES.map((name) => [name, values[name]])) as Record<
    DomainSwitch,
    boolean
  >;

  return new AppConfig({
    ...fieldsOf(values),
    version: readVersion(),
    publicRead: !isProduction && values.AUTOPACK_PUBLIC_READ,
    rateLimits,
    domainSwitches,
    // The legacy flag never takes effect in production (a warning is logged at start instead).
    autoApproveBuild113: !isProduction && values.AUTO_APPROVE_BUILD113,
    autoApproveBuild113Ignored: isProduction && values.AUTO_APPROVE_BUILD113,
    allowRegistration: !isProduction || values.AUTOPACK_ALLOW_REGISTRATION,
    sso,
    modelCatalogFile: join(PROJECT_ROOT, 'config', 'models.yaml'),
  });
}
