// What the wizard checks before it asks the server (which checks again):
// the host's limits from hostInfo and Windows 11's minimums.
import type { HostInfo, Preset } from '../../api/types';
import { gib } from '../../format';

export interface Resources {
  name: string;
  cpus: number;
  memoryGiB: number;
  diskGiB: number;
}

export type ResourceErrors = Partial<Record<keyof Resources, string>>;

export type Minimums = NonNullable<HostInfo['limits']['windows11']>;

/** Windows 11's minimums: hostInfo.limits.windows11 once the API says them;
 * until then the UI's one copy of what src/core/validate.c
 * (bvm_validate_windows11) enforces. */
export function windows11Minimums(host: Pick<HostInfo, 'limits'>): Minimums {
  return host.limits.windows11;
}

/** A preset's resources on this host: its vCPUs and memory as clamped to
 * the host (effective), its disk. */
export function resourcesOf(p: Preset, host: HostInfo): Omit<Resources, 'name'> {
  return {
    cpus: p.effective.cpus,
    memoryGiB: Math.min(p.effective.memoryMiB, host.limits.maxMemoryMiB) / 1024,
    diskGiB: p.diskGiB,
  };
}

export function checkResources(r: Resources, host: HostInfo, windows: boolean): ResourceErrors {
  const e: ResourceErrors = {};
  const l = host.limits;
  const win = windows ? windows11Minimums(host) : null;
  const name = r.name.trim();
  if (!name) e.name = 'Give the VM a name.';
  else if (name.includes('/')) e.name = 'A name cannot contain “/”.';
  else if (name.length > 64) e.name = 'At most 64 characters.';
  if (!Number.isInteger(r.cpus) || r.cpus < 1) e.cpus = 'At least 1 vCPU.';
  else if (r.cpus > l.maxCpus)
    e.cpus = `At most ${l.maxCpus} vCPUs: this host has ${host.cores} cores.`;
  else if (win && r.cpus < win.minCpus) e.cpus = `Windows 11 needs at least ${win.minCpus} vCPUs.`;
  const mib = Math.round(r.memoryGiB * 1024);
  if (!(mib >= l.minMemoryMiB)) e.memoryGiB = `At least ${l.minMemoryMiB} MiB.`;
  else if (mib > l.maxMemoryMiB)
    e.memoryGiB = `At most ${(l.maxMemoryMiB / 1024).toFixed(1)} GiB: the host keeps 2 GiB for itself.`;
  else if (win && mib < win.minMemoryMiB) e.memoryGiB = `Windows 11 needs at least ${gib(win.minMemoryMiB)}.`;
  if (!Number.isInteger(r.diskGiB) || r.diskGiB < l.minDiskGiB)
    e.diskGiB = `At least ${l.minDiskGiB} GiB, in whole GiB.`;
  else if (r.diskGiB > l.maxDiskGiB) e.diskGiB = `At most ${l.maxDiskGiB} GiB.`;
  else if (win && r.diskGiB < win.minDiskGiB) e.diskGiB = `Windows 11 needs at least ${win.minDiskGiB} GiB.`;
  return e;
}
