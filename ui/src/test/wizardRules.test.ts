import { describe, expect, it } from 'vitest';
import type { HostInfo } from '../api/types';
import { checkResources } from '../pages/wizard/rules';

const host: HostInfo = {
  os: 'linux',
  arch: 'x86_64',
  cores: 2,
  memoryMiB: 8192,
  kvm: false,
  hvf: false,
  desktop: false,
  kvmError: null,
  accels: ['tcg'],
  limits: {
    maxCpus: 2,
    minMemoryMiB: 512,
    maxMemoryMiB: 6144,
    minDiskGiB: 1,
    maxDiskGiB: 16384,
    windows11: { minCpus: 2, minMemoryMiB: 4096, minDiskGiB: 64 },
  },
};

describe('checkResources', () => {
  it('accepts what fits the host', () => {
    expect(checkResources({ name: 'a', cpus: 2, memoryGiB: 1, diskGiB: 2 }, host, false)).toEqual({});
  });
  it('names each limit it breaks', () => {
    const e = checkResources({ name: '', cpus: 999, memoryGiB: 64, diskGiB: 0 }, host, false);
    expect(e.name).toMatch(/name/);
    expect(e.cpus).toBe('At most 2 vCPUs: this host has 2 cores.');
    expect(e.memoryGiB).toMatch(/At most 6.0 GiB/);
    expect(e.diskGiB).toMatch(/At least 1 GiB/);
  });
  it("applies Windows 11's minimums", () => {
    const e = checkResources({ name: 'w', cpus: 1, memoryGiB: 2, diskGiB: 32 }, host, true);
    expect(e.cpus).toMatch(/Windows 11 needs at least 2/);
    expect(e.memoryGiB).toMatch(/4 GiB/);
    expect(e.diskGiB).toMatch(/64 GiB/);
  });
  it('refuses a slash in the name and a fractional vCPU count', () => {
    const e = checkResources({ name: 'a/b', cpus: 1.5, memoryGiB: 1, diskGiB: 2 }, host, false);
    expect(e.name).toMatch(/“\/”/);
    expect(e.cpus).toBeDefined();
  });
});
