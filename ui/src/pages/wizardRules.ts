// What the wizard checks before it asks the server (which checks again):
// the host's limits from hostInfo and Windows 11's minimums.
import type { HostInfo } from '../api/types';

export interface Resources {
  name: string;
  cpus: number;
  memoryGiB: number;
  diskGiB: number;
}

export type ResourceErrors = Partial<Record<keyof Resources, string>>;

export function checkResources(r: Resources, host: HostInfo, windows: boolean): ResourceErrors {
  const e: ResourceErrors = {};
  const l = host.limits;
  const name = r.name.trim();
  if (!name) e.name = 'Give the VM a name.';
  else if (name.includes('/')) e.name = 'A name cannot contain “/”.';
  else if (name.length > 64) e.name = 'At most 64 characters.';
  if (!Number.isInteger(r.cpus) || r.cpus < 1) e.cpus = 'At least 1 vCPU.';
  else if (r.cpus > l.maxCpus)
    e.cpus = `At most ${l.maxCpus} vCPUs: this host has ${host.cores} cores.`;
  else if (windows && r.cpus < 2) e.cpus = 'Windows 11 needs at least 2 vCPUs.';
  const mib = Math.round(r.memoryGiB * 1024);
  if (!(mib >= l.minMemoryMiB)) e.memoryGiB = `At least ${l.minMemoryMiB} MiB.`;
  else if (mib > l.maxMemoryMiB)
    e.memoryGiB = `At most ${(l.maxMemoryMiB / 1024).toFixed(1)} GiB: the host keeps 2 GiB for itself.`;
  else if (windows && mib < 4096) e.memoryGiB = 'Windows 11 needs at least 4 GiB.';
  if (!Number.isInteger(r.diskGiB) || r.diskGiB < l.minDiskGiB)
    e.diskGiB = `At least ${l.minDiskGiB} GiB, in whole GiB.`;
  else if (r.diskGiB > l.maxDiskGiB) e.diskGiB = `At most ${l.maxDiskGiB} GiB.`;
  else if (windows && r.diskGiB < 64) e.diskGiB = 'Windows 11 needs at least 64 GiB.';
  return e;
}

export const resolutions = ['1280x800', '1920x1080', '2560x1440', '3840x2160'] as const;
