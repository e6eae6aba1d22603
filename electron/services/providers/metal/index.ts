/** The Metal API (Equinix Metal's v1 and anything that speaks it): one project's devices. */
import { AppError } from '../../../../shared/errors';
import type { ProviderDescriptor } from '../descriptor';
import { MetalClient } from './metal-client';
import { MetalProvider } from './metal-provider';

export const METAL_WHY_NOT = {
  bootOverride: 'The Metal API has no boot override; reinstall the node or use its serial console.',
} as const;

export const metal: ProviderDescriptor = {
  info: {
    kind: 'metal',
    label: 'Metal API',
    title: 'Add a Metal account',
    intro:
      'A Metal-compatible API and one project. Ironpane checks the token and project before saving; the token is encrypted in the main process and never shown again.',
    addable: true,
    fields: [
      {
        key: 'baseUrl',
        label: 'API base URL',
        type: 'url',
        initial: 'https://api.equinix.com/metal/v1',
        placeholder: 'https://api.equinix.com/metal/v1',
        required: 'Enter the base URL, e.g. https://api.equinix.com/metal/v1',
        carries: 'API token',
        maxLength: 2048,
      },
      {
        key: 'projectId',
        label: 'Project id',
        type: 'text',
        placeholder: '00000000-0000-0000-0000-000000000000',
        required: 'Enter the project id.',
        maxLength: 64,
        mono: true,
      },
      { key: 'token', label: 'API token', type: 'password', secret: true, required: 'Enter the API token.', maxLength: 512 },
    ],
    capabilities: ['power', 'reinstall', 'userdata', 'serialConsole', 'events'],
    whyNot: METAL_WHY_NOT,
  },
  address: (s) => String(s.baseUrl),
  project: (s) => String(s.projectId),
  create: ({ id, settings, secrets, ports }) =>
    new MetalProvider(
      id,
      String(settings.projectId),
      new MetalClient({ baseUrl: String(settings.baseUrl), token: secrets.token ?? '', ...ports.clientDefaults }),
      'metal',
    ),
  // Metal's SOS: `ssh <device-id>@<Device.sos>` with the user's own keys
  // (Equinix Metal SOS: `ssh <device-id>@sos.<facility>.platformequinix.com`).
  console: async ({ perHop, jump }, node) => {
    if (!node.sosHost) throw new AppError('unavailable', `${node.hostname} has no serial console address (Device.sos is empty).`, { retryable: false });
    return { target: { host: node.sosHost, port: 22, username: node.deviceId, ...perHop, jump }, credentials: { privateKeys: [], keyboardInteractive: true } };
  },
};
