/**
 * What a lab machine's first-boot configuration does with *its* user data, as the real agents log
 * it: Ignition writing the files, links and units and adding the users a config names (and
 * refusing one that is not valid Ignition spec 3, which ends the boot in emergency mode); cloud-init
 * running the modules a cloud-config uses; Talos loading a machine config or staying in
 * maintenance mode. A unit whose ExecStart is `/bin/false` fails as it would.
 */
import { parseAllDocuments, parseDocument } from 'yaml';

export interface FirstBoot {
  lines: string[];
  /** Why provisioning fails with this config, or null. */
  failure: string | null;
}

const ok = (unit: string) => `[  \x1b[0;32mOK\x1b[0m  ] ${unit}`;
const failed = (unit: string) => `[\x1b[0;1;31mFAILED\x1b[0m] ${unit}`;

interface IgnitionConfig {
  ignition?: { version?: string };
  storage?: { files?: { path?: string; contents?: { source?: string } }[]; directories?: { path?: string }[]; links?: { path?: string; target?: string }[] };
  systemd?: { units?: { name?: string; enabled?: boolean; mask?: boolean; contents?: string }[] };
  passwd?: { users?: { name?: string; sshAuthorizedKeys?: string[] }[]; groups?: { name?: string }[] };
}

/** What the first boot needs of a machine (structural, so this module does not import the fleet). */
export interface FirstBootMachine {
  os: { distro: string };
  userdata: string;
  hostname: string;
}

export function firstBoot(m: FirstBootMachine): FirstBoot {
  switch (m.os.distro) {
    case 'flatcar':
      return ignition(m.userdata);
    case 'talos':
      return talos(m.userdata, m.hostname);
    case 'ubuntu':
      return cloudInit(m.userdata);
    default:
      return { lines: [], failure: null };
  }
}

function ignition(userdata: string): FirstBoot {
  const head = ['ignition[612]: Ignition 2.20.0', 'ignition[612]: Stage: fetch', 'ignition[612]: GET http://metadata.platformequinix.com/userdata: attempt #1'];
  if (userdata.trim() === '')
    return {
      lines: [
        ...head,
        'ignition[612]: no config provided by user',
        'ignition[612]: Stage: complete',
        ok('Finished ignition-files.service - Ignition (files).'),
      ],
      failure: null,
    };
  let config: IgnitionConfig;
  try {
    config = JSON.parse(userdata) as IgnitionConfig;
  } catch (error) {
    const reason = `config is not valid: ${(error as Error).message}`;
    return {
      lines: [...head, `ignition[612]: failed to fetch config: ${reason}`, ...emergency('ignition-fetch.service - Ignition (fetch)')],
      failure: `Ignition rejected the user data (${reason})`,
    };
  }
  const version = config.ignition?.version;
  if (typeof version !== 'string' || !/^3\.[0-5]\.\d+$/.test(version)) {
    const reason = `unsupported config version ${JSON.stringify(version ?? null)}`;
    return {
      lines: [...head, `ignition[612]: failed to fetch config: ${reason}`, ...emergency('ignition-fetch.service - Ignition (fetch)')],
      failure: `Ignition rejected the user data (${reason})`,
    };
  }
  const lines = [...head, 'ignition[612]: fetched user config from "packet"', 'ignition[612]: Stage: disks', 'ignition[612]: Stage: files'];
  let op = 1;
  const step = (text: string) => lines.push(`ignition[612]: files: op(${op++}): [finished] ${text}`);
  for (const group of config.passwd?.groups ?? []) step(`adding group "${group.name}"`);
  for (const user of config.passwd?.users ?? []) {
    step(user.name === 'core' ? 'modifying user "core"' : `creating or modifying user "${user.name}"`);
    if (user.sshAuthorizedKeys?.length) step(`adding ssh keys to user "${user.name}"`);
  }
  for (const dir of config.storage?.directories ?? []) step(`creating directory "${dir.path}"`);
  for (const file of config.storage?.files ?? []) step(`writing file "/sysroot${file.path}"`);
  for (const link of config.storage?.links ?? []) step(`writing link "/sysroot${link.path}" -> "${link.target}"`);
  const failing: string[] = [];
  for (const unit of config.systemd?.units ?? []) {
    if (unit.contents) step(`writing unit "${unit.name}"`);
    if (unit.enabled) step(`setting preset to enabled for "${unit.name}"`);
    if (unit.mask) step(`setting mask for "${unit.name}"`);
    if (unit.enabled && /^ExecStart=(\/usr)?\/bin\/false\s*$/m.test(unit.contents ?? '')) failing.push(unit.name ?? 'unit');
  }
  lines.push(
    'ignition[612]: Stage: complete',
    ok('Finished ignition-files.service - Ignition (files).'),
    ok('Reached target initrd.target - Initrd Default Target.'),
    'systemd[1]: Switching root.',
  );
  for (const unit of config.systemd?.units ?? []) if (unit.enabled && !failing.includes(unit.name ?? '')) lines.push(ok(`Started ${unit.name}.`));
  if (failing.length > 0) {
    lines.push(...failing.map((name) => failed(`Failed to start ${name}.`)), `See 'systemctl status ${failing[0]}' for details.`);
    return { lines, failure: `${failing.join(', ')} failed to start (see the serial console)` };
  }
  return { lines, failure: null };
}

