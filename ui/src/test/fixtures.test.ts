// The C dispatcher's real answers (tests/fixtures/api, recorded by
// tests/unit/test-api.c) must fit the UI's types exactly: a member renamed,
// retyped, added or dropped on either side fails here.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validate, type Schema } from '../api/schema';
import {
  CloneSchema,
  CommandSchema,
  ErrorSchema,
  HostInfoSchema,
  LogsSchema,
  PlanSchema,
  PresetListSchema,
  SnapshotListSchema,
  SnapshotSchema,
  ValidateIsoSchema,
  VmListSchema,
  VmSchema,
  VmStatusSchema,
} from '../api/types';

const dir = path.resolve(__dirname, '../../../tests/fixtures/api');
const schemas: Record<string, Schema<unknown>> = {
  vm: VmSchema,
  vmSharing: VmSchema,
  listVms: VmListSchema,
  vmStatus: VmStatusSchema,
  vmCommand: CommandSchema,
  vmLogs: LogsSchema,
  planVm: PlanSchema,
  presets: PresetListSchema,
  hostInfo: HostInfoSchema,
  validateIso: ValidateIsoSchema,
  error: ErrorSchema,
  listSnapshots: SnapshotListSchema,
  createSnapshot: SnapshotSchema,
  cloneVm: CloneSchema,
  showVm: VmSchema,
};
const load = (name: string) => JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8'));

describe('API fixtures against the UI types', () => {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''));

  it('has a type for every recorded answer', () => {
    expect(files.length).toBeGreaterThan(5);
    expect(files.filter((f) => !(f in schemas))).toEqual([]);
  });

  for (const name of Object.keys(schemas))
    it(`${name} fits`, () => {
      expect(validate(schemas[name], load(name), name)).toEqual([]);
    });

  it('catches drift: a renamed, a retyped and an extra member', () => {
    const vm = load('vm');
    vm.memoryMb = vm.memoryMiB;
    delete vm.memoryMiB;
    vm.cpus = String(vm.cpus);
    const problems = validate(VmSchema, vm, 'vm');
    expect(problems).toContain('vm.memoryMiB: missing');
    expect(problems).toContain('vm.memoryMb: not in the UI\'s types');
    expect(problems).toContain('vm.cpus: expected number, got string');
  });
});
