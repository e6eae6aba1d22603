/**
 * The small shell behind a lab machine's login prompt. It answers what an operator types while
 * debugging, from the machine's simulated state: addresses and VLAN sub-interfaces, OS release,
 * Flatcar's update_engine and A/B partitions (Flatcar's update_engine_client and cgpt output formats), failed units, the boot journal.
 * The rollback tools change the machine for real: Flatcar's documented manual rollback (Flatcar docs
 * diagnostics/manual-rollbacks.md: `cgpt prioritize "$(cgpt find -t flatcar-usr | grep --invert-match
 * "$(rootdev -s /usr)")"`, so `$(…)`, one pipe into grep and `sudo` work as in bash) and NixOS's
 * `nixos-rebuild switch --rollback` (nixpkgs nixos/doc/manual/administration/rollback.section.md).
 */
import { payloadOf } from '../updates/releases';
import type { Machine, OsTools } from '../lab-fleet';
import { firmwareAndKernel, kernelVersion, osReleaseText, userspace } from './console-text';
import { writtenFiles } from './first-boot';

const CRLF = '\r\n';

export interface ShellResult {
  output: string;
  /** What the console should do next, beyond printing. */
  effect?: 'logout' | 'reboot' | { flood: number } | 'clear';
}

export function prompt(m: Machine, user: string, emergency: boolean): string {
  if (emergency) return ':/root# ';
  if (m.os.distro === 'freebsd') return `${user}@${m.hostname}:~ ${user === 'root' ? '#' : '$'} `;
  if (m.os.distro === 'flatcar') return `${user}@${m.hostname} ~ ${user === 'root' ? '#' : '$'} `;
  return `${user}@${m.hostname}:~${user === 'root' ? '#' : '$'} `;
}

function ipAddr(m: Machine): string {
  const out = [
    '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
    '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
    '    inet 127.0.0.1/8 scope host lo',
  ];
  out.push(
    `2: eth0: <BROADCAST,MULTICAST,SLAVE,UP,LOWER_UP> mtu 1500 qdisc mq master bond0 state UP group default qlen 1000`,
    `    link/ether ${m.macs[0]} brd ff:ff:ff:ff:ff:ff`,
  );
  out.push(
    `3: eth1: <BROADCAST,MULTICAST,SLAVE,UP,LOWER_UP> mtu 1500 qdisc mq master bond0 state UP group default qlen 1000`,
    `    link/ether ${m.macs[0]} brd ff:ff:ff:ff:ff:ff permaddr ${m.macs[1]}`,
  );
  out.push(
    `4: bond0: <BROADCAST,MULTICAST,MASTER,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000`,
    `    link/ether ${m.macs[0]} brd ff:ff:ff:ff:ff:ff`,
  );
  for (const ip of m.ips) out.push(`    inet${ip.family === 6 ? '6' : ''} ${ip.address}/${ip.cidr} scope global bond0`);
  let index = 5;
  for (const vlan of m.vlans) {
    out.push(
      `${index++}: bond0.${vlan.vxlan}@bond0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000`,
      `    link/ether ${m.macs[0]} brd ff:ff:ff:ff:ff:ff`,
    );
    // Layer-2-only machines get their VLAN address from the operator's config; the lab leaves it unset, the classic L2 debugging case.
    if (m.networkType === 'hybrid-bonded') out.push(`    inet 192.168.${vlan.vxlan % 256}.1/24 scope global bond0.${vlan.vxlan}`);
  }
  return out.join(CRLF);
}

/** `update_engine_client -status`, from the same state the Metal API and the update server see. */
function updateEngineStatus(m: Machine): string {
  const engine = m.osReport?.updateEngine;
  if (m.os.distro !== 'flatcar' || !engine) return '-bash: update_engine_client: command not found';
  const checked = engine.lastCheckedAt ? Math.floor(Date.parse(engine.lastCheckedAt) / 1000) : 0;
  return [
    `LAST_CHECKED_TIME=${checked}`,
    `PROGRESS=${engine.progress.toFixed(6)}`,
    `CURRENT_OP=${engine.status}`,
    `NEW_VERSION=${engine.newVersion ?? '0.0.0'}`,
    `NEW_SIZE=${engine.newVersion ? payloadOf(engine.newVersion).size : 0}`,
  ].join(CRLF);
}

