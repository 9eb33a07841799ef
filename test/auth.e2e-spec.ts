import { Controller, Get } from '@nestjs/common';
import request from 'supertest';
import { ApiKey, Public } from '../src/auth/auth.decorators';
import { createTestApp, TEST_INSTANCE_KEY, TestApp } from './helpers/app';
import { ProbeController } from './helpers/probe.controller';

describe('deny-by-default auth (global guard)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ controllers: [ProbeController] });
  });
  afterAll(() => t.close());

  it('refuses a route that declares no access rule, even with the admin key', async () => {
    const res = await request(t.http).get('/probe/unmarked').set('X-API-Key', TEST_INSTANCE_KEY);
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/declares no access rule/);
    expect(res.body.reached).toBeUndefined();
  });

  it('refuses a missing key and a wrong key with the same 401 body', async () => {
    const missing = await request(t.http).get('/probe/metrics-only');
    const wrong = await request(t.http).get('/probe/metrics-only').set('X-API-Key', 'x'.repeat(40));
    const almost = await request(t.http).get('/probe/metrics-only').set('X-API-Key', `${TEST_INSTANCE_KEY}x`);
    for (const res of [missing, wrong, almost]) {
      expect(res.status).toBe(401);
      const { request_id: _ignored, ...body } = res.body;
      expect(body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Missing or invalid credentials',
      });
    }
  });

  it('accepts the instance key as an admin machine principal holding every scope', async () => {
    const res = await request(t.http)
      .post('/probe/machine')
      .set('X-API-Key', TEST_INSTANCE_KEY)
      .send({ name: 'n', kind: 'a', inner: { count: 1 } });
    expect(res.status).toBe(201);
    expect(res.body.principal).toBe('apikey:instance');
    expect(
      (await request(t.http).get('/probe/metrics-only').set('X-API-Key', TEST_INSTANCE_KEY)).status,
    ).toBe(200);
  });

  it('refuses anonymous operator reads unless public read is switched on', async () => {
    expect((await request(t.http).get('/probe/read')).status).toBe(401);
    const res = await request(t.http).get('/probe/read').set('X-API-Key', TEST_INSTANCE_KEY);
    expect(res.status).toBe(200);
    expect(res.body.principal).toBe('api_key');
  });

  it('refuses a wrong key on a public-read route even when public read is on', async () => {
    const open = await createTestApp({ controllers: [ProbeController], env: { AUTOPACK_PUBLIC_READ: '1' } });
    try {
      expect((await request(open.http).get('/probe/read')).body.principal).toBe('anonymous');
      expect(
        (await request(open.http).get('/probe/read').set('X-API-Key', 'wrong-key-wrong-key')).status,
      ).toBe(401);
    } finally {
      await open.close();
    }
  });

  it('ignores AUTOPACK_PUBLIC_READ in production', async () => {
    const prod = await createTestApp({
      controllers: [ProbeController],
      env: { AUTOPACK_ENV: 'production', AUTOPACK_PUBLIC_READ: '1' },
    });
    try {
      expect((await request(prod.http).get('/probe/read')).status).toBe(401);
    } finally {
      await prod.close();
    }
  });

  it('refuses, at load time, a handler that declares two access rules', () => {
    expect(() => {
      @Controller('twice')
      class Twice {
        @Get()
        @Public()
        @ApiKey()
        both() {
          return 1;
        }
      }
      return Twice;
    }).toThrow(/more than one access rule/);
  });
});
