// The API's shapes (docs/api.md), as schemas; the types derive from them.
import {
  arrayOf,
  bool,
  nullable,
  num,
  object,
  oneOf,
  optional,
  str,
  type Infer,
  unknownValue,
} from './schema';

export const vmStates = ['stopped', 'starting', 'running', 'paused', 'stopping', 'crashed'] as const;

/** The states in which a VM has a QEMU (or one on its way): the UI's one
 * copy of what src/core/state.c decides, until the API says it (a status's
 * `active`, or hostInfo's list of live states). */
export const activeStates: readonly (typeof vmStates)[number][] = ['starting', 'running', 'paused', 'stopping'];

/** What a VM may ask for; `auto` lets BridgeVM pick (and say why in the command's `dropped`). */
export const accels = ['auto', 'kvm', 'hvf', 'tcg'] as const;

export const oses = ['windows11', 'linux', 'other'] as const;
export const arches = ['x86_64', 'aarch64'] as const;
export const presetNames = ['light', 'recommended', 'pro'] as const;

export const LastExitSchema = object({
  kind: str,
  reason: nullable(str),
  status: num,
  signal: num,
  at: nullable(str),
});

const statusShape = {
  state: oneOf(...vmStates),
  pid: nullable(num),
  monitorPid: nullable(num),
  uptimeSeconds: nullable(num),
  display: nullable(str),
  lastExit: nullable(LastExitSchema),
  /** Why the VM is in its state, when that needs saying (e.g. paused on a full disk). */
  reason: nullable(str),
};
export const StatusSchema = object(statusShape);

/** vmStatus and the state events: the status with the VM's name and id. */
export const VmStatusSchema = object({ ...statusShape, name: str, id: str });

export const ForwardSchema = object({
  proto: oneOf('tcp', 'udp'),
  hostPort: num,
  guestPort: num,
  bind: str,
  /** Reachable from other machines (bound to anything but 127.x); added by the view. */
  public: optional(bool),
});

export const ShareSchema = object({
  path: str,
  tag: str,
  readOnly: bool,
  /** What to type in the guest to mount it; added by the view. */
  mountCommand: optional(str),
});

const configShape = {
  schemaVersion: num,
  id: str,
  name: str,
  os: oneOf(...oses),
  arch: oneOf(...arches),
  cpus: num,
  memoryMiB: num,
  diskGiB: num,
  preset: nullable(str),
  display: object({ width: num, height: num }),
  firmware: object({
    secureBoot: bool,
    enrolledKeys: bool,
    requiresSmm: bool,
    code: str,
    varsTemplate: str,
  }),
  tpm: object({ enabled: bool }),
  isoPath: nullable(str),
  /** The virtio-win CD attached (express installs, `set --drivers`). */
  driversIsoPath: optional(nullable(str)),
  licenseAcceptedAt: nullable(str),
  createdAt: str,
  startedAt: nullable(str),
  commandVersion: num,
  pressKeyOnBoot: bool,
  accel: oneOf(...accels),
  lastExit: nullable(LastExitSchema),
  /** Absent until the VM has had one. */
  forwards: optional(arrayOf(ForwardSchema)),
  shares: optional(arrayOf(ShareSchema)),
};

/** config.json as a planned VM has it (planVm). */
export const ConfigSchema = object(configShape);

const vmShape = {
  ...configShape,
  path: str,
  state: oneOf(...vmStates),
  status: StatusSchema,
  notice: optional(nullable(str)),
  /** showVm: the disk's virtual size and what it holds on the host (snapshots included). */
  diskUsage: optional(object({ capacityBytes: num, allocatedBytes: num })),
};

export const consistencies = ['stopped', 'filesystem', 'crash'] as const;

