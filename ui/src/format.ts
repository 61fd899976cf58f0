import { activeStates, type Accel, type Vm, type VmState } from './api/types';

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

/** A live VM has a QEMU (or one on its way): Stop and Force stop work in every such state. */
export function isActive(state: VmState): boolean {
  return activeStates.includes(state);
}

export const accelNames: Record<Accel, string> = {
  auto: 'Automatic (recommended)',
  kvm: 'KVM',
  hvf: 'HVF',
  tcg: 'TCG (emulation, slow)',
};

/** The accelerators to offer: auto, what this host has, and @current even when it has not. */
export function accelChoices(hostAccels: readonly Accel[], current: Accel = 'auto'): Accel[] {
  const all: Accel[] = ['auto', 'kvm', 'hvf', 'tcg'];
  return all.filter((a) => a === 'auto' || a === current || hostAccels.includes(a));
}

export function vmHref(name: string): string {
  return `#/vm/${encodeURIComponent(name)}`;
}

/** Where a VM's screen goes: noVNC in the browser, QEMU's own window in the desktop app. */
export function displayForHere(desktopApp: boolean): 'vnc' | 'window' {
  return desktopApp ? 'window' : 'vnc';
}

/** The usual screen resolutions, as WxH. */
export const resolutions = ['1280x800', '1920x1080', '2560x1440', '3840x2160'] as const;

/** A screen size as WxH. */
export function resolutionText(display: { width: number; height: number }): string {
  return `${display.width}x${display.height}`;
}

/** WxH as the width and height the API takes. */
export function parseResolution(text: string): { width: number; height: number } {
  const [width, height] = text.split('x').map(Number);
  return { width, height };
}

/** Bytes in binary units: "0 B", "512 KiB", "1.5 GiB". */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}
