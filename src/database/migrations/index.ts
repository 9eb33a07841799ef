// Every migration, oldest first. `npm run migration:generate -- Name` appends new ones here.
import { Foundation1795280492457 } from './1795280492457-Foundation';
export const MIGRATIONS = [Foundation1795280492457];
