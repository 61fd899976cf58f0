import type { Dispatch } from 'react';
import type { HostInfo } from '../../../api/types';
import type { WizardAction, WizardState } from '../state';

/** What every step gets: the state, the host (loaded), and the way to change the state. */
export interface StepProps {
  state: WizardState;
  host: HostInfo;
  dispatch: Dispatch<WizardAction>;
}
