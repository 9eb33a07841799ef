import { humanState, stateTone } from './shared';

/** A state as a badge: text for everyone (colour is only a second cue). */
export function StateBadge({ state }: { state: string }) {
  return <span class={`pill ${stateTone(state)}`}>{humanState(state)}</span>;
}

/** A progress bar with its numbers in words (screen readers get the label and value). */
export function Progress({ done, total, label }: { done: number; total: number; label: string }) {
  return (
    <span class="progress-wrap">
      <progress max={Math.max(total, 1)} value={done} aria-label={label} />
      <span class="muted">
        {done}/{total}
      </span>
    </span>
  );
}
