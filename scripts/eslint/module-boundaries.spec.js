// The boundary rule must be able to fail: each case is an import it exists to catch, or one it must allow.
const path = require('node:path');
const { RuleTester } = require('eslint');
const { rule } = require('./module-boundaries');

const srcRoot = path.resolve('/project/src');
const at = (file) => path.join(srcRoot, file);
const tester = new RuleTester({ languageOptions: { parser: require('typescript-eslint').parser } });

tester.run('module-boundaries', rule, {
  valid: [
    // Its own entities, from anywhere in the module (auth/api-keys → auth/users is one module).
    { code: "import { Run } from './entities/run.entity';", filename: at('runs/run-queries.service.ts') },
    { code: "import { User } from '../users/user.entity';", filename: at('auth/api-keys/api-keys.service.ts') },
    // Another module's service, DTO or helper.
    { code: "import { RunQueriesService } from '../runs/run-queries.service';", filename: at('dashboard/usage.service.ts') },
    { code: "import { ownerFilterFor } from '../access/visibility';", filename: at('governance/x.ts') },
    // The entity registry and the maintenance tools may import every entity.
    { code: "import { Run } from '../runs/entities/run.entity';", filename: at('database/entities.ts') },
    { code: "import { User } from '../auth/users/user.entity';", filename: at('cli/users-create.ts') },
    // Packages are not modules.
    { code: "import { Entity } from 'typeorm';", filename: at('runs/entities/run.entity.ts') },
  ].map((test) => ({ ...test, options: [{ srcRoot }] })),
  invalid: [
    { code: "import { OAuthCredential } from '../provider-credentials/oauth-credential.entity';", filename: at('external-actions/action-claims.service.ts') },
    { code: "import type { Run } from '../runs/entities/run.entity';", filename: at('governance/x.ts') },
    { code: "import { Run } from '../../runs/entities/index';", filename: at('dashboard/dto/x.dto.ts') },
    { code: "export { ApiKeyRecord } from '../auth/api-keys/api-key.entity';", filename: at('approvals/x.ts') },
    { code: "import { RunsReadController } from '../runs/runs-read.controller';", filename: at('dashboard/x.module.ts') },
    { code: "const m = import('../audit/entities/audit-event.entity');", filename: at('runs/x.ts') },
  ].map((test) => ({ ...test, options: [{ srcRoot }], errors: [{ messageId: 'foreign' }] })),
});
