import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileLockedError, readTextWhenUnlocked, removeWhenUnlocked } from './locked-files';

/** What Windows throws for a file another process holds (a running postgres.exe, a virus scanner). */
const locked = (code: string) => Object.assign(new Error(`${code}: resource busy or locked`), { code });
const FAST = { attempts: 3, delayMs: 1 };

describe('files Windows may hold locked (postmaster.pid, data directory markers)', () => {
  it.each(['EBUSY', 'EPERM', 'EACCES'])('retries a read that fails with %s, then reads', async (code) => {
    const read = jest
      .fn()
      .mockImplementationOnce(() => {
        throw locked(code);
      })
      .mockReturnValue('\uFEFF4242\r\n/data\r\n');
    expect(await readTextWhenUnlocked('postmaster.pid', FAST, read)).toBe('4242\r\n/data\r\n');
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('reports a file that stays locked, naming it and the code', async () => {
    const read = jest.fn(() => {
      throw locked('EBUSY');
    });
    const attempt = readTextWhenUnlocked('C:\\data\\postgres\\postmaster.pid', FAST, read);
    await expect(attempt).rejects.toBeInstanceOf(FileLockedError);
    await expect(attempt).rejects.toThrow(
      'C:\\data\\postgres\\postmaster.pid is locked by another process (EBUSY)',
    );
    expect(read).toHaveBeenCalledTimes(3);
  });

  it('reads a missing file as null, and passes any other error through at once', async () => {
    expect(await readTextWhenUnlocked(join(tmpdir(), 'autopack-no-such-file'))).toBeNull();
    const read = jest.fn(() => {
      throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    });
    await expect(readTextWhenUnlocked('x', FAST, read)).rejects.toThrow('EISDIR');
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('reads a real file as UTF-8', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'autopack-lock-')), 'marker');
    writeFileSync(file, 'pid ünïcødé\n', 'utf8');
    expect(await readTextWhenUnlocked(file)).toBe('pid ünïcødé\n');
  });

  it('removes after a transient lock, and says false (without throwing) when the lock stays', async () => {
    const once = jest
      .fn()
      .mockImplementationOnce(() => {
        throw locked('EPERM');
      })
      .mockReturnValue(undefined);
    expect(await removeWhenUnlocked('owner', FAST, once)).toBe(true);
    const never = jest.fn(() => {
      throw locked('EBUSY');
    });
    expect(await removeWhenUnlocked('owner', FAST, never)).toBe(false);
    expect(never).toHaveBeenCalledTimes(3);
  });
});
