import { ResponseChecker } from '../fuzz/contract';
import { contract, FUZZ_RUNS, FUZZ_SEED, fuzzOperation, operations, startFuzzTarget } from '../fuzz/fuzz-app';
import type { FuzzTarget } from '../fuzz/fuzz-app';

/**
 * Contract-driven fuzzing (fast-check): for every operation of docs/openapi.json, FUZZ_RUNS valid,
 * broken and hostile requests (seeded by FUZZ_SEED) through the real app with valid credentials.
 * `npm run fuzz` runs 2000 per operation.
 */
describe(`contract fuzz (seed ${FUZZ_SEED}, ${FUZZ_RUNS} runs per operation)`, () => {
  let target: FuzzTarget;
  const checker = new ResponseChecker(contract);

  beforeAll(async () => {
    target = await startFuzzTarget();
  }, 120_000);
  afterAll(() => target?.close());

  it('reads every operation of the committed contract', () => {
    expect(operations.length).toBeGreaterThan(50);
    expect(operations.map((op) => op.id)).toContain('POST /runs/start');
  });

  it.each(operations.map((op) => [op.id, op] as const))(
    '%s: no 5xx, 4xx for broken input, only documented statuses and bodies',
    async (_id, op) => {
      await fuzzOperation(target, checker, op);
    },
    Math.max(120_000, FUZZ_RUNS * 1500),
  );
});
