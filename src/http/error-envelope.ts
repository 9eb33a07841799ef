import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';
import type { ErrorResponseDto } from './error-response.dto';

/** Writes the one error envelope of this API. */
export function sendError(
  res: Response,
  statusCode: number,
  message: string,
  requestId: string,
  extra: Partial<ErrorResponseDto> = {},
): void {
  const body: ErrorResponseDto = {
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message,
    request_id: requestId,
    ...extra,
  };
  res.status(statusCode).json(body);
}
