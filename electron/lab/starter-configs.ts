/**
 * The lab's starting configs, one per OS it runs: what a new user finds on the Config screen the
 * first time the lab is on, to assign, apply and reinstall with. Seeded once, into an empty store.
 */
import type { ConfigKind } from '../../shared/config/kinds';
import { TEMPLATES } from '../../shared/config/templates';

export const LAB_STARTER_CONFIGS: { name: string; kind: ConfigKind; content: string; message: string }[] = [
  { name: 'Lab: Flatcar nodes', kind: 'butane', content: TEMPLATES.butane, message: 'Lab starter: core user, update strategy, node exporter' },
  { name: 'Lab: Talos workers', kind: 'talos', content: TEMPLATES.talos, message: 'Lab starter: worker with a hostname document' },
  { name: 'Lab: Ubuntu databases', kind: 'cloud-config', content: TEMPLATES['cloud-config'], message: 'Lab starter: ops user, chrony' },
];
