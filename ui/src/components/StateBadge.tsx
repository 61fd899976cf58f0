import type { VmState } from '../api/types';
import { stateLabels } from '../format';

export function StateBadge({ state, label }: { state: VmState; label?: string }) {
  return (
    <span className={`badge state-${state}`} role="status" aria-label={label ?? `State: ${stateLabels[state]}`}>
      {stateLabels[state]}
    </span>
  );
}
