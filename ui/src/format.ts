import type { Vm, VmState } from './api/types';

export const osNames: Record<Vm['os'], string> = {
  windows11: 'Windows 11',
  linux: 'Linux',
  other: 'Other',
};

export function gib(mib: number): string {
  const g = mib / 1024;
  return `${Number.isInteger(g) ? g : g.toFixed(1)} GiB`;
}

export const stateLabels: Record<VmState, string> = {
  stopped: 'Stopped',
  starting: 'Starting',
  running: 'Running',
  paused: 'Paused',
  stopping: 'Stopping',
  crashed: 'Crashed',
};

export function isActive(state: VmState): boolean {
  return state === 'running' || state === 'starting' || state === 'paused' || state === 'stopping';
}

export function vmHref(name: string): string {
  return `#/vm/${encodeURIComponent(name)}`;
}

/** Where a VM's screen goes: noVNC in the browser, QEMU's own window in the desktop app. */
export function displayForHere(desktopApp: boolean): 'vnc' | 'window' {
  return desktopApp ? 'window' : 'vnc';
}
