import { FactoryProvider, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RunsModule } from '../runs/runs.module';
import { DashboardController } from './dashboard.controller';
import { HumanNotesService } from './human-notes.service';
import { loadModelMappings, MODEL_MAPPINGS } from './model-catalog';
import type { ModelMappings } from './model-catalog';
import { ModelsService } from './models.service';
import { UsageService } from './usage.service';

/**
 * The dashboard's model catalog (config/models.yaml). AppModule.forRoot also runs this factory before
 * Nest starts anything: a broken catalog refuses start rather than serving half a dashboard.
 */
export const modelCatalogProvider = {
  provide: MODEL_MAPPINGS,
  inject: [AppConfig],
  useFactory: (config: AppConfig): ModelMappings => loadModelMappings(config.modelCatalogFile),
} satisfies FactoryProvider<ModelMappings>;

/** The operator dashboard's routes (`/dashboard/*`) and their data. No outbound calls. */
@Module({
  imports: [RunsModule],
  controllers: [DashboardController],
  providers: [UsageService, ModelsService, HumanNotesService, modelCatalogProvider],
})
export class DashboardModule {}
