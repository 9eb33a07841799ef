import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

// The one definition, shared with `npm start` (scripts/start.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { newestMtime } = require('../../scripts/lib/newest-mtime') as {
  newestMtime: (path: string) => number;
};

/**
 * Builds dist/console when it is missing or older than console/ (what `npm run build` does), once even
 * when two spec files ask at the same time (a lock directory).
 */
export function ensureConsoleBuilt(): void {
  const index = join(ROOT, 'dist', 'console', 'index.html');
  const fresh = () => existsSync(index) && statSync(index).mtimeMs >= newestMtime(join(ROOT, 'console'));
  if (fresh()) return;
  const lock = join(ROOT, 'dist', '.console-build-lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) rmSync(lock, { recursive: true, force: true });
      execFileSync(process.execPath, ['-e', 'setTimeout(() => {}, 500)']);
    }
  }
  try {
    if (!fresh()) {
      execFileSync(
        process.execPath,
        [
          join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
          'build',
          '--config',
          'console/vite.config.mts',
          '--logLevel',
          'warn',
        ],
        { cwd: ROOT, stdio: 'inherit' },
      );
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
