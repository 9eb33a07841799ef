import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ANONYMOUS_PRINCIPAL, AuthenticatedRequest } from '../auth/principal';
import { AuditContext, auditContextFor } from './audit-context';

/** The request's principal and request id, ready for `AuditService.record`. */
export const CurrentAuditContext = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuditContext => {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    return auditContextFor(request.principal ?? ANONYMOUS_PRINCIPAL, request.id);
  },
);
