// Every migration, oldest first. `npm run migration:generate -- Name` appends new ones here.
import { SsoIdentities1796500000000 } from './1796500000000-SsoIdentities';
import { RunControl1796600000001 } from './1796600000001-RunControl';
import { IdempotencyKeys1796600000000 } from './1796600000000-IdempotencyKeys';
import { Webhooks1796310515432 } from './1796310515432-Webhooks';
import { Events1796309044594 } from './1796309044594-Events';
import { PasswordTokens1796400000000 } from './1796400000000-PasswordTokens';
import { Sessions1796309760471 } from './1796309760471-Sessions';
import { TokenSavings1795288595893 } from './1795288595893-TokenSavings';
import { Dashboard1795286831957 } from './1795286831957-Dashboard';
import { Governance1795285838154 } from './1795285838154-Governance';
import { ExternalActions1795285744591 } from './1795285744591-ExternalActions';
import { Identity1795280959491 } from './1795280959491-Identity';
import { AuditLog1795281010044 } from './1795281010044-AuditLog';
import { Runs1795281072053 } from './1795281072053-Runs';
import { Foundation1795280492457 } from './1795280492457-Foundation';
import { UnloggedRateLimits1795286500000 } from './1795286500000-UnloggedRateLimits';
import { RateLimitReservations1796700000000 } from './1796700000000-RateLimitReservations';
import { RunsOwnerKeysetIndex1796700000001 } from './1796700000001-RunsOwnerKeysetIndex';
import { KeysetListIndexes1796800000000 } from './1796800000000-KeysetListIndexes';
export const MIGRATIONS = [
  Foundation1795280492457,
  Identity1795280959491,
  AuditLog1795281010044,
  Runs1795281072053,
  ExternalActions1795285744591,
  Governance1795285838154,
  UnloggedRateLimits1795286500000,
  Dashboard1795286831957,
  TokenSavings1795288595893,
  Events1796309044594,
  Sessions1796309760471,
  Webhooks1796310515432,
  PasswordTokens1796400000000,
  SsoIdentities1796500000000,
  IdempotencyKeys1796600000000,
  RunControl1796600000001,
  RateLimitReservations1796700000000,
  RunsOwnerKeysetIndex1796700000001,
  KeysetListIndexes1796800000000,
];
