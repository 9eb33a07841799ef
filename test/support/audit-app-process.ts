/**
 * One app process for the multi-process audit test: the real app (AppModule + HTTP setup) with the audit
 * probe. Started by the test with `node -r ts-node/register/transpile-only`.
 */
import 'reflect-metadata';
import { AuditModule } from '../../src/audit/audit.module';
import { AuditProbeController } from '../helpers/audit-probe.controller';
import { serveAppProcess } from './serve-app-process';

serveAppProcess({ controllers: [AuditProbeController], imports: [AuditModule] });
