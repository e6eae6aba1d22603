/**
 * OpenStack Ironic (and so Metal3's engine): a living bare-metal API. Its nodes are the fleet;
 * reprovisioning rebuilds with a configdrive holding the config revision; power, the boot device,
 * deploy, undeploy, rescue and maintenance go through Ironic; its socat console is the serial console.
 */
import { AppError } from '../../../../shared/errors';
import { OS_FAMILIES, type OsFamily } from '../../../../shared/model';
import type { ProviderDescriptor, Settings } from '../descriptor';
import { IronicClient, type IronicAuth } from './ironic-client';
import { IronicProvider } from './ironic-provider';
import type { IronicImage, Placement } from './normalise';

/** `Name=URL` pairs, comma-separated: the images a reprovision may choose. */
const IMAGES_PATTERN = '^\\s*[^=,]{1,80}=\\s*https?://[^\\s,]+\\s*(,\\s*[^=,]{1,80}=\\s*https?://[^\\s,]+\\s*)*$';

export function parseImages(text: string): IronicImage[] {
  return text
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      return { name: pair.slice(0, at).trim(), url: pair.slice(at + 1).trim() };
    });
}

function settingError(field: string, message: string): AppError {
  return new AppError('invalid', message, { retryable: false, detail: field });
}

function authOf(settings: Settings, secrets: Record<string, string>): IronicAuth {
  if (settings.auth === 'basic') {
    if (!settings.username) throw settingError('username', 'User name: HTTP basic authentication needs a user name.');
    if (!secrets.password) throw settingError('password', 'Password: HTTP basic authentication needs a password.');
    return { kind: 'basic', username: String(settings.username), password: secrets.password };
  }
  if (settings.auth === 'token') {
    if (!secrets.token) throw settingError('token', 'Token: Keystone authentication needs a token.');
    return { kind: 'token', token: secrets.token };
  }
  return { kind: 'none' };
}

function placementOf(settings: Settings): Placement {
  if (settings.placement === 'conductor_group') return { source: 'conductor_group' };
  if (settings.placement === 'name') {
    const source = String(settings.namePattern ?? '');
    if (!source) throw settingError('namePattern', 'Name pattern: placing nodes by name needs a pattern, e.g. ^(?<metro>[a-z]+)(?<facility>\\d+)-');
    try {
      return { source: 'name', pattern: new RegExp(source) };
    } catch {
      throw settingError('namePattern', 'Name pattern: this is not a valid regular expression.');
    }
  }
  return { source: 'extra' };
}

