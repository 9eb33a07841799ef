import { resolve } from 'node:path';

/** The project root: this file sits two levels below it, in `src/config` or `dist/config`. */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');
