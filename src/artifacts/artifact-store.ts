import { constants } from 'node:fs';
import { lstat, open, opendir, readlink, realpath, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { posix, win32 } from 'node:path';
import {
  HOST_PLATFORM,
  isSafeDirectoryName,
  isSecretBearing,
  parseArtifactPath,
  type PathPlatform,
} from './artifact-path';

export interface ArtifactEntry {
  /** Relative to the run directory, `/`-separated. */
  path: string;
  size_bytes: number;
  modified_at: string;
}

export interface ArtifactListing {
  entries: ArtifactEntry[];
  truncated: boolean;
}

/** Deeper trees are not walked (a run writes nothing that deep; a loop of directories cannot exhaust us). */
const MAX_DEPTH = 32;

/**
 * Every function here takes the platform whose path rules apply (the host's by default): joining with
 * its separator, comparing names as its file systems do. Tests run the same code with `win32` here.
 */
const pathOf = (platform: PathPlatform) => (platform === 'win32' ? win32 : posix);

/**
 * True when `candidate` (a real path) lies strictly inside the directory `root` (a real path). Windows
 * compares names case-insensitively (`C:\Runs\a` holds `c:\runs\A\x`), and a candidate in another
 * namespace (`\\?\C:\…`, `\\.\NUL`, another drive or share) is never inside.
 */
export function isInside(root: string, candidate: string, platform: PathPlatform = HOST_PLATFORM): boolean {
  const { sep } = pathOf(platform);
  const fold = (path: string) => (platform === 'win32' ? path.toLowerCase() : path);
  return fold(candidate).startsWith(fold(root.endsWith(sep) ? root : root + sep));
}

/** The segments of `real` below `dir` (both real paths, `real` inside `dir`). */
const segmentsBelow = (dir: string, real: string, platform: PathPlatform) =>
  real.slice(dir.length + (dir.endsWith(pathOf(platform).sep) ? 0 : 1)).split(pathOf(platform).sep);

const isMissing = (error: unknown) =>
  ['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'EACCES', 'EPERM'].includes(
    (error as NodeJS.ErrnoException)?.code ?? '',
  );

/**
 * The real path of a run's artifact directory, or null when it has none: the run id is not a plain
 * directory name, the directory does not exist, it resolves (through a symlink) outside the root, or
 * its real name is not exactly the run id — on a case-insensitive file system run `RUN-1` must not get
 * the directory of run `run-1` (another owner's run), nor a run id reach a directory by an alias.
 */
export async function runDirectory(
  runsRoot: string,
  runId: string,
  platform: PathPlatform = HOST_PLATFORM,
): Promise<string | null> {
  if (!isSafeDirectoryName(runId, platform)) return null;
  const path = pathOf(platform);
  try {
    const root = await realpath(runsRoot);
    const dir = await realpath(path.join(root, runId));
    if (!isInside(root, dir, platform) || path.basename(dir) !== runId) return null;
    if (!(await stat(dir)).isDirectory()) return null;
    return dir;
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

/**
 * Walks a run directory depth-first, names in code-point order at every level, and reports each regular
 * file (`visit` returns false to stop). Symlinks are never descended; one is reported only when it
 * resolves to a regular file inside the run directory, under its own name. Secret-bearing files and
 * names the file route would refuse are skipped. At most `budget` directory entries are examined:
 * beyond, the listing is `truncated`.
 */
export async function walkArtifacts(
  runDir: string,
  budget: number,
  visit: (entry: ArtifactEntry) => boolean,
  platform: PathPlatform = HOST_PLATFORM,
): Promise<{ truncated: boolean }> {
  const { join } = pathOf(platform);
  let remaining = budget;
  const walk = async (relative: string[], depth: number): Promise<boolean> => {
    if (depth > MAX_DEPTH) return false;
    const names: Array<{ name: string; kind: 'dir' | 'file' | 'link' }> = [];
    try {
      const dir = await opendir(join(runDir, ...relative));
      for await (const dirent of dir) {
        if (remaining-- <= 0) {
          await dir.close().catch(() => undefined);
          return false;
        }
        const kind = dirent.isDirectory()
          ? 'dir'
          : dirent.isFile()
            ? 'file'
            : dirent.isSymbolicLink()
              ? 'link'
              : undefined;
        if (kind) names.push({ name: dirent.name, kind });
      }
    } catch (error) {
      if (isMissing(error)) return true; // vanished or unreadable: nothing to list there
      throw error;
    }
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const { name, kind } of names) {
      const segments = [...relative, name];
      const path = segments.join('/');
      if (isSecretBearing(segments) || parseArtifactPath(path, platform) === null) continue;
      if (kind === 'dir') {
        if (!(await walk(segments, depth + 1))) return false;
        continue;
      }
      const entry = await describe(runDir, segments, kind === 'link', platform);
      if (entry && !visit(entry)) return false;
    }
    return true;
  };
  const complete = await walk([], 0);
  return { truncated: !complete };
}

async function describe(
  runDir: string,
  segments: string[],
  isLink: boolean,
  platform: PathPlatform,
): Promise<ArtifactEntry | null> {
  const full = pathOf(platform).join(runDir, ...segments);
  try {
    let info = await lstat(full);
    if (isLink) {
      const target = await realpath(full);
      if (!isInside(runDir, target, platform)) return null;
      if (isSecretBearing(segmentsBelow(runDir, target, platform))) return null;
      info = await stat(target);
    }
    if (!info.isFile()) return null;
    return { path: segments.join('/'), size_bytes: info.size, modified_at: info.mtime.toISOString() };
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

export interface OpenedArtifact {
  handle: FileHandle;
  size: number;
}

/**
 * Opens the artifact at `segments` (already validated by parseArtifactPath) for reading, or null when
 * it must not be served: missing, not a regular file, secret-bearing by its requested name or by the
 * name it resolves to, or resolving — through any symlink — outside the run directory. The check is
 * repeated on the opened descriptor itself (where the platform can name it), so a path swapped for a
 * symlink between the check and the open is caught.
 */
export async function openArtifact(
  runDir: string,
  segments: readonly string[],
  platform: PathPlatform = HOST_PLATFORM,
): Promise<OpenedArtifact | null> {
  if (isSecretBearing(segments)) return null;
  let handle: FileHandle | undefined;
  try {
    // The real path names the file as the file system does: a Windows 8.3 or case alias resolves to the
    // long name, which the containment and secret checks then judge.
    const real = await realpath(pathOf(platform).join(runDir, ...segments));
    if (!isInside(runDir, real, platform)) return null;
    if (isSecretBearing(segmentsBelow(runDir, real, platform))) return null;
    // O_NONBLOCK: a FIFO planted in the run directory must not hang the request.
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const info = await handle.stat();
    const opened = await descriptorPath(handle);
    if (!info.isFile() || (opened !== null && !isInside(runDir, opened, platform))) {
      await handle.close();
      return null;
    }
    return { handle, size: info.size };
  } catch (error) {
    await handle?.close().catch(() => undefined);
    if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'EISDIR') return null;
    throw error;
  }
}

/** The path the kernel holds for an open descriptor (Linux), or null where that cannot be asked (Windows, macOS). */
async function descriptorPath(handle: FileHandle): Promise<string | null> {
  try {
    return await readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    return null;
  }
}

/**
 * Reads at most `length` bytes from the start of the file into one buffer of that size: the file is
 * never read past it, however large it is.
 */
export async function readHead(handle: FileHandle, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}
