import { DynamicModule, Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { AppModule } from '../../src/app.module';
import { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/load-config';
import { RawEnv } from '../../src/config/secret-env';
import { configureHttp, NEST_APP_OPTIONS } from '../../src/http/configure-http';
import { createTestDatabase } from './database';
import { testProductionSecrets } from './identity';
import { rememberSecret, testLogFile } from './secrets';

export const TEST_INSTANCE_KEY = 'test-instance-key-0123456789abcdef';

export interface TestApp {
  app: NestExpressApplication;
  http: Server;
  config: AppConfig;
  databaseName: string;
  /** Listens on a free loopback port (for tests that need a real socket, e.g. behind nginx). */
  listen(): Promise<number>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment on top of the test defaults (AUTOPACK_ENV=test, the instance key, a fresh database). */
  env?: RawEnv;
  /** Reuse a database (e.g. a second replica on the same database). */
  database?: { url: string; name: string };
  /** Controllers that exist only in the test. */
  controllers?: Type[];
  /** Modules whose exported providers those test controllers inject. */
  imports?: Array<Type | DynamicModule>;
}

/**
 * The real app, built exactly as main.ts builds it (AppModule + configureHttp), on its own database.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  // Production refuses to start without its key material; give it test keys unless the test sets its own.
  const productionDefaults = options.env?.AUTOPACK_ENV === 'production' ? testProductionSecrets() : {};
  const config = loadConfig({
    ...productionDefaults,
    AUTOPACK_ENV: 'test',
    AUTOPACK_API_KEY: TEST_INSTANCE_KEY,
    DATABASE_URL: database.url,
    AUTOPACK_DATA_DIR: mkdtempSync(join(tmpdir(), 'autopack-test-data-')),
    AUTOPACK_RUNS_ROOT: mkdtempSync(join(tmpdir(), 'autopack-test-runs-')),
    // Logs are captured to a file per test process and scanned for secrets at the end of the run.
    LOG_LEVEL: process.env.LOG_LEVEL ?? (testLogFile() ? 'debug' : 'silent'),
    LOG_FILE: testLogFile(),
    ...options.env,
  });
  rememberSecret(
    config.apiKey,
    config.jwtPrivateKey,
    config.credentialsKey?.toString('base64'),
    decodeURIComponent(new URL(database.url).password),
  );
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config), ...(options.imports ?? [])],
    controllers: options.controllers ?? [],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>(NEST_APP_OPTIONS);
  configureHttp(app, config);
  try {
    await app.init();
  } catch (error) {
    // A start-up refusal must not leave the database pool and the app's timers running past the test.
    await app.close().catch(() => undefined);
    throw error;
  }
  return {
    app,
    http: app.getHttpServer() as Server,
    config,
    databaseName: database.name,
    listen: async () => {
      await app.listen(0, '127.0.0.1');
      return (app.getHttpServer().address() as { port: number }).port;
    },
    close: () => app.close(),
  };
}
