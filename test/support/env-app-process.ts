/**
 * One app process with the environment in APP_ENV (JSON), so that two processes of a test can be configured
 * alike. Started through startAppProcess (test/helpers/app-process.ts).
 */
import 'reflect-metadata';
import { serveAppProcess } from './serve-app-process';

serveAppProcess({ env: JSON.parse(process.env.APP_ENV ?? '{}') as Record<string, string> });
