/** The kinds of node config Ironpane keeps (free of parser code, so any module can name them). */
export const CONFIG_KINDS = ['butane', 'ignition', 'talos', 'cloud-config', 'script', 'runbook'] as const;
export type ConfigKind = (typeof CONFIG_KINDS)[number];

export const CONFIG_KIND_LABELS: Record<ConfigKind, string> = {
  butane: 'Butane (Flatcar)',
  ignition: 'Ignition JSON',
  talos: 'Talos machine config',
  'cloud-config': 'cloud-init cloud-config',
  script: 'User-data script',
  runbook: 'Runbook (serial console)',
};

/** Kinds that are not user data: kept with revisions like the rest, never assigned or applied to a node. */
export const isRunbookKind = (kind: ConfigKind): boolean => kind === 'runbook';

/** The largest document Ironpane stores: user data on Metal is limited far below this anyway. */
export const MAX_CONFIG_BYTES = 512 * 1024;

/** What applying a config means for the OS that reads it: said before anything is sent. */
export const APPLY_MEANING: Record<ConfigKind, string> = {
  butane: 'Ignition runs once, at first boot: the new config takes effect when the node is reinstalled.',
  ignition: 'Ignition runs once, at first boot: the new config takes effect when the node is reinstalled.',
  'cloud-config': 'cloud-init applies most settings at first boot only: the new config takes effect when the node is reinstalled.',
  talos:
    'Talos can apply a machine config live (auto, staged, or try with an automatic revert) through talosctl; here it becomes the user data the next install reads.',
  script: 'A user-data script runs at first boot: it takes effect when the node is reinstalled.',
  runbook: 'A runbook is not user data: run it on nodes from their details or the selection bar (Run runbook…).',
};

/** The OS families that read each kind at first boot (null: any). */
export const KIND_OS_FAMILIES: Record<ConfigKind, readonly string[] | null> = {
  butane: ['flatcar'],
  ignition: ['flatcar'],
  talos: ['talos'],
  'cloud-config': ['ubuntu', 'debian', 'centos', 'rocky', 'alma', 'rhel'],
  script: null,
  runbook: [],
};

/** Why this kind of config cannot provision a node of that OS family, or null when it can. */
export function kindMismatch(kind: ConfigKind, osFamily: string): string | null {
  const families = KIND_OS_FAMILIES[kind];
  if (kind === 'runbook') return 'is a runbook, not user data: run it on the node instead';
  if (!families || families.includes(osFamily)) return null;
  return `runs ${osFamily}, which does not read ${CONFIG_KIND_LABELS[kind]}`;
}

/** The Talos release a Talos profile is checked against unless it names another. */
export const DEFAULT_TALOS_VERSION = '1.13.9';
