import type { ConfigError } from '../config/config-error';
import { loadYamlFile } from '../config/yaml-file';

/** Injection token of the validated catalog (provided by DashboardModule). */
export const MODEL_MAPPINGS = Symbol('MODEL_MAPPINGS');

export const COMPLEXITY_LEVELS = ['low', 'medium', 'high'] as const;
export type ModelMappings = Record<string, Record<(typeof COMPLEXITY_LEVELS)[number], string>>;

/** Reads config/models.yaml: every role maps each complexity to a model name. Invalid → refuse start. */
export function loadModelMappings(file: string): ModelMappings {
  return loadYamlFile('model catalog', file, validateModelMappings);
}

function validateModelMappings(document: unknown, fail: (why: string) => ConfigError): ModelMappings {
  const mappings = (document as { mappings?: unknown } | null)?.mappings;
  if (typeof mappings !== 'object' || mappings === null || Object.keys(mappings).length === 0) {
    throw fail('"mappings" must map roles to models');
  }
  for (const [role, levels] of Object.entries(mappings)) {
    for (const level of COMPLEXITY_LEVELS) {
      const model = (levels as Record<string, unknown> | null)?.[level];
      if (typeof model !== 'string' || model.trim() === '') {
        throw fail(`mappings.${role}.${level} must be a model name`);
      }
    }
  }
  return mappings as ModelMappings;
}
