import { bodyInvalid, validationFailed } from './validation-errors';

describe('the one 422 builder', () => {
  const answer = (error: ReturnType<typeof validationFailed>) =>
    [error.getStatus(), error.getResponse()] as [number, { message: string; detail: unknown }];

  it('carries the wire format detail list and names the first problem', () => {
    const detail = [
      { loc: ['body', 'paths', 0], msg: 'path is absolute', type: 'invalid_path' },
      { loc: ['body', 'paths', 2], msg: 'path is empty', type: 'invalid_path' },
    ];
    expect(answer(validationFailed(detail))).toEqual([
      422,
      { message: 'Request body failed validation (paths.0: path is absolute)', detail },
    ]);
  });

  it('names the part of the request that is wrong (a header is not the body)', () => {
    const [, response] = answer(
      validationFailed([{ loc: ['header', 'idempotency-key'], msg: 'was used before', type: 'x' }]),
    );
    expect(response.message).toBe('Request header failed validation (idempotency-key: was used before)');
  });

  it('a problem with the whole body has no location prefix', () => {
    const [, response] = answer(
      validationFailed([{ loc: ['body'], msg: 'nested too deep', type: 'too_deep' }]),
    );
    expect(response.message).toBe('Request body failed validation (nested too deep)');
  });

  it('bodyInvalid is one detail entry under body', () => {
    expect(answer(bodyInvalid(['run', 'run_id'], 'is taken', 'value_error.taken'))).toEqual([
      422,
      {
        message: 'Request body failed validation (run.run_id: is taken)',
        detail: [{ loc: ['body', 'run', 'run_id'], msg: 'is taken', type: 'value_error.taken' }],
      },
    ]);
  });
});
