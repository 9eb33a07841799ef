import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ArtifactsModule } from './artifacts/artifacts.module';
import { AuditModule } from './audit/audit.module';
import { AuthGuard } from './auth/auth.guard';
import { AuthModule } from './auth/auth.module';
import { ProviderCredentialsModule } from './provider-credentials/provider-credentials.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { dataSourceOptions } from './database/data-source-options';
import { runPendingMigrations } from './database/migrate';
import { GovernanceModule, governancePolicyProvider } from './governance/governance.module';
import { InboxModule } from './inbox/inbox.module';
import {
  ExternalActionsModule,
  externalActionsPolicyProvider,
} from './external-actions/external-actions.module';
import { EventsModule } from './events/events.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { HealthModule } from './health/health.module';
import { ObservabilityModule } from './observability/observability.module';
import { DashboardModule, modelCatalogProvider } from './dashboard/dashboard.module';
import { LoggingModule } from './http/logging';
import { PrincipalThrottlerGuard } from './rate-limit/principal-throttler.guard';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RunsModule } from './runs/runs.module';
import { RunControlModule } from './run-control/run-control.module';

/**
 * The providers that load a file at start, each declared by its own module. Nest instantiates modules
 * concurrently: a factory failing there would leave the TypeORM module connecting and migrating behind
 * the refused app. So forRoot runs these factories first, while the app is only being described: an
 * invalid file refuses start with one ConfigError line before Nest connects to anything.
 */
const START_FILE_PROVIDERS = [governancePolicyProvider, externalActionsPolicyProvider, modelCatalogProvider];

/** Loads and validates every file the modules read at start; throws the first ConfigError. */
export function validateStartFiles(config: AppConfig): void {
  for (const provider of START_FILE_PROVIDERS) provider.useFactory(config);
}

@Module({})
export class AppModule {
  /** The whole app for one configuration. Pending migrations are applied when the data source opens. */
  static forRoot(config: AppConfig): DynamicModule {
    validateStartFiles(config);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config),
        TypeOrmModule.forRootAsync({
          useFactory: () => {
            if (!config.databaseUrl) throw new Error('AppModule needs a database URL (see openDatabase)');
            return { ...dataSourceOptions(config.databaseUrl), retryAttempts: 0 };
          },
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            await runPendingMigrations(dataSource);
            return dataSource;
          },
        }),
        RateLimitModule,
        AuthModule,
        ProviderCredentialsModule,
        HealthModule,
        ObservabilityModule,
        DashboardModule,
        RunsModule,
        ArtifactsModule,
        AuditModule,
        GovernanceModule,
        ExternalActionsModule,
        InboxModule,
        EventsModule,
        IdempotencyModule,
        RunControlModule,
        WebhooksModule,
      ],
      providers: [
        // Order matters: authentication decides the principal the rate limiter counts against.
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_GUARD, useClass: PrincipalThrottlerGuard },
      ],
    };
  }
}
