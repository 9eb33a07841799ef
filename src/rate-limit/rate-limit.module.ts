import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { PostgresThrottlerStorage } from './postgres-throttler.storage';
import { RATE_LIMIT_WINDOW_MS } from './rate-limits';

export const DEFAULT_THROTTLER = 'default';

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, DataSource],
      useFactory: (config: AppConfig, dataSource: DataSource) => ({
        throttlers: [
          { name: DEFAULT_THROTTLER, ttl: RATE_LIMIT_WINDOW_MS, limit: config.rateLimits.default },
        ],
        storage: new PostgresThrottlerStorage(dataSource),
        errorMessage: 'Too many requests; retry after the number of seconds in Retry-After',
      }),
    }),
  ],
  exports: [ThrottlerModule],
})
export class RateLimitModule {}
