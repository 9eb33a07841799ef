import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError } from '../config/config-error';

export const COMPLEXITY_LEVELS = ['low', 'medium', 'high'] as const;
export type ModelMappings = Record<string, Record<(typeof COMPLEXITY_LEVELS)[number], string>>;

/** Reads config/models.yaml: every role maps each complexity to a model name. Invalid → refuse start. */
export function loadModelMappings(file: string): ModelMappings {
  let document: unknown;
  try {
    document = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      `model catalog ${file} cannot be read (${(error as Error).message.split('\n')[0]})`,
    );
  }
  const mappings = (document as { mappings?: unknown } | null)?.mappings;
  if (typeof mappings !== 'object' || mappings === null || Object.keys(mappings).length === 0) {
    throw new ConfigError(`model catalog ${file}: "mappings" must map roles to models`);
  }
  for (const [role, levels] of Object.entries(mappings)) {
    for (const level of COMPLEXITY_LEVELS) {
      const model = (levels as Record<string, unknown> | null)?.[level];
      if (typeof model !== 'string' || model.trim() === '') {
        throw new ConfigError(`model catalog ${file}: mappings.${role}.${level} must be a model name`);
      }
    }
  }
  return mappings as ModelMappings;
}

/** Injection token of the validated model mappings (see DashboardModule). */
export const MODEL_MAPPINGS = Symbol('MODEL_MAPPINGS');
