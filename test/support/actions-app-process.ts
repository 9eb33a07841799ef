/**
 * One app process for the multi-process claim test: the real app with every external-actions switch on.
 * Started by the test with `node -r ts-node/register/transpile-only`.
 */
import 'reflect-metadata';
import { LIVE_ENV } from '../helpers/actions';
import { serveAppProcess } from './serve-app-process';

// The parent's credentials key: both processes must read the same encrypted credential rows.
serveAppProcess({
  env: { ...LIVE_ENV, AUTOPACK_CREDENTIALS_KEY: process.env.AUTOPACK_CREDENTIALS_KEY ?? '' },
});
