import { FactoryProvider, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RunsModule } from '../runs/runs.module';
import { DashboardController } from './dashboard.controller';
import { DashboardService } from './dashboard.service';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { loadModelMappings, MODEL_MAPPINGS } from './model-catalog';
import type { ModelMappings } from './model-catalog';

/**
 * The dashboard's model catalog (config/models.yaml). AppModule.forRoot also runs this factory before
 * Nest starts anything: a broken catalog refuses start rather than serving half a dashboard.
 */
export const modelCatalogProvider = {
  provide: MODEL_MAPPINGS,
  inject: [AppConfig],
  useFactory: (config: AppConfig): ModelMappings => loadModelMappings(config.modelCatalogFile),
} satisfies FactoryProvider<ModelMappings>;

@Module({
  imports: [RunsModule],
  controllers: [MetricsController, DashboardController],
  providers: [modelCatalogProvider, MetricsService, DashboardService],
  exports: [MetricsService],
})
export class ObservabilityModule {}
