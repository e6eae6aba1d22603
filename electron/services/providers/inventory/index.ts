/**
 * An inventory file: a YAML list of machines with their place, addresses, a serial console reachable
 * over SSH and an optional BMC (Redfish or IPMI, logging in with a console credential).
 */
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../../shared/errors';
import { readUntrustedFile } from '../../files/safe-files';
import { ipmiControl, redfishControl } from '../bmc';
import type { ConsoleCredentials } from '../../console-endpoint';
import type { ProviderDescriptor } from '../descriptor';
import { Ipmitool } from '../ipmi/ipmitool';
import { RedfishClient } from '../redfish/redfish-client';
import { RedfishProvider } from '../redfish/redfish-provider';
import { INVENTORY_CAPABILITIES, InventoryProvider } from './inventory-provider';

/** An OpenSSH private key is a few KiB; 64 KiB leaves room for any key type with a comment. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

export const inventory: ProviderDescriptor = {
  info: {
    kind: 'inventory',
    label: 'Inventory file',
    title: 'Add an inventory file',
    intro:
      'A YAML file listing your machines: nodes: with hostname, tags, place (metro, facility, rack), addresses, a serial console reachable over SSH (host, port, user, auth: key, agent or password; jump hosts; a pinned host key) or, with transport: tcp, a serial server’s TCP port (ser2net, conserver; telnet spoken if it does, no login and no encryption: only on a management network or loopback), and an optional bmc (Redfish or IPMI, with a console credential). Ironpane watches the file: an edit shows within a second, and a broken edit keeps the last good fleet and says which line is wrong.',
    addable: true,
    fields: [
      {
        key: 'path',
        label: 'Inventory file (full path)',
        type: 'path',
        placeholder: '/home/ops/fleet.yaml',
        required: 'Enter the path of the inventory file.',
        maxLength: 4096,
        mono: true,
      },
    ],
    capabilities: [...INVENTORY_CAPABILITIES],
    whyNot: {
      power: 'The inventory file lists no BMC for this node; add a `bmc:` entry to control its power.',
      bootOverride: 'The inventory file lists no BMC for this node; add a `bmc:` entry to set its boot device.',
      reinstall: 'An inventory file only describes machines; reinstall needs a provisioning API (Metal, Tinkerbell).',
      userdata: 'An inventory file has no user data to apply; config is applied through a provisioning API.',
      serialConsole: 'The inventory file lists no `console:` for this node.',
    },
  },
  address: (s) => String(s.path),
  create: ({ id, settings, ports, changed }) => {
    const provider = new InventoryProvider({
      accountId: id,
      file: String(settings.path),
      onChange: changed,
      bmc: async (entry) => {
        const login = await ports.credential(entry.credential);
        if (entry.type === 'ipmi') {
          return ipmiControl(
            new Ipmitool(
              { host: entry.host, port: entry.port, username: login.username, password: login.password, cipherSuite: entry.cipherSuite },
              ports.ipmitool(),
            ),
          );
        }
        const client = new RedfishClient({
          baseUrl: entry.url,
          username: login.username,
          password: login.password,
          auth: 'basic',
          pinnedFingerprint: entry.fingerprint?.toUpperCase() ?? null,
          timeoutMs: ports.clientDefaults?.timeoutMs,
        });
        return redfishControl(client, new RedfishProvider(id, client), entry.system);
      },
    });
    provider.watch();
    return provider;
  },
  console: async ({ provider, console, parseHop, perHop }, node) => {
    const entry = await (provider as InventoryProvider).consoleEntry(node.deviceId);
    // A serial server's TCP port: no login, no hops (the file's schema refuses jump hosts for tcp).
    if (entry.transport === 'tcp') return { target: { transport: 'tcp', host: entry.host, port: entry.port, username: '' }, credentials: { privateKeys: [] } };
    // The file's own jump hosts come first; the connection's console settings apply to every hop.
    const hops = [...entry.jump, ...console.jumpHosts].map(parseHop);
    const credentials: ConsoleCredentials = { privateKeys: [] };
    if (entry.auth === 'key' && entry.keyFile) {
      const file = entry.keyFile.startsWith('~/') ? path.join(os.homedir(), entry.keyFile.slice(2)) : entry.keyFile;
      // A key file the inventory names is untrusted: /dev/zero here once took main to 9.4 GB.
      const key = await readUntrustedFile(file, { what: 'key file', maxBytes: MAX_KEY_FILE_BYTES }).catch((cause: AppError) => {
        throw new AppError('invalid', `${cause.message} It is the keyFile of ${node.hostname}'s console in the inventory file; fix it there.`, {
          retryable: false,
        });
      });
      credentials.privateKeys.push({ label: file, key });
    }
    if (entry.auth === 'agent') {
      if (!process.env.SSH_AUTH_SOCK)
        throw new AppError(
          'unavailable',
          `${node.hostname}'s console logs in with the SSH agent, but no agent is running (SSH_AUTH_SOCK is not set). Start ssh-agent, or use auth: key with keyFile.`,
          { retryable: false },
        );
      credentials.agent = process.env.SSH_AUTH_SOCK;
    }
    if (entry.auth === 'password') credentials.keyboardInteractive = true;
    return { target: { host: entry.host, port: entry.port, username: entry.user ?? '', pinnedFingerprint: entry.hostKey, ...perHop, jump: hops }, credentials };
  },
};
