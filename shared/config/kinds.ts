/** The kinds of node config Ironpane keeps (free of parser code, so any module can name them). */
export const CONFIG_KINDS = ['butane', 'ignition', 'talos', 'cloud-config', 'script'] as const;
export type ConfigKind = (typeof CONFIG_KINDS)[number];

export const CONFIG_KIND_LABELS: Record<ConfigKind, string> = {
  butane: 'Butane (Flatcar)',
  ignition: 'Ignition JSON',
  talos: 'Talos machine config',
  'cloud-config': 'cloud-init cloud-config',
  script: 'User-data script',
};

/** The largest document Ironpane stores: user data on Metal is limited far below this anyway. */
export const MAX_CONFIG_BYTES = 512 * 1024;
