/**
 * A Redfish BMC (or aggregator): each ComputerSystem it manages is a node with power, boot override,
 * events and, where the manager offers one, its serial console over SSH. Its certificate is trusted on
 * first use, like an SSH host key: the fingerprint the user accepted is kept and checked every time.
 */
import type { ProviderDescriptor } from '../descriptor';
import { RedfishClient } from './redfish-client';
import { RedfishProvider } from './redfish-provider';

const BMC_NO_OS = 'A BMC cannot install an operating system by itself; set a one-time PXE boot and power-cycle instead.';

export const redfish: ProviderDescriptor = {
  info: {
    kind: 'redfish',
    label: 'Redfish BMC',
    title: 'Add a Redfish BMC',
    intro:
      'A BMC (or Redfish aggregator) at its address; each system it manages becomes a node with power, boot override, events and, where the manager offers one, its serial console over SSH. Ironpane checks the login before saving; the password is encrypted in the main process and never shown again.',
    addable: true,
    fields: [
      {
        key: 'baseUrl',
        label: 'BMC address',
        type: 'url',
        initial: 'https://',
        placeholder: 'https://10.0.0.9',
        required: 'Enter the BMC address, e.g. https://10.0.0.9',
        carries: 'BMC password',
        maxLength: 2048,
      },
      { key: 'username', label: 'User name', type: 'text', required: 'Enter the BMC user name.', maxLength: 128 },
      { key: 'password', label: 'Password', type: 'password', secret: true, required: 'Enter the BMC password.', maxLength: 512 },
      {
        key: 'auth',
        label: 'Authentication',
        type: 'select',
        initial: 'session',
        options: [
          { value: 'session', label: 'Redfish session (X-Auth-Token, logged out on close)' },
          { value: 'basic', label: 'HTTP Basic on every request' },
        ],
      },
      {
        key: 'certificateFingerprint',
        label: 'Certificate fingerprint',
        type: 'text',
        hidden: true,
        pattern: '^([0-9A-F]{2}:){31}[0-9A-F]{2}$',
        patternMessage: 'A certificate fingerprint is 32 hex pairs.',
      },
    ],
    capabilities: ['power', 'bootOverride', 'serialConsole', 'events'],
    whyNot: {
      reinstall: BMC_NO_OS,
      userdata: 'A BMC has no user data; config is applied through a provisioning API.',
      serialConsole: "The BMC's manager offers no serial console over SSH.",
    },
  },
  address: (s) => String(s.baseUrl),
  create: ({ id, settings, secrets, ports }) =>
    new RedfishProvider(
      id,
      new RedfishClient({
        baseUrl: String(settings.baseUrl),
        username: String(settings.username),
        password: secrets.password ?? '',
        auth: settings.auth === 'basic' ? 'basic' : 'session',
        pinnedFingerprint: typeof settings.certificateFingerprint === 'string' ? settings.certificateFingerprint : null,
        timeoutMs: ports.clientDefaults?.timeoutMs,
      }),
    ),
  console: async ({ provider, settings, secrets, perHop, jump }, node) => {
    const endpoint = await provider.consoleEndpoint!(node.deviceId);
    return {
      target: { host: endpoint.host, port: endpoint.port, username: String(settings.username), ...perHop, jump },
      credentials: { privateKeys: [], password: secrets.password ?? '', keyboardInteractive: true },
    };
  },
};
