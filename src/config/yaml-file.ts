import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError } from './config-error';

/**
 * Reads a YAML file the process needs at start (a policy, the model catalog) and validates it. Every
 * problem is a `ConfigError` of one line naming what the file is, the file and the problem, so an invalid
 * file refuses start. `validate` reports problems through `fail`.
 */
export function loadYamlFile<T>(
  what: string,
  file: string,
  validate: (document: unknown, fail: (why: string) => ConfigError) => T,
): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(`${what} ${file} cannot be read`);
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new ConfigError(`${what} ${file} is not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  return validate(document, (why) => new ConfigError(`${what} ${file}: ${why}`));
}