/** listSnapshots' elements and createSnapshot's answer. */
export const SnapshotSchema = object({
  name: str,
  description: nullable(str),
  createdAt: str,
  consistency: oneOf(...consistencies),
  /** Taken while the VM ran: disk, vars and TPM, never the memory. */
  live: bool,
  /** The copies of the UEFI variables and the TPM. */
  stateBytes: num,
  /** Disk space only this snapshot holds: what deleting it frees. */
  diskHeldBytes: num,
  pausedMs: optional(num),
  notice: optional(str),
});
export const SnapshotListSchema = arrayOf(SnapshotSchema);

export const VmSchema = object({
  ...vmShape,
  /** showVm: the snapshots, as listSnapshots gives them. */
  snapshots: optional(SnapshotListSchema),
});

/** cloneVm: the new VM, and how its disk was copied. */
export const CloneSchema = object({
  ...vmShape,
  copy: object({ method: oneOf('reflink', 'sparse', 'convert'), diskBytesCopied: num, sourceAllocatedBytes: num }),
});

export const VmListSchema = arrayOf(VmSchema);

export const PresetSchema = object({
  name: oneOf(...presetNames),
  cpus: num,
  memoryMiB: num,
  diskGiB: num,
  summary: str,
  effective: object({ cpus: num, memoryMiB: num }),
  notice: nullable(str),
});
export const PresetListSchema = arrayOf(PresetSchema);

export const HostInfoSchema = object({
  os: str,
  arch: oneOf(...arches),
  cores: num,
  memoryMiB: num,
  kvm: bool,
  hvf: bool,
  desktop: bool,
  /** Why KVM is not usable though /dev/kvm exists. */
  kvmError: nullable(str),
  /** The accelerators a VM may choose here besides auto. */
  accels: arrayOf(oneOf('kvm', 'hvf', 'tcg')),
  limits: object({
    maxCpus: num,
    minMemoryMiB: num,
    maxMemoryMiB: num,
    minDiskGiB: num,
    maxDiskGiB: num,
    /** Windows 11's minimums, as createVm/updateVm check them (validate.c). */
    windows11: object({ minCpus: num, minMemoryMiB: num, minDiskGiB: num }),
  }),
});

const NeedsSchema = object({ cpus: num, memoryMiB: num, diskGiB: num });
/** What libosinfo says the ISO installs (src/core/media.c); unknown media are os "other". */
export const MediaSchema = object({
  known: bool,
  shortId: nullable(str),
  name: nullable(str),
  os: oneOf(...oses),
  arch: nullable(str),
  minimum: nullable(NeedsSchema),
  recommended: nullable(NeedsSchema),
  preset: nullable(str),
  /** Set when the media's arch is not the host's: the wizard's refusal. */
  archWarning: nullable(str),
});
export const ValidateIsoSchema = object({
  path: str,
  valid: bool,
  message: nullable(str),
  media: optional(MediaSchema),
});

export const CommandSchema = object({
  argv: arrayOf(str),
  groups: arrayOf(object({ flags: arrayOf(str), reason: str })),
  dropped: arrayOf(object({ what: str, why: str })),
  accel: str,
  commandVersion: num,
});

export const PlanSchema = object({ vm: ConfigSchema, command: CommandSchema, notice: nullable(str) });

export const ErrorSchema = object({ error: object({ code: str, message: str }) });

/** A log's last lines; `end` is where following it (events' `from`) goes on. */
export const LogsSchema = object({ source: str, text: str, end: num });

export const DoctorSchema = object({
  ok: bool,
  host: unknownValue,
  accelerators: arrayOf(str),
  kvmError: optional(str),
  tools: arrayOf(
    object({
      name: str,
      purpose: str,
      found: bool,
      path: nullable(str),
      version: nullable(str),
      installHint: nullable(str),
    }),
  ),
  firmware: arrayOf(
    object({
      descriptor: str,
      description: nullable(str),
      arch: str,
      machines: arrayOf(str),
      code: str,
      varsTemplate: str,
      secureBoot: bool,
      enrolledKeys: bool,
      requiresSmm: bool,
    }),
  ),
  skippedFirmware: arrayOf(str),
});

