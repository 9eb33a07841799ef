import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { relative } from 'node:path';
import { AppModule, validateStartFiles } from './app.module';
import { loadOrCreateDevInstanceKey, loadOrCreateDevJwtKeys } from './auth/instance-key';
import type { AppConfig } from './config/app-config';
import { ConfigError } from './config/config-error';
import { loadConfig, PROJECT_ROOT } from './config/load-config';
import { DatabaseStartError } from './database/database-start-error';
import { openDatabase, OpenedDatabase } from './database/open-database';
import { configureHttp, NEST_APP_OPTIONS } from './http/configure-http';
import { AppLogger } from './http/logging';
import { installGracefulShutdown } from './lifecycle/graceful-shutdown';
import { EventStreamsService } from './events/event-streams.service';

/** Human-facing start-up lines (the app's own logs are JSON). */
const say = (line: string) => process.stdout.write(`[autopack] ${line}\n`);

async function bootstrap(): Promise<void> {
  let config = loadConfig(process.env);
  // The policy files too, before the (embedded) database starts: a bad file refuses start at once.
  validateStartFiles(config);

  let keyHint = 'send X-API-Key: <AUTOPACK_API_KEY>';
  if (!config.apiKey) {
    // Only reachable outside production: loadConfig refuses production without a key.
    const instanceKey = loadOrCreateDevInstanceKey(config.dataDir);
    config = config.withApiKey(instanceKey.key);
    const file = relative(PROJECT_ROOT, instanceKey.file) || instanceKey.file;
    keyHint = `send X-API-Key with the development instance key: X-API-Key: $(cat ${file})`;
  }
  let jwtHint: string | undefined;
  if (!config.jwtPrivateKey && !config.jwtPublicKey) {
    // Only reachable outside production: loadConfig refuses production without the pair. Kept in the
    // data directory so replicas sharing it (docker/docker-compose.yml) accept each other's tokens.
    const pair = loadOrCreateDevJwtKeys(config.dataDir);
    config = config.withJwtKeys(pair.privateKey, pair.publicKey);
    jwtHint = `JWT keys: development pair in ${relative(PROJECT_ROOT, pair.file) || pair.file} (set JWT_PRIVATE_KEY/JWT_PUBLIC_KEY to use yours)`;
  }

  const database: OpenedDatabase = await openDatabase(config, say);
  try {
    await serve(config.withDatabaseUrl(database.url), database, keyHint, jwtHint);
  } catch (error) {
    // Whatever failed after the database started (a port in use, an invalid policy file), stop it too.
    await database.stop().catch(() => undefined);
    throw error;
  }
}

async function serve(
  config: AppConfig,
  database: OpenedDatabase,
  keyHint: string,
  jwtHint: string | undefined,
): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), NEST_APP_OPTIONS);
  configureHttp(app, config);
  app.get(AppLogger).pino.info({ config: config.summary() }, 'configuration');

  installGracefulShutdown({
    app,
    database,
    deadlineMs: config.shutdownTimeoutSeconds * 1000,
    endStreams: () => app.get(EventStreamsService).endStreams(),
    say,
  });

  await app.listen(config.port, config.host);
  const base = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
  say(
    `API listening on ${base} (${config.env}, database: ${database.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL'})`,
  );
  if (!config.isProduction) say(`Swagger UI: ${base}/docs`);
  say(`Health: curl ${base}/health`);
  say(`Authenticate: ${keyHint}`);
  if (jwtHint) say(jwtHint);
  if (config.credentialStorageEnabled && !config.credentialsKey) {
    say('OAuth credential storage: refused until AUTOPACK_CREDENTIALS_KEY is set');
  }
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`[autopack] refusing to start: ${error.message}\n`);
  } else if (error instanceof DatabaseStartError) {
    process.stderr.write(`[autopack] database unavailable: ${error.message}\n`);
  } else {
    process.stderr.write(
      `[autopack] failed to start: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`,
    );
  }
  process.exit(1);
});
