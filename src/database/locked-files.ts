import { readFileSync, rmSync } from 'node:fs';

/**
 * How Windows reports a file another process holds open without sharing it (a running PostgreSQL, a
 * virus scanner, the search indexer): EBUSY (sharing violation), EPERM or EACCES (a pending delete, a
 * locked region) on open and unlink. POSIX never locks a file against reading or unlinking, so there these
 * codes only mean what they say — and retrying costs a few hundred milliseconds once, at start.
 */
export const LOCKED_FILE_CODES: readonly string[] = ['EBUSY', 'EPERM', 'EACCES'];

export interface LockRetry {
  /** Tries in all (scanners and indexers let go within a few hundred milliseconds). */
  attempts?: number;
  delayMs?: number;
}

/** The file stayed locked through every retry. */
export class FileLockedError extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
  ) {
    super(`${file} is locked by another process (${code})`);
    this.name = 'FileLockedError';
  }
}

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException)?.code ?? '';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `operation`, retrying while the file is locked; a FileLockedError when it never gets free. */
async function whileLocked<T>(file: string, operation: () => T, retry: LockRetry = {}): Promise<T> {
  const { attempts = 10, delayMs = 100 } = retry;
  for (let attempt = 1; ; attempt++) {
    try {
      return operation();
    } catch (error) {
      const code = codeOf(error);
      if (!LOCKED_FILE_CODES.includes(code)) throw error;
      if (attempt >= attempts) throw new FileLockedError(file, code);
      await sleep(delayMs);
    }
  }
}

/** A small text file's content (UTF-8, a leading BOM dropped), or null when it does not exist. */
export async function readTextWhenUnlocked(
  file: string,
  retry?: LockRetry,
  read: (file: string) => string = (path) => readFileSync(path, 'utf8'),
): Promise<string | null> {
  try {
    return (await whileLocked(file, () => read(file), retry)).replace(/^\uFEFF/, '');
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return null;
    throw error;
  }
}

/** Removes a file (missing is fine). False when it stayed locked: the caller decides if that matters. */
export async function removeWhenUnlocked(
  file: string,
  retry?: LockRetry,
  remove: (file: string) => void = (path) => rmSync(path, { force: true }),
): Promise<boolean> {
  try {
    await whileLocked(file, () => remove(file), retry);
    return true;
  } catch (error) {
    if (error instanceof FileLockedError) return false;
    throw error;
  }
}
