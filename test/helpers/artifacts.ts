import request from 'supertest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TestApp } from './app';
import { asAdmin, startBody } from './runs';

/** Starts a run through the API (as the instance key unless `headers` name another principal). */
export async function startRun(t: TestApp, headers?: Record<string, string>): Promise<string> {
  const body = startBody();
  const res = headers
    ? await request(t.http).post('/runs/start').set(headers).send(body)
    : await asAdmin(t).post('/runs/start', body);
  if (res.status !== 201) throw new Error(`run start failed: ${res.status} ${JSON.stringify(res.body)}`);
  return body.run.run_id;
}

/** The run's artifact directory under the app's AUTOPACK_RUNS_ROOT. */
export const runDir = (t: TestApp, runId: string) => join(t.config.runsRoot, runId);

/** Writes files (relative path → content) under `dir`, creating directories. */
export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

export function link(dir: string, path: string, target: string): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  symlinkSync(target, join(dir, path));
}

/** `/runs/<id>/artifacts/file?path=<raw>`: `raw` goes on the wire exactly as given (already encoded). */
export const fileUrl = (runId: string, rawQueryValue: string, extra = '') =>
  `/runs/${encodeURIComponent(runId)}/artifacts/file?path=${rawQueryValue}${extra}`;
