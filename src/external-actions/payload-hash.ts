import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json/canonical-json';

/** sha256 (hex) of the RFC 8785 canonical JSON of a payload: what approvals and claims are bound to. */
export const payloadHashOf = (payload: unknown): string =>
  createHash('sha256').update(canonicalJson(payload), 'utf8').digest('hex');
