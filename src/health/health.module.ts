import { Module } from '@nestjs/common';
import { ExternalActionsModule } from '../external-actions/external-actions.module';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({ imports: [ExternalActionsModule], controllers: [HealthController], providers: [HealthService] })
export class HealthModule {}
