import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { AUTH_METADATA, AuthRequirement } from '../src/auth/auth.decorators';
import { buildOpenApiDocument } from '../src/openapi/openapi';
import { createTestApp, TestApp } from './helpers/app';

interface RouteEntry {
  route: string;
  rules: AuthRequirement[];
}

/** Every route Nest registers, read from the same metadata the router uses. */
function inventory(t: TestApp): RouteEntry[] {
  const entries: RouteEntry[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (path === undefined || method === undefined) continue;
        const full = `/${[base, path]
          .map((part) => part.replace(/^\/|\/$/g, ''))
          .filter(Boolean)
          .join('/')}`;
        const rules = [handler, controller]
          .map((target) => Reflect.getOwnMetadata(AUTH_METADATA, target) as AuthRequirement | undefined)
          .filter((rule): rule is AuthRequirement => rule !== undefined);
        entries.push({ route: `${RequestMethod[method]} ${full}`, rules });
      }
    }
  }
  return entries.sort((a, b) => a.route.localeCompare(b.route));
}

describe('route inventory', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('every route declares exactly one access rule', () => {
    const routes = inventory(t);
    expect(routes.length).toBeGreaterThan(0);
    expect(routes.filter((entry) => entry.rules.length !== 1).map((entry) => entry.route)).toEqual([]);
  });

  it('every route is in the OpenAPI document with the same access rule', () => {
    const document = buildOpenApiDocument(t.app, t.config);
    for (const { route, rules } of inventory(t)) {
      const [method, path] = route.split(' ');
      const operation = document.paths[path.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase() as 'get'];
      expect({
        route,
        auth: (operation as Record<string, unknown> | undefined)?.['x-autopack-auth'],
      }).toEqual({
        route,
        auth: rules[0],
      });
    }
  });

  // A change to this snapshot is a change of who may call what: review it as a permission change.
  it('matches the reviewed access map', () => {
    const map = inventory(t).map(({ route, rules: [rule] }) => {
      const qualifier = rule.role ? ` role=${rule.role}` : rule.scope ? ` scope=${rule.scope}` : '';
      return `${route} -> ${rule.mode}${qualifier}`;
    });
    expect(map).toMatchSnapshot();
  });
});
