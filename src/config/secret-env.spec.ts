import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { readSecret } from './secret-env';

const SECRET = 's3cr3t-value-that-must-never-be-printed';

describe('readSecret (NAME or NAME_FILE, official-images rules)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'autopack-secret-'));
  const file = (name: string, contents: string) => {
    const path = join(dir, name);
    writeFileSync(path, contents);
    return path;
  };
  const failure = (fn: () => unknown): ConfigError => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error('expected a ConfigError');
  };

  it('returns the direct value when only NAME is set', () => {
    expect(readSecret({ X: SECRET }, 'X')).toBe(SECRET);
  });

  it('returns undefined when neither is set (empty strings count as unset)', () => {
    expect(readSecret({}, 'X')).toBeUndefined();
    expect(readSecret({ X: '', X_FILE: '' }, 'X')).toBeUndefined();
  });

  it('reads NAME_FILE and strips exactly one trailing newline', () => {
    expect(readSecret({ X_FILE: file('lf', `${SECRET}\n`) }, 'X')).toBe(SECRET);
    expect(readSecret({ X_FILE: file('crlf', `${SECRET}\r\n`) }, 'X')).toBe(SECRET);
    expect(readSecret({ X_FILE: file('none', SECRET) }, 'X')).toBe(SECRET);
    expect(readSecret({ X_FILE: file('two', `${SECRET}\n\n`) }, 'X')).toBe(`${SECRET}\n`);
  });

  it('refuses both NAME and NAME_FILE, naming the variable and not the value', () => {
    const error = failure(() => readSecret({ X: SECRET, X_FILE: file('both', SECRET) }, 'X'));
    expect(error.message).toContain('X_FILE');
    expect(error.message).not.toContain(SECRET);
  });

  it('refuses a missing file', () => {
    const error = failure(() => readSecret({ X_FILE: join(dir, 'does-not-exist') }, 'X'));
    expect(error.message).toBe('X_FILE points to a file that does not exist');
  });

  it('refuses an unreadable path (a directory)', () => {
    const error = failure(() => readSecret({ X_FILE: dir }, 'X'));
    expect(error.message).toMatch(/^X_FILE points to a file that (is a directory|cannot be read)$/);
  });

  it('refuses an empty file and a whitespace-only file', () => {
    expect(failure(() => readSecret({ X_FILE: file('empty', '') }, 'X')).message).toBe(
      'X_FILE points to an empty file',
    );
    expect(failure(() => readSecret({ X_FILE: file('blank', ' \n') }, 'X')).message).toBe(
      'X_FILE points to an empty file',
    );
  });
});