/** `cgpt show`: the USR-A/USR-B GPT attributes GRUB boots by. */
function cgptShow(m: Machine): string {
  const slots = m.osReport?.scheme === 'usr-ab' ? m.osReport.slots : null;
  if (m.os.distro !== 'flatcar' || !slots) return '-bash: cgpt: command not found';
  const usr = (label: string, start: number, part: number) => {
    const slot = slots.find((s) => s.label === label);
    return [
      `     ${start}     2097152       ${part}  Label: "${label}"`,
      `                                  Type: Alias for coreos-rootfs`,
      `                                  Attr: priority=${slot?.priority ?? 0} tries=${slot?.tries ?? 0} successful=${slot?.successful ? 1 : 0}`,
    ].join(CRLF);
  };
  return [
    '       start        size    part  contents',
    '           0           1          PMBR (Boot GUID: 7130C94A-213A-4E5A-8E26-6CCE9662F132)',
    '        4096      262144       1  Label: "EFI-SYSTEM"',
    usr('USR-A', 4857856, 3),
    usr('USR-B', 6955008, 4),
    '    13041664    12582912       9  Label: "ROOT"',
  ].join(CRLF);
}

function failedUnits(m: Machine, emergency: boolean): string {
  if (!emergency && m.state !== 'failed') return '  UNIT LOAD ACTIVE SUB DESCRIPTION' + CRLF + '0 loaded units listed.';
  const unit =
    m.os.distro === 'flatcar' ? 'ignition-fetch.service  loaded failed failed Ignition (fetch)' : 'data.mount              loaded failed failed /data';
  return ['  UNIT                    LOAD   ACTIVE SUB    DESCRIPTION', `\x1b[0;1;31m●\x1b[0m ${unit}`, '', '1 loaded units listed.'].join(CRLF);
}

/** `-p err`, `-p 3`, `--priority=warning`: the most severe level asked for (journalctl(1)), or null for all. */
function priorityOf(args: string[]): number | null {
  const LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
  const value = args.find((a) => a.startsWith('--priority='))?.slice('--priority='.length) ?? (args.includes('-p') ? args[args.indexOf('-p') + 1] : undefined);
  if (value === undefined) return null;
  const level = /^\d$/.test(value) ? Number(value) : LEVELS.indexOf(value.split('..').pop()!);
  return level < 0 ? null : level;
}

/** A line's syslog level as the lab guesses it from its words: failures are err, warnings warning, the rest info. */
const levelOf = (line: string) => (/\bFAILED\b|\bfailed\b|\berror\b|Emergency|panic/i.test(line) ? 3 : /\bWARNING\b|\bwarn/i.test(line) ? 4 : 6);

function journal(m: Machine, maxLevel: number | null = null): string {
  const stamp = new Date().toUTCString().slice(5, 25);
  const entries = [...firmwareAndKernel(m, false).filter((l) => l.startsWith('[')), ...userspace(m)].filter((l) => maxLevel === null || levelOf(l) <= maxLevel);
  if (entries.length === 0) return `-- No entries --`;
  return [`-- Journal begins at ${stamp}. --`, ...entries.map((l) => `${stamp} ${m.hostname} ${l}`)].join(CRLF);
}

