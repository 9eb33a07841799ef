import type { OpenAPIObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { INT32_MIN, INT4_MAX } from '../http/input-bounds';

interface Schema {
  type?: string;
  minimum?: number;
  maximum?: number;
  format?: string;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
}

/** Every class class-validator knows, by name (the name @nestjs/swagger gives its schema). */
function validatedClasses(): Map<string, ValidationMetadata[]> {
  const storage = getMetadataStorage();
  const targets = (storage as unknown as { validationMetadatas: Map<unknown, unknown> }).validationMetadatas;
  const out = new Map<string, ValidationMetadata[]>();
  for (const target of targets.keys()) {
    if (typeof target !== 'function') continue;
    // With its parents' rules too (a query DTO that extends the paging one).
    out.set(target.name, storage.getTargetValidationMetadatas(target, '', true, false));
  }
  return out;
}

/**
 * What the swagger CLI plugin cannot read from the validators, added to the component schemas from the
 * validators themselves (one place, so a new DTO is covered without anyone remembering):
 * - `@IsInt()` → `type: integer` with `format: int32` when its `@Min`/`@Max` fit, else `int64`;
 * - `@ArrayMaxSize(CONST)` / `@ArrayMinSize(CONST)` → `maxItems` / `minItems` (the plugin only copies literals);
 * - `@Matches(CONST_REGEX)` → `pattern` (likewise).
 * A value the schema already states is kept.
 */
export function documentValidationBounds(document: OpenAPIObject): OpenAPIObject {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Schema>;
  for (const [name, rules] of validatedClasses()) {
    const schema = schemas[name];
    if (!schema?.properties) continue;
    const byProperty = new Map<string, ValidationMetadata[]>();
    for (const rule of rules)
      byProperty.set(rule.propertyName, [...(byProperty.get(rule.propertyName) ?? []), rule]);
    for (const [property, own] of byProperty) {
      const prop = schema.properties[property];
      if (prop) applyRules(prop, own);
    }
  }
  return document;
}

function applyRules(prop: Schema, rules: ValidationMetadata[]): void {
  const constraint = (rule: string, each: boolean) =>
    rules.find((r) => r.name === rule && Boolean(r.each) === each)?.constraints?.[0] as unknown;
  for (const each of [false, true]) {
    const target = each ? prop.items : prop;
    if (!target) continue;
    if (rules.some((r) => r.name === 'isInt' && Boolean(r.each) === each)) {
      if (target.type === 'number' || target.type === 'integer') {
        const min = constraint('min', each);
        const max = constraint('max', each);
        const fits =
          typeof min === 'number' && typeof max === 'number' && min >= INT32_MIN && max <= INT4_MAX;
        target.type = 'integer';
        target.format ??= fits ? 'int32' : 'int64';
      }
    }
    if (each) {
      // The plugin puts `@Min(x, { each: true })` on the array itself; it bounds the items.
      const min = constraint('min', true);
      const max = constraint('max', true);
      if (typeof min === 'number') [target.minimum, prop.minimum] = [min, undefined];
      if (typeof max === 'number') [target.maximum, prop.maximum] = [max, undefined];
    }
    const pattern = constraint('matches', each);
    if (pattern instanceof RegExp && pattern.flags === '' && target.type === 'string')
      target.pattern ??= pattern.source;
  }
  const maxItems = constraint('arrayMaxSize', false);
  if (typeof maxItems === 'number') prop.maxItems ??= maxItems;
  const minItems = constraint('arrayMinSize', false);
  if (typeof minItems === 'number') prop.minItems ??= minItems;
}
