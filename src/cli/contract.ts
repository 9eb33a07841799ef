import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../app.module';
import { renderConfigTable } from '../config/config-docs';
import { loadConfig, PROJECT_ROOT } from '../config/load-config';
import { loadExternalActionsPolicy, renderPolicyTable } from '../external-actions/external-actions-policy';
import { renderExpiryTable } from '../approvals/expiry-kinds';
import { EXPIRY_SWEEP_INTERVAL_MS } from '../approvals/expiry-scheduler';
import { renderLifecycleDiagram } from '../external-actions/action-lifecycle';
import { renderSwitchTable } from '../external-actions/kill-switches.service';
import { RATE_LIMITS } from '../rate-limit/rate-limits';
import { renderEventTypesTable } from '../events/event-types';
import { loadPathPolicy, renderPathPolicy } from '../governance/path-policy';
import { describeDifference, fillGeneratedBlocks, renderEndpointReference } from '../openapi/contract';
import { buildOpenApiDocument } from '../openapi/openapi';

const OPENAPI_FILE = join(PROJECT_ROOT, 'docs', 'openapi.json');
const CONTRACT_FILE = join(PROJECT_ROOT, 'docs', 'CANONICAL_API_CONTRACT.md');
const GOVERNANCE_FILE = join(PROJECT_ROOT, 'docs', 'GOVERNANCE.md');
const EXTERNAL_ACTIONS_FILE = join(PROJECT_ROOT, 'docs', 'EXTERNAL_ACTIONS.md');
const README_FILE = join(PROJECT_ROOT, 'README.md');
const EVENTS_FILE = join(PROJECT_ROOT, 'docs', 'EVENTS.md');

/**
 * Builds the contract from the code alone (no database, no port: Nest's preview mode wires the module
 * graph without instantiating providers) and writes it, or checks the committed files against it.
 */
async function generate(): Promise<Map<string, string>> {
  // A fixed configuration: the generated files must not depend on the machine that makes them.
  const config = loadConfig({
    AUTOPACK_ENV: 'development',
    AUTOPACK_API_KEY: 'contract-generation-placeholder',
    DATABASE_URL: 'postgres://contract@127.0.0.1:5432/contract',
    AUTOPACK_DATA_DIR: join(tmpdir(), 'autopack-contract'),
    LOG_LEVEL: 'silent',
  });
  const app = await NestFactory.create(AppModule.forRoot(config), {
    preview: true,
    logger: false,
    bodyParser: false,
  });
  const document = buildOpenApiDocument(app, config);
  await app.close();

  const switches = renderSwitchTable();
  const expiry = renderExpiryTable(EXPIRY_SWEEP_INTERVAL_MS / 1000);
  // Each hand-written document and the blocks in it that are generated from the code.
  const generatedBlocks: Array<[string, Record<string, string>]> = [
    [
      CONTRACT_FILE,
      {
        endpoints: renderEndpointReference(document, `${RATE_LIMITS.default.perMinute}/min (default)`),
        'kill-switches': switches,
      },
    ],
    [
      EXTERNAL_ACTIONS_FILE,
      {
        // The policy as the code reads it: config/external-actions-policy.yaml, validated like at start.
        'external-actions-policy': renderPolicyTable(
          loadExternalActionsPolicy(config.externalActionsPolicyFile),
        ),
        'kill-switches': switches,
        'action-lifecycle': renderLifecycleDiagram(),
        expiry,
      },
    ],
    [
      GOVERNANCE_FILE,
      { 'governance-policy': renderPathPolicy(loadPathPolicy(config.governancePolicyFile)), expiry },
    ],
    [EVENTS_FILE, { 'event-types': renderEventTypesTable() }],
    // The configuration table, from the declarations in src/config/config-variables.ts.
    [README_FILE, { 'config-table': renderConfigTable() }],
  ];
  return new Map([
    [OPENAPI_FILE, `${JSON.stringify(document, null, 2)}\n`],
    ...generatedBlocks.map(
      ([file, blocks]) => [file, fillGeneratedBlocks(readFileSync(file, 'utf8'), blocks)] as [string, string],
    ),
  ]);
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode !== 'write' && mode !== 'check') throw new Error('usage: contract write | check');
  const files = await generate();
  let drift = 0;
  for (const [file, content] of files) {
    const relativeName = file.slice(PROJECT_ROOT.length + 1);
    if (mode === 'write') {
      writeFileSync(file, content);
      console.log(`wrote ${relativeName}`);
      continue;
    }
    const committed = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (committed !== content) {
      drift++;
      console.error(
        `${relativeName} is not what the code generates:\n${describeDifference(committed, content)}\n`,
      );
    }
  }
  if (drift > 0) {
    console.error('Generated files are not up to date: run "npm run contract" and commit the result.');
    process.exit(1);
  }
  if (mode === 'check') console.log('contract is up to date');
}

main().catch((error: unknown) => {
  console.error(`contract: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
