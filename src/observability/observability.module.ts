import { RunsModule } from '../runs/runs.module';
import { DashboardController } from './dashboard.controller';
import { DashboardService } from './dashboard.service';
import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

@Module({
  imports: [RunsModule],
  controllers: [MetricsController, DashboardController],
  providers: [MetricsService, DashboardService],
  exports: [MetricsService],
})
export class ObservabilityModule {}
