import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RunsModule } from '../runs/runs.module';
import { DashboardController } from './dashboard.controller';
import { HumanNotesService } from './human-notes.service';
import { loadModelMappings, MODEL_MAPPINGS } from './model-catalog';
import { ModelsService } from './models.service';
import { UsageService } from './usage.service';

/** The operator dashboard's routes (`/dashboard/*`) and their data. No outbound calls. */
@Module({
  imports: [RunsModule],
  controllers: [DashboardController],
  providers: [
    UsageService,
    ModelsService,
    HumanNotesService,
    // Validated at start: a broken catalog refuses start rather than serving half a dashboard.
    {
      provide: MODEL_MAPPINGS,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => loadModelMappings(config.modelCatalogFile),
    },
  ],
})
export class DashboardModule {}
