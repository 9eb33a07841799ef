#!/usr/bin/env node
// `npm run fuzz`: the contract fuzzer with 2000 requests per operation (npm test runs 200). A node script
// rather than `FUZZ_RUNS=2000 jest …`, which Windows' cmd cannot run. FUZZ_RUNS and FUZZ_SEED set in the
// environment still win; extra arguments go to Jest (`npm run fuzz -- -t runs/start`).
'use strict';
process.chdir(require('node:path').join(__dirname, '..'));
process.env.FUZZ_RUNS ??= '2000';
require('jest')
  .run(['--ci', 'test/security/contract-fuzz', ...process.argv.slice(2)])
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