/** uname(1)'s flags: -s, -n, -r, -m, -a (no flag: the kernel name). */
function uname(m: Machine, args: string[]): string {
  const bsd = m.os.distro === 'freebsd';
  const kernel = bsd ? 'FreeBSD' : 'Linux';
  const release = bsd ? `${m.osVersion}-RELEASE` : kernelVersion(m);
  if (args.includes('-a')) {
    return bsd
      ? `FreeBSD ${m.hostname} ${m.osVersion}-RELEASE FreeBSD ${m.osVersion}-RELEASE releng/${m.osVersion}-n239847 GENERIC amd64`
      : `Linux ${m.hostname} ${kernelVersion(m)} #1 SMP PREEMPT_DYNAMIC Mon Oct 27 12:00:00 -00 2026 x86_64 GNU/Linux`;
  }
  const flags = args.filter((a) => a.startsWith('-')).flatMap((a) => [...a.slice(1)]);
  if (flags.length === 0) return kernel;
  const part: Record<string, string> = {
    s: kernel,
    n: m.hostname,
    r: release,
    m: bsd ? 'amd64' : 'x86_64',
    v: bsd ? 'GENERIC' : '#1 SMP PREEMPT_DYNAMIC',
    o: bsd ? 'FreeBSD' : 'GNU/Linux',
  };
  const unknown = flags.find((f) => !(f in part));
  if (unknown) return `uname: invalid option -- '${unknown}'`;
  return ['s', 'n', 'r', 'v', 'm', 'o']
    .filter((f) => flags.includes(f))
    .map((f) => part[f])
    .join(' ');
}

/** The USR partitions' devices, as `cgpt find -t flatcar-usr` lists them (USR-A is partition 3, USR-B 4). */
const USR_DEVICE = { 'USR-A': '/dev/sda3', 'USR-B': '/dev/sda4' } as const;

function rootdev(m: Machine): string {
  if (m.os.distro !== 'flatcar' || m.osReport?.scheme !== 'usr-ab') return '/dev/sda9';
  const booted = m.osReport.slots.find((s) => s.booted)?.label as keyof typeof USR_DEVICE | undefined;
  return booted ? USR_DEVICE[booted] : '/dev/sda3';
}

/** `$(…)` innermost first, the way bash substitutes (quotes only group here). */
function substitute(m: Machine, user: string, emergency: boolean, line: string, tools: OsTools | null | undefined): string {
  for (let guard = 0; guard < 8; guard++) {
    const open = line.lastIndexOf('$(');
    if (open < 0) break;
    const close = line.indexOf(')', open);
    if (close < 0) break;
    const inner = runCommand(m, user, emergency, line.slice(open + 2, close), tools, true)
      .output.trim()
      .split(CRLF)
      .join(' ');
    line = line.slice(0, open) + inner + line.slice(close + 1);
  }
  return line;
}

/** `… | grep [-v|--invert-match] PATTERN`: the only pipe the lab's rollback needs. */
function grep(output: string, args: string[]): string {
  const invert = args[0] === '-v' || args[0] === '--invert-match';
  const pattern = (invert ? args[1] : args[0]) ?? '';
  return output
    .split(CRLF)
    .filter((l) => l.includes(pattern) !== invert)
    .join(CRLF);
}

