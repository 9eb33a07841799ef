import { AuditModule } from '../audit/audit.module';
import { EventsModule } from '../events/events.module';
import { Module } from '@nestjs/common';
import { OAuthController } from './oauth.controller';
import { OAuthCredentialsService } from './oauth-credentials.service';
import { OAuthRefreshService } from './oauth-refresh.service';
import { OAuthTokenClient } from './oauth-token.client';

/** The encrypted OAuth credential store and its refresh grant. */
@Module({
  imports: [AuditModule, EventsModule],
  controllers: [OAuthController],
  providers: [OAuthCredentialsService, OAuthRefreshService, OAuthTokenClient],
  exports: [OAuthCredentialsService, OAuthRefreshService],
})
export class ProviderCredentialsModule {}
