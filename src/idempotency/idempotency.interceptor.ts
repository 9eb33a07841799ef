import { Injectable } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Response } from 'express';
import { from, lastValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import type { AuthenticatedRequest } from '../auth/principal';
import { canonicalJson, CanonicalJsonError } from '../canonical-json/canonical-json';
import { AppConfig } from '../config/app-config';
import { bodyInvalid } from '../http/validation-errors';
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  idempotencyKeyReused,
  parseIdempotencyKey,
} from './idempotency-key';
import { idempotencyScope, IdempotentReplay, storedResponse } from './idempotent-transaction';
import type { IdempotencyScope } from './idempotent-transaction';

/**
 * Serves `Idempotency-Key` on the executor writes (`@Idempotent()`). Without the header the route works
 * as before. With it: a stored response of the same request is answered again (same status and body,
 * `Idempotent-Replayed: true`) and nothing is written; a stored response of another request under the
 * key is a 422; otherwise the handler runs with the key in scope and its write's transaction
 * (`idempotentTransaction`) stores the response atomically with the write — or answers 409 while another
 * request holds the key.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<AuthenticatedRequest>();
    const header = req.headers[IDEMPOTENCY_KEY_HEADER];
    if (header === undefined) return next.handle();
    return from(this.handle(req, http.getResponse<Response>(), parseIdempotencyKey(header), next));
  }

  private async handle(
    req: AuthenticatedRequest,
    res: Response,
    key: string,
    next: CallHandler,
  ): Promise<unknown> {
    // The guard ran first: every route this serves is authenticated.
    const principalId = req.principal?.id ?? 'anonymous';
    const request = `${req.method} ${req.path}`;
    const scope: IdempotencyScope = {
      principalId,
      key,
      request,
      requestSha256: requestHashOf(req.method, req.path, req.body),
      status: res.statusCode,
      expiresAt: new Date(Date.now() + this.config.idempotencyKeyTtlHours * 3600_000),
      recorded: false,
    };
    const stored = await storedResponse(this.dataSource, principalId, key);
    if (stored !== null) return replay(res, scope, stored);
    try {
      const result = await idempotencyScope.run(scope, () =>
        lastValueFrom(next.handle(), { defaultValue: undefined }),
      );
      if (scope.recorded) return result;
      // The handler wrote nothing under the key (e.g. /runs/start recognised an identical earlier start):
      // if a request with the key committed meanwhile, its answer is the answer.
      const meanwhile = await storedResponse(this.dataSource, principalId, key);
      return meanwhile !== null ? replay(res, scope, meanwhile) : result;
    } catch (error) {
      if (error instanceof IdempotentReplay) return replay(res, scope, error.record);
      throw error;
    }
  }
}

function replay(
  res: Response,
  scope: IdempotencyScope,
  stored: { requestSha256?: string; responseStatus: number; responseBody: unknown },
): unknown {
  if (stored.requestSha256 !== undefined && stored.requestSha256 !== scope.requestSha256) {
    throw idempotencyKeyReused('request');
  }
  res.status(stored.responseStatus);
  res.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
  return stored.responseBody;
}

/** sha256 of the canonical JSON of what makes two requests the same: method, path and body. */
function requestHashOf(method: string, path: string, body: unknown): string {
  try {
    return createHash('sha256')
      .update(canonicalJson({ method, path, body: body ?? null }), 'utf8')
      .digest('hex');
  } catch (error) {
    if (error instanceof CanonicalJsonError) throw bodyInvalid([], error.message, 'value_error.unicode');
    throw error;
  }
}