export function runCommand(m: Machine, user: string, emergency: boolean, line: string, tools?: OsTools | null, nested = false): ShellResult {
  const expanded = nested ? line : substitute(m, user, emergency, line, tools);
  const [head = '', ...filters] = expanded.replace(/"/g, '').split(' | ');
  const result = runOne(m, user, emergency, head, tools);
  for (const filter of filters) {
    const [tool, ...args] = filter.trim().split(/\s+/);
    result.output = tool === 'grep' ? grep(result.output, args) : `-bash: ${tool}: command not found`;
  }
  return result;
}

function runOne(m: Machine, user: string, emergency: boolean, line: string, tools: OsTools | null | undefined): ShellResult {
  let [command = '', ...args] = line.trim().split(/\s+/);
  let root = user === 'root';
  if (command === 'sudo') {
    [command = '', ...args] = args;
    root = true;
  }
  const shell = m.os.distro === 'freebsd' ? 'sh' : '-bash';
  switch (command) {
    case 'rootdev':
      return { output: m.os.distro === 'flatcar' ? rootdev(m) : `${shell}: rootdev: command not found` };
    case 'dmesg':
      return {
        output: journal(m)
          .split(CRLF)
          .filter((l) => / \[/.test(l))
          .map((l) => l.slice(l.indexOf('[')))
          .join(CRLF),
      };
    case 'nixos-rebuild': {
      if (m.os.distro !== 'nixos' || !tools) return { output: `${shell}: nixos-rebuild: command not found` };
      if (args[0] === 'list-generations') return { output: tools.nixosGenerations(m) };
      if (!root) return { output: 'error: creating symlink /nix/var/nix/profiles/system: Permission denied (run it with sudo)' };
      if ((args[0] === 'switch' || args[0] === 'boot') && args.includes('--rollback')) return { output: tools.nixosRollback(m).output };
      return { output: 'nixos-rebuild: the lab supports list-generations and switch --rollback' };
    }
    case '':
      return { output: '' };
    case 'uname':
      return { output: uname(m, args) };
    case 'hostname':
      return { output: m.hostname };
    case 'whoami':
      return { output: user };
    case 'date':
      return { output: new Date().toUTCString() };
    case 'uptime':
      return { output: ` ${new Date().toTimeString().slice(0, 8)} up 12 days,  3:04,  1 user,  load average: 0.08, 0.03, 0.01` };
    case 'echo':
      return { output: args.join(' ') };
    case 'ip':
      if (['addr', 'a', 'address'].includes(args[0] ?? '')) return { output: ipAddr(m) };
      return { output: 'Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }' };
    case 'cat':
      if (args[0] === '/etc/os-release') return { output: osReleaseText(m) };
      if (args[0] === '/proc/cmdline') return { output: 'console=tty0 console=ttyS1,115200n8 root=LABEL=ROOT' };
      {
        // What the first boot wrote (Ignition's storage.files, cloud-init's write_files).
        const written = writtenFiles(m).get(args[0] ?? '');
        if (written !== undefined)
          return {
            output: written
              .replace(/\r?\n$/, '')
              .split(/\r?\n/)
              .join(CRLF),
          };
      }
      return { output: `cat: ${args[0] ?? ''}: No such file or directory` };
    case 'update_engine_client':
      return { output: updateEngineStatus(m) };
    case 'cgpt':
      if (m.os.distro !== 'flatcar') return { output: `${shell}: cgpt: command not found` };
      if (args[0] === 'find' && args.includes('flatcar-usr')) return { output: `${USR_DEVICE['USR-A']}${CRLF}${USR_DEVICE['USR-B']}` };
      if (args[0] === 'prioritize') {
        const device = args[args.length - 1] ?? '';
        if (args.length < 2 || !device.startsWith('/dev/')) return { output: 'ERROR: cgpt prioritize: missing drive argument' };
        if (!root) return { output: `ERROR: Can't open ${device.replace(/\d+$/, '')}: Permission denied` };
        if (!tools) return { output: 'ERROR: cgpt prioritize: not available' };
        return { output: tools.prioritizeUsr(m, device).output };
      }
      return { output: cgptShow(m) };
    case 'systemctl':
      if (args.includes('--failed')) return { output: failedUnits(m, emergency) };
      if (args[0] === 'reboot') return { output: '', effect: 'reboot' };
      return { output: `${command}: use --failed or reboot in this console` };
    case 'journalctl':
      return { output: journal(m, priorityOf(args)) };
    case 'reboot':
      return { output: '', effect: 'reboot' };
    case 'clear':
      return { output: '\x1b[H\x1b[2J', effect: 'clear' };
    case 'exit':
    case 'logout':
      return { output: 'logout', effect: 'logout' };
    case 'flood': {
      // Test and bench mode: stream N MiB (default 1) as fast as the console takes it; Ctrl-C stops it.
      const mib = Number(args[0] ?? 1);
      if (!Number.isFinite(mib) || mib <= 0 || mib > 4096) return { output: 'flood: usage: flood <MiB, 1-4096>' };
      return { output: '', effect: { flood: mib } };
    }
    case 'help':
      return {
        output:
          'Commands: ip addr, uname -a, cat /etc/os-release, update_engine_client -status, cgpt show | find -t flatcar-usr | prioritize <dev>, rootdev -s /usr, ' +
          'nixos-rebuild list-generations | switch --rollback, systemctl --failed | reboot, journalctl -b, dmesg, sudo, reboot, flood <MiB>, exit',
      };
    default:
      return { output: `${shell}: ${command}: command not found` };
  }
}
