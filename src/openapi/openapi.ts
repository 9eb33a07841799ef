import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { API_KEY_SECURITY, BEARER_SECURITY } from '../auth/auth.decorators';
import type { AppConfig } from '../config/app-config';
import { documentFrameworkResponses } from './framework-responses';
import { documentValidationBounds } from './validation-bounds';

/** Builds the OpenAPI document from the code: the same for the Swagger UI and the committed contract. */
export function buildOpenApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  const info = new DocumentBuilder()
    .setTitle('Autopack control plane API')
    .setDescription(
      'Operator REST API for autonomous build agents. Every route declares its access rule in ' +
        '`x-autopack-auth`; see docs/CANONICAL_API_CONTRACT.md.',
    )
    .setVersion(config.version)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, API_KEY_SECURITY)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT (RS256)' }, BEARER_SECURITY)
    .build();
  const document = SwaggerModule.createDocument(app, info, {
    operationIdFactory: (controllerKey, methodKey) =>
      `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  return sortDeep(documentFrameworkResponses(documentValidationBounds(document))) as OpenAPIObject;
}

/** Sorts object keys (and unordered lists) so that the same code always gives the same bytes. */
export function sortDeep(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => sortDeep(item));
    if (key === 'required' || key === 'tags') return [...items].sort();
    // A string union's enum comes in the TypeScript checker's internal order, which shifts with unrelated
    // code (a new import elsewhere reorders it): sort, so the contract changes only when the values do.
    if (key === 'enum' && items.every((item) => typeof item === 'string')) return [...items].sort();
    if (key === 'parameters') {
      return [...items].sort((a, b) => paramKey(a).localeCompare(paramKey(b)));
    }
    return items;
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortDeep((value as Record<string, unknown>)[k], k)]),
    );
  }
  return value;
}

function paramKey(param: unknown): string {
  const p = param as { in?: string; name?: string };
  return `${p.in ?? ''}:${p.name ?? ''}`;
}
