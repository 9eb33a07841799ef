// Every migration, oldest first. `npm run migration:generate -- Name` appends new ones here.
import { AuditLog1795281010044 } from './1795281010044-AuditLog';
import { Foundation1795280492457 } from './1795280492457-Foundation';
export const MIGRATIONS = [Foundation1795280492457, AuditLog1795281010044];
