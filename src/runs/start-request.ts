import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json/canonical-json';
import type { PhaseCreateDto, RunStartDto, TierCreateDto } from './dto/run-start.dto';

/** A start request with every default filled in and `scope` normalised: what is stored and fingerprinted. */
export interface NormalizedStartRequest {
  run: {
    run_id: string;
    safety_profile: string;
    run_scope: string;
    token_cap: number;
    max_phases: number;
    max_duration_minutes: number;
  };
  tiers: Array<{ tier_id: string; tier_index: number; name: string; description: string | null }>;
  phases: Array<{
    phase_id: string;
    phase_index: number;
    tier_id: string;
    name: string;
    description: string | null;
    task_category: string | null;
    complexity: string | null;
    builder_mode: string | null;
    scope: Record<string, unknown> | null;
    intention_refs: Record<string, number[]> | null;
  }>;
}

/**
 * `scope.read_only_context` entries may be strings or `{ path, reason }`; they are stored as
 * `{ path, reason }` (a string becomes `{ path: s, reason: "" }`, entries without a path are dropped).
 */
export function normalizeScope(
  scope: Record<string, unknown> | null | undefined,
): Record<string, unknown> | null {
  if (scope === null || scope === undefined) return null;
  const entries = scope.read_only_context;
  if (!Array.isArray(entries)) return { ...scope };
  const normalized = entries.flatMap((entry: unknown) => {
    if (typeof entry === 'string') return [{ path: entry, reason: '' }];
    if (entry !== null && typeof entry === 'object') {
      const { path, reason } = entry as { path?: unknown; reason?: unknown };
      if (typeof path === 'string' && path !== '') {
        return [{ path, reason: typeof reason === 'string' ? reason : '' }];
      }
    }
    return [];
  });
  return { ...scope, read_only_context: normalized };
}

const tierOf = (t: TierCreateDto) => ({
  tier_id: t.tier_id,
  tier_index: t.tier_index,
  name: t.name,
  description: t.description ?? null,
});

const phaseOf = (p: PhaseCreateDto) => ({
  phase_id: p.phase_id,
  phase_index: p.phase_index,
  tier_id: p.tier_id,
  name: p.name,
  description: p.description ?? null,
  task_category: p.task_category ?? null,
  complexity: p.complexity ?? null,
  builder_mode: p.builder_mode ?? null,
  scope: normalizeScope(p.scope),
  intention_refs: p.intention_refs
    ? {
        success_criteria: p.intention_refs.success_criteria ?? [],
        constraints_must: p.intention_refs.constraints_must ?? [],
        constraints_must_not: p.intention_refs.constraints_must_not ?? [],
        constraints_preferences: p.intention_refs.constraints_preferences ?? [],
      }
    : null,
});

export function normalizeStartRequest(dto: RunStartDto, defaultTokenCap: number): NormalizedStartRequest {
  return {
    run: {
      run_id: dto.run.run_id,
      safety_profile: dto.run.safety_profile ?? 'normal',
      run_scope: dto.run.run_scope ?? 'multi_tier',
      token_cap: dto.run.token_cap ?? defaultTokenCap,
      max_phases: dto.run.max_phases ?? 25,
      max_duration_minutes: dto.run.max_duration_minutes ?? 120,
    },
    tiers: (dto.tiers ?? []).map(tierOf),
    phases: (dto.phases ?? []).map(phaseOf),
  };
}

/**
 * Identifies a start request by content: a retry with the same body has the same fingerprint. Throws
 * `CanonicalJsonError` for what has no canonical form (a lone UTF-16 surrogate in a string).
 */
export function startRequestFingerprint(request: NormalizedStartRequest): string {
  return createHash('sha256').update(canonicalJson(request), 'utf8').digest('hex');
}
