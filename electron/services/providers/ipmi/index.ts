/** One machine's BMC over IPMI v2.0 (lanplus) through ipmitool: power, the boot device, and its serial console over Serial over LAN. */
import type { ProviderDescriptor } from '../descriptor';
import { IPMI_CAPABILITIES, IpmiProvider } from './ipmi-provider';
import { Ipmitool } from './ipmitool';

export const ipmi: ProviderDescriptor = {
  info: {
    kind: 'ipmi',
    label: 'IPMI BMC',
    title: 'Add an IPMI BMC',
    intro:
      "One machine's BMC over IPMI v2.0 (lanplus) through ipmitool: power status, on, off, cycle, the boot device, and its serial console over Serial over LAN.",
    addable: true,
    fields: [
      { key: 'hostname', label: 'Machine name', type: 'text', placeholder: 'db-01', required: 'Name the machine this BMC controls.', maxLength: 253 },
      {
        key: 'host',
        label: 'BMC address',
        type: 'text',
        placeholder: '10.0.0.10',
        required: 'Enter the BMC address (a host name or an IP address).',
        maxLength: 253,
        pattern: '^[A-Za-z0-9.:_-]+$',
        patternMessage: 'Enter the BMC address (a host name or an IP address).',
      },
      {
        key: 'port',
        label: 'Port',
        type: 'number',
        initial: '623',
        min: 1,
        max: 65535,
        required: 'The port is a number from 1 to 65535 (IPMI uses 623).',
        rangeMessage: 'The port is a number from 1 to 65535 (IPMI uses 623).',
      },
      { key: 'username', label: 'User name', type: 'text', required: 'Enter the BMC user name.', maxLength: 64 },
      { key: 'password', label: 'Password', type: 'password', secret: true, required: 'Enter the BMC password.', maxLength: 20 },
      {
        key: 'cipherSuite',
        label: 'Cipher suite (many BMCs need 3)',
        type: 'number',
        initial: '3',
        min: 0,
        max: 17,
        required: 'The cipher suite is a number from 0 to 17 (3 works with most BMCs).',
        rangeMessage: 'The cipher suite is a number from 0 to 17 (3 works with most BMCs).',
      },
    ],
    capabilities: [...IPMI_CAPABILITIES],
    whyNot: {
      reinstall: 'A BMC cannot install an operating system by itself; set a one-time PXE boot and power-cycle instead.',
      userdata: 'A BMC has no user data; config is applied through a provisioning API.',
      events: 'IPMI offers no event log Ironpane reads yet.',
    },
  },
  address: (s) => `${String(s.host)}:${String(s.port)}`,
  create: ({ id, settings, secrets, ports }) =>
    new IpmiProvider(
      id,
      String(settings.hostname),
      new Ipmitool(
        {
          host: String(settings.host),
          port: Number(settings.port),
          username: String(settings.username),
          password: secrets.password ?? '',
          cipherSuite: Number(settings.cipherSuite),
        },
        ports.ipmitool(),
      ),
    ),
  // Serial over LAN through ipmitool in a pseudo-terminal (console/ipmi-sol-link.ts).
  console: async ({ settings, secrets, ports }) => ({
    target: {
      transport: 'ipmi-sol',
      host: String(settings.host),
      port: Number(settings.port),
      username: String(settings.username),
      ipmi: { cipherSuite: Number(settings.cipherSuite), ipmitool: ports.ipmitool() },
    },
    credentials: { privateKeys: [], password: secrets.password ?? '' },
  }),
};