/** vmScreenshot: the screen as PNG (base64); live false is the screen kept when it stopped. */
export const ScreenshotSchema = object({
  live: bool,
  takenAt: str,
  width: num,
  height: num,
  png: str,
});
/** A remote libvirt host's domain (listRemotes; docs/libvirt.md). */
export const RemoteDomainSchema = object({
  name: str,
  remote: str,
  state: str,
  cpus: num,
  memoryMiB: num,
});
/** A remote libvirt host: its domains, or why it did not answer. */
export const RemoteSchema = object({
  name: str,
  uri: str,
  domains: optional(arrayOf(RemoteDomainSchema)),
  error: optional(str),
});
export const RemoteListSchema = arrayOf(RemoteSchema);

export type Os = (typeof oses)[number];
export type Arch = (typeof arches)[number];
export type PresetName = (typeof presetNames)[number];
export type LastExit = Infer<typeof LastExitSchema>;
export type Forward = Infer<typeof ForwardSchema>;
export type Share = Infer<typeof ShareSchema>;
export type VmState = (typeof vmStates)[number];
export type Accel = (typeof accels)[number];
export type Status = Infer<typeof StatusSchema>;
export type VmStatus = Infer<typeof VmStatusSchema>;
export type Vm = Infer<typeof VmSchema>;
export type Snapshot = Infer<typeof SnapshotSchema>;
export type Consistency = (typeof consistencies)[number];
export type CloneResult = Infer<typeof CloneSchema>;
export type Preset = Infer<typeof PresetSchema>;
export type HostInfo = Infer<typeof HostInfoSchema>;
export type ValidateIso = Infer<typeof ValidateIsoSchema>;
export type Media = Infer<typeof MediaSchema>;
export type Command = Infer<typeof CommandSchema>;
export type Plan = Infer<typeof PlanSchema>;
export type ApiErrorBody = Infer<typeof ErrorSchema>;
export type Logs = Infer<typeof LogsSchema>;
export type Doctor = Infer<typeof DoctorSchema>;
export type Screenshot = Infer<typeof ScreenshotSchema>;
export type RemoteDomain = Infer<typeof RemoteDomainSchema>;
export type Remote = Infer<typeof RemoteSchema>;
export type LogSource = 'serial' | 'qemu' | 'swtpm' | 'monitor';
export const logSources: LogSource[] = ['serial', 'qemu', 'swtpm', 'monitor'];

/** What a VM's resources and screen may be set to (createVm, planVm, updateVm). */
interface Sizing {
  cpus?: number;
  memoryMiB?: number;
  diskGiB?: number;
  width?: number;
  height?: number;
  accel?: Accel;
}

/** createVm's and planVm's parameters. */
export interface CreateRequest extends Sizing {
  name: string;
  isoPath: string;
  os: Os;
  arch: Arch;
  preset: PresetName;
  /** Default: on for Windows 11 (which requires one), off otherwise. */
  tpm?: boolean;
  acceptLicense?: boolean;
  /** A virtio-win ISO attached as a CD. */
  driversIsoPath?: string;
  /** An unattended Windows 11 install (docs/windows.md); the password goes
   * only into the answer ISO. Locale and time zone default to the host's. */
  express?: boolean;
  user?: string;
  password?: string;
  locale?: string;
  timezone?: string;
}

/** updateVm's parameters besides the VM: only what changes (a stopped VM's). */
export interface UpdateRequest extends Sizing {
  isoPath?: string;
  eject?: boolean;
  pressKeyOnBoot?: boolean;
}

/** cloneVm's parameters besides the VM. */
export interface CloneRequest {
  name: string;
  fromSnapshot?: string;
  keepTpm?: boolean;
}

/** The agent's guest-get-osinfo reply (a subset). */
export interface AgentOsInfo {
  'pretty-name'?: string;
  name?: string;
  'kernel-release'?: string;
}

/** One interface of guest-network-get-interfaces. */
export interface AgentInterface {
  name: string;
  'ip-addresses'?: { 'ip-address-type': string; 'ip-address': string; prefix: number }[];
}
