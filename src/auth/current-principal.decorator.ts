import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ANONYMOUS_PRINCIPAL, AuthenticatedRequest, Principal } from './principal';

/** The principal the global guard attached to this request. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().principal ?? ANONYMOUS_PRINCIPAL,
);
