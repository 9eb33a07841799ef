import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX_CONF = join(__dirname, '..', '..', 'nginx', 'nginx.conf');

/** The nginx binary, or null when none is installed. */
export function findNginx(): string | null {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) {
    if (spawnSync(candidate, ['-v']).status === 0) return candidate;
  }
  return null;
}

/**
 * The canonical nginx.conf with only its `render:` lines changed: the listen address and the upstream
 * servers. Fails if the file's render markers are missing, so the test cannot silently drift.
 */
export function renderNginxConf(listenPort: number, backendPorts: number[]): string {
  const source = readFileSync(NGINX_CONF, 'utf8');
  const lines = source.split('\n');
  const upstream = lines.findIndex((line) => line.includes('# render: upstream'));
  const listen = lines.findIndex((line) => line.includes('# render: listen'));
  if (upstream < 0 || listen < 0) throw new Error('nginx.conf lost its render markers');
  const indent = (line: string) => line.match(/^\s*/)![0];
  lines[listen] = `${indent(lines[listen])}listen 127.0.0.1:${listenPort};`;
  lines[upstream] = backendPorts
    .map((port) => `${indent(lines[upstream])}server 127.0.0.1:${port} max_fails=2 fail_timeout=5s;`)
    .join('\n');
  return lines.join('\n');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface RunningNginx {
  port: number;
  stop(): Promise<void>;
}

/** Starts nginx in the foreground with the rendered canonical config; resolves once it answers. */
export async function startNginx(binary: string, backendPorts: number[]): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'autopack-nginx-'));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, renderNginxConf(port, backendPorts));
  // Files, not pipes: the config logs to /dev/stdout and /dev/stderr, which nginx re-opens by path,
  // and Node's pipes are sockets that cannot be opened that way.
  const stderrFile = join(dir, 'stderr.log');
  const child: ChildProcess = spawn(
    binary,
    ['-p', dir, '-c', conf, '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`],
    { stdio: ['ignore', openSync(join(dir, 'stdout.log'), 'w'), openSync(stderrFile, 'w')] },
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${readFileSync(stderrFile, 'utf8')}`);
    if (Date.now() > deadline) throw new Error('nginx did not answer /nginx-health within 30 s');
    try {
      const health = await fetch(`http://127.0.0.1:${port}/nginx-health`);
      await health.arrayBuffer(); // read to its end, or its socket stays open
      if (health.ok) break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    port,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGQUIT');
      }),
  };
}
