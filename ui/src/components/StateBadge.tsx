import type { VmState } from '../api/types';
import { stateLabels } from '../format';

/** The state as a badge; @reason (the status's, when there is one) as its tooltip. */
export function StateBadge({ state, label, reason }: { state: VmState; label?: string; reason?: string | null }) {
  return (
    <span
      className={`badge state-${state}`}
      role="status"
      aria-label={label ?? `State: ${stateLabels[state]}`}
      title={reason ?? undefined}
    >
      {stateLabels[state]}
    </span>
  );
}
