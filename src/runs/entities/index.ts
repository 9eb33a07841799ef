import { AuditorResult } from './auditor-result.entity';
import { BuilderResult } from './builder-result.entity';
import { PhaseIssue } from './phase-issue.entity';
import { RunErrorReport } from './run-error-report.entity';
import { RunPhase } from './run-phase.entity';
import { RunTier } from './run-tier.entity';
import { Run } from './run.entity';

/** Every entity of the runs module (registered in src/database/entities.ts). */
export const RUN_ENTITIES = [
  Run,
  RunTier,
  RunPhase,
  BuilderResult,
  AuditorResult,
  PhaseIssue,
  RunErrorReport,
];
