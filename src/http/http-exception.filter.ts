import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { LoggerService } from '@nestjs/common';
import type { Response } from 'express';
import type { AuthenticatedRequest } from '../auth/principal';
import { redactString } from '../redaction/redactor';
import { sendError } from './error-envelope';
import type { ValidationDetailDto } from './error-response.dto';

/**
 * Every error leaves as the JSON envelope. Expected errors (HttpException) keep their status and
 * message; anything else is a bug: logged with its request id, answered with a bare 500 that carries
 * no stack trace, SQL or path.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: LoggerService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    const req = http.getRequest<AuthenticatedRequest>();
    const requestId = String(req.id ?? '');

    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
      const raw = typeof body === 'string' ? body : fields.message;
      const message = Array.isArray(raw) ? raw.join('; ') : typeof raw === 'string' ? raw : exception.message;
      const extra: Record<string, unknown> = {};
      if (Array.isArray(fields.detail)) extra.detail = fields.detail as ValidationDetailDto[];
      for (const [key, value] of Object.entries(fields)) {
        if (!['message', 'statusCode', 'error', 'detail'].includes(key)) extra[key] = value;
      }
      sendError(res, status, message, requestId, extra);
      return;
    }

    this.logger.error(
      {
        err:
          exception instanceof Error
            ? // A driver or library message can quote a connection string or a token: redact before logging.
              {
                type: exception.name,
                message: redactString(exception.message).value,
                stack: exception.stack === undefined ? undefined : redactString(exception.stack).value,
              }
            : redactString(String(exception)).value,
        request_id: requestId,
      },
      'unhandled error',
    );
    sendError(res, HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error', requestId);
  }
}
