import { Module } from '@nestjs/common';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { AuthGuard } from './auth.guard';

@Module({
  providers: [ApiKeyAuthenticator, AuthGuard],
  exports: [ApiKeyAuthenticator, AuthGuard],
})
export class AuthModule {}
