import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { PhaseWritesService } from './phase-writes.service';
import { ProjectIssuesController } from './project-issues.controller';
import { RunErrorsService } from './run-errors.service';
import { RunIssuesService } from './run-issues.service';
import { RunOperatorWritesService } from './run-operator-writes.service';
import { PhaseResultsService } from './phase-results.service';
import { RunQueriesService } from './run-queries.service';
import { RunStartService } from './run-start.service';
import { RunsExecutorController } from './runs-executor.controller';
import { RunsReadController } from './runs-read.controller';

/** Runs, tiers, phases, results, issues and error reports: the executor lifecycle and the operator views. */
@Module({
  imports: [EventsModule],
  controllers: [RunsExecutorController, RunsReadController, ProjectIssuesController],
  providers: [
    RunStartService,
    PhaseWritesService,
    RunQueriesService,
    RunIssuesService,
    RunErrorsService,
    RunOperatorWritesService,
    PhaseResultsService,
  ],
  exports: [RunQueriesService, RunOperatorWritesService],
})
export class RunsModule {}
