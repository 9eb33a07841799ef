import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module';
import { ArtifactsController } from './artifacts.controller';
import { ArtifactsService } from './artifacts.service';

/** Run artifacts: listing and reading files under AUTOPACK_RUNS_ROOT/<run_id>/, safely. */
@Module({
  imports: [RunsModule],
  controllers: [ArtifactsController],
  providers: [ArtifactsService],
})
export class ArtifactsModule {}
