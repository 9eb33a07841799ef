import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { AUTH_METADATA, AuthRequirement } from '../src/auth/auth.decorators';
import { buildOpenApiDocument } from '../src/openapi/openapi';
import { createTestApp, TestApp } from './helpers/app';

interface Route {
  method: string;
  path: string;
  rules: AuthRequirement[];
}

/** Every route Nest registers, found through the same controller metadata Nest's router reads. */
function registeredRoutes(t: TestApp): Route[] {
  const routes: Route[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as { prototype: object } | null;
      if (!controller) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      const classRule = Reflect.getMetadata(AUTH_METADATA, controller) as AuthRequirement | undefined;
      const proto = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const sub = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
        const path = `/${[base, sub].join('/')}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
        const handlerRule = Reflect.getMetadata(AUTH_METADATA, handler) as AuthRequirement | undefined;
        routes.push({
          method: RequestMethod[method],
          path,
          rules: [handlerRule, classRule].filter((r): r is AuthRequirement => r !== undefined),
        });
      }
    }
  }
  return routes.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

const describeRule = (rule: AuthRequirement) =>
  [rule.mode, rule.scope && `scope=${rule.scope}`, rule.role && `role=${rule.role}`]
    .filter(Boolean)
    .join(' ');

describe('route inventory', () => {
  let t: TestApp;
  let routes: Route[];
  beforeAll(async () => {
    t = await createTestApp();
    routes = registeredRoutes(t);
  });
  afterAll(() => t.close());

  it('finds the routes (the walk itself works)', () => {
    expect(routes.map((r) => `${r.method} ${r.path}`)).toContain('GET /health');
  });

  it('every registered route declares exactly one access rule', () => {
    const offenders = routes.filter((r) => r.rules.length !== 1).map((r) => `${r.method} ${r.path}`);
    expect(offenders).toEqual([]);
  });

  it('every registered route is in the OpenAPI contract with the same rule, and nothing else is', () => {
    const document = buildOpenApiDocument(t.app, t.config);
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, { 'x-autopack-auth'?: AuthRequirement }>).map(
        ([method, op]) =>
          `${method.toUpperCase()} ${path} ${op['x-autopack-auth'] ? describeRule(op['x-autopack-auth']) : 'NONE'}`,
      ),
    );
    const registered = routes.map(
      (r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')} ${describeRule(r.rules[0])}`,
    );
    expect(documented.sort()).toEqual(registered.sort());
  });

  // A change in this snapshot is a change of who can reach a route: review it as a security change.
  // Update deliberately with `npx jest test/route-inventory -u`.
  it('matches the reviewed snapshot of method, path and access rule', () => {
    expect(
      routes.map((r) => `${r.method.padEnd(6)} ${r.path.padEnd(60)} ${describeRule(r.rules[0])}`).join('\n'),
    ).toMatchSnapshot();
  });
});
