/**
 * The embedded lab fleet: a Metal API and an SOS-style serial gateway on loopback, registered per
 * launch (never added, never written to disk).
 */
import { AppError } from '../../../../shared/errors';
import type { ProviderDescriptor } from '../descriptor';
import { METAL_WHY_NOT } from '../metal';
import { MetalClient } from '../metal/metal-client';
import { MetalProvider } from '../metal/metal-provider';

export const lab: ProviderDescriptor = {
  info: {
    kind: 'lab',
    label: 'Lab fleet',
    title: 'Lab fleet',
    intro: 'The embedded lab fleet runs inside Ironpane on this machine.',
    addable: false,
    fields: [],
    capabilities: ['power', 'reinstall', 'userdata', 'serialConsole', 'events'],
    whyNot: METAL_WHY_NOT,
  },
  address: (s) => String(s.baseUrl),
  project: (s) => String(s.projectId),
  create: ({ id, ports }) => {
    const lab = ports.lab;
    if (!lab) throw new AppError('unavailable', 'The lab is not running in this launch.');
    // The budget is the lab's project at its address: every console on a team's store shares it.
    const budget = ports.requestBudget;
    const client = new MetalClient({
      baseUrl: lab.baseUrl,
      token: lab.token,
      ...ports.clientDefaults,
      rateLimit: lab.rateLimit ?? null,
      pacer: budget ? (rate) => budget(`lab ${lab.baseUrl} ${lab.projectId}`, rate) : undefined,
    });
    return new MetalProvider(id, lab.projectId, client, 'lab');
  },
  console: async ({ ports, perHop, jump }, node) => {
    const serial = ports.lab?.serial;
    if (!serial) throw new AppError('unavailable', 'The lab serial gateway is not running.');
    return {
      target: { host: serial.host, port: serial.port, username: node.deviceId, ...perHop, jump },
      credentials: { privateKeys: [{ label: 'the lab key in the vault', key: serial.userKey }] },
    };
  },
};
