import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error';

export type RawEnv = Readonly<Record<string, string | undefined>>;

/**
 * Resolves a secret that may be given either as `NAME` or as `NAME_FILE`, following the rules of the
 * official container images: both set is an error, the file's trailing newline is stripped, and a
 * missing, unreadable or empty file refuses start. Messages name the variable, never the value.
 */
export function readSecret(env: RawEnv, name: string): string | undefined {
  const direct = env[name];
  const filePath = env[`${name}_FILE`];
  const hasDirect = direct !== undefined && direct !== '';
  const hasFile = filePath !== undefined && filePath !== '';

  if (hasDirect && hasFile) {
    throw new ConfigError(`both ${name} and ${name}_FILE are set; set only one of them`);
  }
  if (!hasFile) {
    return hasDirect ? direct : undefined;
  }

  let contents: string;
  try {
    contents = readFileSync(filePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : 'cannot be read';
    throw new ConfigError(`${name}_FILE points to a file that ${why}`);
  }
  const value = contents.replace(/\r?\n$/, '');
  if (value.trim() === '') {
    throw new ConfigError(`${name}_FILE points to an empty file`);
  }
  return value;
}
