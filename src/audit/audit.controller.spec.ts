import { ForbiddenException } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { AuditController } from './audit.controller';
import type { AuditEventsReader } from './audit-events.reader';

describe('AuditController', () => {
  const unreachable = {
    list: () => {
      throw new Error('a non-admin must not reach the reader');
    },
  } as unknown as AuditEventsReader;

  it('refuses a principal that is not an admin with 403', () => {
    const operator: Principal = {
      kind: 'api_key',
      id: 'apikey:k1',
      name: 'ci',
      scopes: ['runs:read'],
      isAdmin: false,
    };
    expect(() => new AuditController(unreachable).list({}, operator)).toThrow(ForbiddenException);
  });
});