export const ironic: ProviderDescriptor = {
  info: {
    kind: 'ironic',
    label: 'OpenStack Ironic',
    title: 'Add an Ironic bare-metal API',
    intro:
      "OpenStack Ironic (standalone, Metal3's engine, or an OpenStack cloud's). Each enrolled node becomes a node with power, boot device, reprovision with a config revision (a configdrive), deploy, undeploy, rescue, maintenance and its serial console. Ironpane checks the API and its version before saving; passwords and tokens are encrypted in the main process. BMC credentials in Ironic are never read.",
    addable: true,
    fields: [
      {
        key: 'baseUrl',
        label: 'Ironic API address',
        type: 'url',
        initial: 'https://',
        placeholder: 'https://ironic.example:6385',
        required: 'Enter the Ironic API address, e.g. https://ironic.example:6385',
        carries: 'password or token',
        maxLength: 2048,
      },
      {
        key: 'auth',
        label: 'Authentication',
        type: 'select',
        initial: 'none',
        options: [
          { value: 'none', label: 'None (standalone Ironic with auth_strategy = noauth)' },
          { value: 'basic', label: 'HTTP basic (auth_strategy = http_basic)' },
          { value: 'token', label: 'Keystone token (X-Auth-Token)' },
        ],
      },
      { key: 'username', label: 'User name', type: 'text', hint: 'For HTTP basic.', maxLength: 128 },
      { key: 'password', label: 'Password', type: 'password', secret: true, hint: 'For HTTP basic.', maxLength: 512 },
      { key: 'token', label: 'Token', type: 'password', secret: true, hint: 'For a Keystone token.', maxLength: 8192 },
      {
        key: 'rescuePassword',
        label: 'Rescue password',
        type: 'password',
        secret: true,
        hint: 'What the rescue ramdisk sets for its user (rescue is refused without one).',
        maxLength: 256,
      },
      {
        key: 'images',
        label: 'Images',
        type: 'text',
        placeholder: 'Ubuntu 24.04=https://images.example/noble.qcow2',
        hint: 'Name=URL pairs, comma-separated, offered when reprovisioning (images nodes already use are offered too).',
        maxLength: 4000,
        pattern: IMAGES_PATTERN,
        patternMessage: 'Write images as Name=URL pairs separated by commas, e.g. Ubuntu 24.04=https://images.example/noble.qcow2',
      },
      {
        key: 'osFamily',
        label: 'What the images run',
        type: 'select',
        initial: 'ubuntu',
        options: [
          { value: 'ubuntu', label: 'A cloud-init OS (Ubuntu, Debian…): cloud-config user data' },
          { value: 'flatcar', label: 'Flatcar: Ignition user data' },
          { value: 'talos', label: 'Talos: machine config' },
          { value: 'other', label: 'Something else: scripts only' },
        ],
      },
      {
        key: 'placement',
        label: 'Place nodes by',
        type: 'select',
        initial: 'extra',
        options: [
          { value: 'extra', label: 'Their extra fields metro and facility (or rack)' },
          { value: 'conductor_group', label: 'Their conductor group (as the facility)' },
          { value: 'name', label: 'Their name, with the pattern below' },
        ],
      },
      {
        key: 'namePattern',
        label: 'Name pattern',
        type: 'text',
        placeholder: '^(?<metro>[a-z]+)(?<facility>\\d+)-',
        hint: 'A regular expression with named groups metro and facility.',
        maxLength: 400,
        mono: true,
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
    capabilities: ['power', 'bootOverride', 'reinstall', 'userdata', 'serialConsole', 'events'],
    whyNot: {
      serialConsole: 'Its Ironic driver has no console interface (console_interface is no-console); set one such as ipmitool-socat in Ironic.',
      events: 'Node history needs Ironic API 1.78 or later.',
    },
  },
  address: (s) => String(s.baseUrl),
  create: ({ id, settings, secrets, ports, notes }) => {
    const family = String(settings.osFamily ?? 'ubuntu');
    return new IronicProvider(
      id,
      new IronicClient({
        baseUrl: String(settings.baseUrl),
        auth: authOf(settings, secrets),
        pinnedFingerprint: typeof settings.certificateFingerprint === 'string' ? settings.certificateFingerprint : null,
        timeoutMs: ports.clientDefaults?.timeoutMs,
      }),
      {
        placement: placementOf(settings),
        images: parseImages(String(settings.images ?? '')),
        osFamily: ((OS_FAMILIES as readonly string[]).includes(family) ? family : 'other') as OsFamily,
        rescuePassword: secrets.rescuePassword ?? '',
        notes,
      },
    );
  },
  // Ironic's socat console over TCP: turned on when the tab opens, off when it closes. `~.` is
  // ipmitool's escape: leaving without it keeps the SOL payload active and the next open fails.
  console: async ({ provider }, node) => {
    if (!(provider instanceof IronicProvider)) throw new AppError('internal', 'The Ironic console needs the Ironic provider.');
    const endpoint = await provider.enableConsole(node.deviceId);
    return {
      target: { transport: 'tcp', host: endpoint.host, port: endpoint.port, username: '', leaveWith: '\r~.' },
      credentials: { privateKeys: [] },
      release: () => provider.disableConsole(node.deviceId),
    };
  },
};
