import { win32 } from 'node:path';

/**
 * An in-memory file system that names files the way Windows does, for running the artifact store's
 * real code under Windows semantics on any host (src/artifacts/artifact-store.win32.spec.ts). Modelled,
 * on the pessimistic side (every alias Windows might honour resolves):
 * - drive letters (`C:\`) and shares (`\\server\share\`), `\` and `/` both separators, `..` resolved;
 * - names compared case-insensitively, the real path spelt as stored (like GetFinalPathNameByHandle);
 * - trailing dots and spaces dropped from every component (`ok.txt. ` is `ok.txt`, `.. ` is `..`);
 * - 8.3 short names (`SERVER~1.PEM`) resolve to their long name;
 * - `name::$DATA` is the file itself, `dir::$INDEX_ALLOCATION` the directory, `name:stream` a stream;
 * - a device name (`CON`, `nul.txt`, `COM1`) in any component opens the device `\\.\NUL` …;
 * - `\\?\` turns normalisation off; `\\.\X` names device X.
 * Every path `open` is given is recorded in `opened` (as a real path).
 */
interface Entry {
  name: string;
  short?: string;
  content?: string;
  children?: Entry[];
  streams?: Record<string, string>;
}

const DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$|clock\$) *(\..*)?$/i;

function fsError(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${path}`), { code });
}

export class Win32Fs {
  readonly opened: string[] = [];
  private nextFd = 100;

  constructor(private readonly volumes: Record<string, Entry[]>) {}

  /** The real path of `path`, or ENOENT. */
  resolve(path: string): string {
    const literal = /^[\\/]{2}\?[\\/]/.test(path);
    const device = /^[\\/]{2}\.[\\/]([^\\/]+)$/.exec(path);
    if (device) return `\\\\.\\${device[1].toUpperCase()}`;
    const full = literal ? path.slice(4).replace(/\//g, '\\') : win32.resolve(path);
    const { root } = win32.parse(full);
    const volume = Object.keys(this.volumes).find((key) => key.toLowerCase() === root.toLowerCase());
    if (!volume) throw fsError('ENOENT', path);
    const parts = full.slice(root.length).split('\\').filter(Boolean);
    const chain: Entry[] = [];
    const real: string[] = [];
    let children = this.volumes[volume];
    for (let index = 0; index < parts.length; index++) {
      const [rawName, stream, type] = parts[index].split(':');
      if (!literal && DEVICE.test(rawName)) return `\\\\.\\${rawName.split('.')[0].trim().toUpperCase()}`;
      const spaceless = rawName.replace(/ +$/, '');
      const name = literal ? rawName : /^\.\.?$/.test(spaceless) ? spaceless : rawName.replace(/[. ]+$/, '');
      if (name === '' || name === '.') continue;
      if (name === '..') {
        chain.pop();
        real.pop();
        children = chain.length ? chain[chain.length - 1].children! : this.volumes[volume];
        continue;
      }
      const entry = children?.find(
        (candidate) =>
          candidate.name.toLowerCase() === name.toLowerCase() ||
          candidate.short?.toLowerCase() === name.toLowerCase(),
      );
      if (!entry) throw fsError('ENOENT', path);
      chain.push(entry);
      real.push(entry.name);
      if (stream !== undefined) {
        const whole = stream === '' && ['$DATA', '$INDEX_ALLOCATION'].includes((type ?? '').toUpperCase());
        if (!whole) {
          if (index !== parts.length - 1 || entry.streams?.[stream] === undefined)
            throw fsError('ENOENT', path);
          return `${volume}${real.join('\\')}:${stream}`;
        }
      }
      children = entry.children!;
    }
    return `${volume}${real.join('\\')}`;
  }

  private entryAt(real: string): Entry | { device: true } | { stream: string } {
    if (real.startsWith('\\\\.\\')) return { device: true };
    const { root } = win32.parse(real);
    const [path, stream] = [real.slice(root.length).split(':')[0], real.slice(root.length).split(':')[1]];
    let entry: Entry = { name: root, children: this.volumes[root] };
    for (const part of path.split('\\').filter(Boolean))
      entry = entry.children!.find((e) => e.name === part)!;
    return stream === undefined ? entry : { stream: entry.streams![stream] };
  }

  private stats(real: string) {
    const entry = this.entryAt(real);
    const content = 'device' in entry ? '' : 'stream' in entry ? entry.stream : (entry.content ?? '');
    const isFile = !('device' in entry) && ('stream' in entry || !('children' in entry && entry.children));
    return {
      isFile: () => isFile,
      isDirectory: () => 'children' in entry && !!entry.children,
      isSymbolicLink: () => false,
      size: Buffer.byteLength(content),
      mtime: new Date(0),
      content,
    };
  }

  /** The subset of node:fs/promises the artifact store calls. */
  readonly promises = {
    realpath: async (path: string) => this.resolve(path),
    stat: async (path: string) => this.stats(this.resolve(path)),
    lstat: async (path: string) => this.stats(this.resolve(path)),
    // No /proc on Windows: the descriptor's path cannot be asked.
    readlink: async (path: string) => {
      throw fsError('ENOENT', path);
    },
    open: async (path: string) => {
      const real = this.resolve(path);
      this.opened.push(real);
      const stats = this.stats(real);
      return {
        fd: this.nextFd++,
        stat: async () => stats,
        close: async () => undefined,
        read: async (buffer: Buffer, offset: number, length: number, position: number) => {
          const bytes = Buffer.from(stats.content).subarray(position, position + length);
          bytes.copy(buffer, offset);
          return { bytesRead: bytes.length, buffer };
        },
      };
    },
    opendir: async (path: string) => {
      const entry = this.entryAt(this.resolve(path));
      if (!('children' in entry) || !entry.children) throw fsError('ENOTDIR', path);
      const dirents = entry.children.map((child) => ({
        name: child.name,
        isDirectory: () => !!child.children,
        isFile: () => !child.children,
        isSymbolicLink: () => false,
      }));
      return Object.assign(
        (async function* () {
          yield* dirents;
        })(),
        { close: async () => undefined },
      );
    },
  };
}
