import type { PhaseResponseDto, RunResponseDto, TierResponseDto } from './dto/run-response.dto';
import type { RunPhase } from './entities/run-phase.entity';
import type { RunTier } from './entities/run-tier.entity';
import type { Run } from './entities/run.entity';

/** Entity → wire shape (snake_case, ISO-8601 UTC timestamps). */

export const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);

export function phaseView(phase: RunPhase): PhaseResponseDto {
  return {
    id: phase.id,
    phase_id: phase.phaseId,
    run_id: phase.runId,
    tier_id: phase.tierId,
    name: phase.name,
    description: phase.description,
    state: phase.state,
    task_category: phase.taskCategory,
    complexity: phase.complexity,
    builder_mode: phase.builderMode,
    phase_index: phase.phaseIndex,
    scope: phase.scope,
    intention_refs: phase.intentionRefs,
    builder_attempts: phase.builderAttempts,
    tokens_used: phase.tokensUsed,
    minor_issues_count: phase.minorIssuesCount,
    major_issues_count: phase.majorIssuesCount,
    quality_level: phase.qualityLevel,
    quality_blocked: phase.qualityBlocked,
    started_at: iso(phase.startedAt),
    completed_at: iso(phase.completedAt),
    attempt: phase.attempt,
  };
}

/** Phases ordered as the wire format promises: by tier_index, then phase_index (then phase_id, for ties). */
export function orderPhases(phases: readonly RunPhase[], tiers: readonly RunTier[]): RunPhase[] {
  const tierIndex = new Map(tiers.map((t) => [t.tierId, t.tierIndex]));
  return [...phases].sort(
    (a, b) =>
      (tierIndex.get(a.tierId) ?? 0) - (tierIndex.get(b.tierId) ?? 0) ||
      a.phaseIndex - b.phaseIndex ||
      a.phaseId.localeCompare(b.phaseId),
  );
}

export function orderTiers(tiers: readonly RunTier[]): RunTier[] {
  return [...tiers].sort((a, b) => a.tierIndex - b.tierIndex || a.tierId.localeCompare(b.tierId));
}

export function runView(run: Run, tiers: readonly RunTier[], phases: readonly RunPhase[]): RunResponseDto {
  const orderedPhases = orderPhases(phases, tiers).map(phaseView);
  const tierViews: TierResponseDto[] = orderTiers(tiers).map((tier) => ({
    id: tier.id,
    tier_id: tier.tierId,
    name: tier.name,
    description: tier.description,
    state: tier.state,
    tier_index: tier.tierIndex,
    cleanliness: tier.cleanliness,
    minor_issues_count: tier.minorIssuesCount,
    major_issues_count: tier.majorIssuesCount,
    phases: orderedPhases.filter((p) => p.tier_id === tier.tierId),
  }));
  return {
    id: run.id,
    state: run.state,
    safety_profile: run.safetyProfile,
    run_scope: run.runScope,
    created_at: run.createdAt.toISOString(),
    started_at: iso(run.startedAt),
    completed_at: iso(run.completedAt),
    tokens_used: run.tokensUsed,
    token_cap: run.tokenCap,
    max_phases: run.maxPhases,
    max_duration_minutes: run.maxDurationMinutes,
    ci_runs_used: run.ciRunsUsed,
    minor_issues_count: run.minorIssuesCount,
    major_issues_count: run.majorIssuesCount,
    promotion_eligible_to_main: run.promotionEligibleToMain ? 'true' : 'false',
    debt_status: run.debtStatus,
    failure_reason: run.failureReason,
    owner_principal_id: run.ownerPrincipalId,
    cancelled_by: run.cancelledBy,
    cancelled_at: iso(run.cancelledAt),
    cancel_reason: run.cancelReason,
    tiers: tierViews,
    phases: orderedPhases,
  };
}