/** How systemd ends a boot whose initrd stage failed: the emergency shell prompt. */
export function emergency(unit: string): string[] {
  return [
    failed(`Failed to start ${unit}.`),
    '[\x1b[0;1;39mDEPEND\x1b[0m] Dependency failed for ignition-complete.target - Ignition Complete.',
    'You are in emergency mode. After logging in, type "journalctl -xb" to view',
    'system logs, "systemctl reboot" to reboot, "systemctl default" or "exit"',
    'to boot into default mode.',
    'Press Enter for maintenance',
    '(or press Control-D to continue): ',
  ];
}

function cloudInit(userdata: string): FirstBoot {
  if (!userdata.startsWith('#cloud-config'))
    return { lines: userdata.startsWith('#!') ? ["cloud-init[1024]: running user-data script 'part-001'"] : [], failure: null };
  const doc = parseDocument(userdata);
  if (doc.errors.length > 0)
    return {
      lines: [
        `cloud-init[842]: WARNING: Failed loading yaml blob. ${doc.errors[0]!.message.split('\n')[0]}`,
        'cloud-init[842]: WARNING: Invalid cloud-config provided: continuing without it',
      ],
      failure: null,
    };
  const config = (doc.toJS() ?? {}) as Record<string, unknown>;
  const lines = [];
  if (typeof config.hostname === 'string') lines.push(`cloud-init[842]: Set hostname to <${config.hostname}>`);
  for (const user of (config.users as { name?: string }[] | undefined) ?? [])
    if (typeof user === 'object' && user?.name) lines.push(`cloud-init[842]: Adding user ${user.name}`);
  for (const file of (config.write_files as { path?: string }[] | undefined) ?? []) if (file?.path) lines.push(`cloud-init[1024]: Writing ${file.path}`);
  if (Array.isArray(config.packages)) lines.push(`cloud-init[1024]: Installing packages: ${config.packages.join(' ')}`);
  if (Array.isArray(config.runcmd)) lines.push(`cloud-init[1024]: Running ${config.runcmd.length} runcmd command${config.runcmd.length === 1 ? '' : 's'}`);
  lines.push(`cloud-init[1024]: Cloud-init v. 24.4-0ubuntu1 finished. Datasource DataSourceEc2Local. Up 42.17 seconds`);
  return { lines, failure: null };
}

function talos(userdata: string, hostname: string): FirstBoot {
  const head = '[talos] fetching machine config from: "http://metadata.platformequinix.com/userdata"';
  if (userdata.trim() === '')
    return {
      lines: [head, '[talos] no machine config found: entering maintenance mode'],
      failure: 'no Talos machine config in the user data: the node waits in maintenance mode',
    };
  const docs = parseAllDocuments(userdata);
  const list = Array.isArray(docs) ? docs : [docs];
  const broken = list.find((d) => d.errors.length > 0);
  if (broken) {
    const reason = broken.errors[0]!.message.split('\n')[0];
    return {
      lines: [head, `[talos] failed to load machine config: ${reason}`, '[talos] entering maintenance mode'],
      failure: `Talos could not load the machine config (${reason})`,
    };
  }
  const named = list.map((d) => d.toJS() as { hostname?: string } | null).find((d) => typeof d?.hostname === 'string')?.hostname ?? hostname;
  return {
    lines: [
      head,
      `[talos] machine config loaded successfully (${list.length} document${list.length === 1 ? '' : 's'})`,
      `[talos] setting hostname {"hostname": "${named}"}`,
    ],
    failure: null,
  };
}

/** A `data:` URL's text (RFC 2397: percent-encoded or base64), or null for anything else. */
function dataUrlText(source: string | undefined): string | null {
  const match = /^data:([^,]*),(.*)$/s.exec(source ?? '');
  if (!match) return null;
  try {
    return match[1]!.endsWith(';base64') ? Buffer.from(match[2]!, 'base64').toString('utf8') : decodeURIComponent(match[2]!);
  } catch {
    return null;
  }
}

/**
 * The files the first boot wrote, path → contents, so `cat` on the console shows what Ignition or
 * cloud-init put there (a remote `source` is not fetched in the lab: its contents read as empty).
 */
export function writtenFiles(m: FirstBootMachine): Map<string, string> {
  const files = new Map<string, string>();
  if (m.os.distro === 'flatcar' && m.userdata.trim().startsWith('{')) {
    try {
      const config = JSON.parse(m.userdata) as IgnitionConfig;
      for (const file of config.storage?.files ?? []) if (typeof file?.path === 'string') files.set(file.path, dataUrlText(file.contents?.source) ?? '');
    } catch {
      // Not Ignition: the boot already ended in emergency mode, no file was written.
    }
  } else if (m.os.distro === 'ubuntu' && m.userdata.startsWith('#cloud-config')) {
    const doc = parseDocument(m.userdata);
    const config = (doc.errors.length === 0 ? (doc.toJS() ?? {}) : {}) as { write_files?: { path?: string; content?: string }[] };
    for (const file of config.write_files ?? []) if (typeof file?.path === 'string') files.set(file.path, typeof file.content === 'string' ? file.content : '');
  }
  return files;
}
