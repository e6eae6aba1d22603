/**
 * What a lab machine prints on its serial port: firmware, iPXE, kernel, the OS's first-boot
 * configuration (Ignition, cloud-init, Talos, NixOS stage 1/2, FreeBSD loader), systemd, the login
 * prompt, and the ways real machines stop when they fail. Text follows what these systems print
 * on a 115200 8N1 console (ttyS1 on Metal x86 servers, as Equinix Metal documents its SOS console).
 */
import { emergency, firstBoot } from './first-boot';
import type { Machine } from '../lab-fleet';

const CRLF = '\r\n';

/** Lines of a kernel log, with the `[    t.tttttt]` stamp the kernel prints. */
function klog(start: number, lines: string[]): string[] {
  return lines.map((line, i) => `[${(start + i * 0.037).toFixed(6).padStart(12)}] ${line}`);
}

function osRelease(m: Machine): Record<string, string> {
  const version = m.osVersion;
  switch (m.os.distro) {
    case 'flatcar':
      return {
        NAME: '"Flatcar Container Linux by Kinvolk"',
        ID: 'flatcar',
        VERSION: version,
        VERSION_ID: version,
        BUILD_ID: `${version.split('.')[0]}-2026-10-28`,
        PRETTY_NAME: `"Flatcar Container Linux by Kinvolk ${version} (Oklo)"`,
        HOME_URL: '"https://flatcar.org/"',
      };
    case 'talos':
      return { NAME: '"Talos"', ID: 'talos', VERSION_ID: `v${version}`, PRETTY_NAME: `"Talos (v${version})"` };
    case 'ubuntu':
      return { NAME: '"Ubuntu"', ID: 'ubuntu', VERSION_ID: `"${version}"`, PRETTY_NAME: `"Ubuntu ${version} LTS"` };
    case 'nixos':
      return { NAME: 'NixOS', ID: 'nixos', VERSION_ID: `"${version}"`, PRETTY_NAME: `"NixOS ${version} (Warbler)"` };
    default:
      return { NAME: 'FreeBSD', VERSION: `"${version}-RELEASE"`, ID: 'freebsd', PRETTY_NAME: `"FreeBSD ${version}-RELEASE"` };
  }
}

export function osReleaseText(m: Machine): string {
  return Object.entries(osRelease(m))
    .map(([k, v]) => `${k}=${v}`)
    .join(CRLF);
}

export function kernelVersion(m: Machine): string {
  switch (m.os.distro) {
    case 'flatcar':
      return '6.6.54-flatcar';
    case 'talos':
      return '6.12.18-talos';
    case 'ubuntu':
      return m.osVersion.startsWith('24') ? '6.8.0-48-generic' : '5.15.0-122-generic';
    case 'nixos':
      return '6.12.4';
    default:
      return '14.2-RELEASE';
  }
}

export function loginUser(m: Machine): string {
  return m.os.defaultUser;
}

/** Firmware to kernel: what scrolls past during a power-on or reboot, before userspace. */
export function firmwareAndKernel(m: Machine, withPxe: boolean): string[] {
  const lines = [
    '',
    `${m.plan.slug} BIOS v2.14.1 (c) 2025 Supermicro`,
    'CPU: AMD EPYC 9254 24-Core Processor, 1 socket(s)',
    'Memory: testing ... OK',
    'Press <DEL> to enter setup, <F11> for boot menu, <F12> for network boot',
    '',
  ];
  if (withPxe) {
    lines.push(
      'iPXE 1.21.1+ (g988d2) -- Open Source Network Boot Firmware -- https://ipxe.org',
      'Features: DNS HTTP HTTPS iSCSI NFS TFTP VLAN AoE ELF MBOOT PXE bzImage Menu PXEXT',
      `net0: ${m.macs[0]} using bnxt on 0000:41:00.0 (Ethernet) [open]`,
      'Configuring (net0 ' + m.macs[0] + ').................. ok',
      `http://install.${m.facility.code}.lab.ironpane.internal/${m.os.slug}/boot.ipxe... ok`,
    );
  }
  if (m.os.distro === 'freebsd') {
    lines.push('Consoles: EFI console, serial port', 'FreeBSD/amd64 EFI loader, Revision 3.0', `Loading /boot/kernel/kernel...`, 'Booting...');
    lines.push(`---<<BOOT>>---`, `Copyright (c) 1992-2025 The FreeBSD Project.`, `FreeBSD ${m.osVersion}-RELEASE releng/${m.osVersion}-n239847 GENERIC amd64`);
    return lines;
  }
  lines.push(
    'Booting from Hard Disk...',
    m.os.distro === 'flatcar' ? "GRUB loading.. Booting `Flatcar default'" : 'Loading Linux ...',
    'Loading initial ramdisk ...',
  );
  lines.push(
    ...klog(0, [
      `Linux version ${kernelVersion(m)} (builder@lab) (gcc 13.3.0) #1 SMP PREEMPT_DYNAMIC`,
      `Command line: console=tty0 console=ttyS1,115200n8 root=LABEL=ROOT ${m.os.distro === 'flatcar' ? 'flatcar.first_boot=detected flatcar.oem.id=packet' : ''}`.trimEnd(),
      "x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point registers'",
      'BIOS-provided physical RAM map:',
      'ACPI: Early table checksum verification disabled',
      'smpboot: CPU0: AMD EPYC 9254 24-Core Processor (family: 0x19, model: 0x11, stepping: 0x1)',
      'Serial: 8250/16550 driver, 4 ports, IRQ sharing enabled',
      'serial8250: ttyS1 at I/O 0x2f8 (irq = 3, base_baud = 115200) is a 16550A',
      'bnxt_en 0000:41:00.0 eth0: Broadcom BCM57414 NetXtreme-E 10Gb/25Gb found',
      'bond0: (slave eth0): Enslaving as a backup interface with an up link',
      'EXT4-fs (nvme0n1p9): mounted filesystem with ordered data mode',
      'Run /init as init process',
    ]),
  );
  return lines;
}

/** Userspace up to (not including) the login prompt: the OS's first-boot configuration and init. */
export function userspace(m: Machine): string[] {
  const ok = (unit: string) => `[  \x1b[0;32mOK\x1b[0m  ] ${unit}`;
  switch (m.os.distro) {
    case 'flatcar': {
      const config = firstBoot(m);
      if (config.failure && config.lines.some((l) => l.includes('emergency mode'))) return config.lines;
      return [
        ...config.lines,
        ok('Started systemd-networkd.service - Network Configuration.'),
        ok('Started update-engine.service - Update Engine.'),
        ok('Started locksmithd.service - Cluster reboot manager.'),
        ok('Started sshd.socket - OpenSSH Server Socket.'),
      ];
    }
    case 'talos':
      return [
        `[talos] [initramfs] booting Talos v${m.osVersion}`,
        '[talos] mounted the "STATE" partition',
        ...(m.userdata
          ? firstBoot(m).lines
          : [
              '[talos] fetching machine config from: "http://metadata.platformequinix.com/userdata"',
              '[talos] machine config loaded successfully',
              '[talos] setting hostname {"hostname": "' + m.hostname + '"}',
            ]),
        '[talos] service[apid](Running): Health check successful',
        '[talos] service[kubelet](Running): Started task kubelet (PID 2481) for container kubelet',
        '[talos] phase startEverything (18/18): done',
      ];
    case 'ubuntu':
      return [
        ok('Started systemd-journald.service - Journal Service.'),
        "cloud-init[842]: Cloud-init v. 24.4-0ubuntu1 running 'init' at " + new Date().toUTCString(),
        'cloud-init[842]: ci-info: ++++++++++++++Net device info++++++++++++++',
        'cloud-init[842]: ci-info: | bond0 | True | ' + (m.ips[0]?.address ?? '.') + ' |',
        ...firstBoot(m).lines,
        ok('Finished cloud-init.service - Cloud-init: Network Stage.'),
        ok('Finished cloud-config.service - Apply the settings specified in cloud-config.'),
        ok('Started ssh.service - OpenBSD Secure Shell server.'),
        ok('Reached target cloud-init.target - Cloud-init target.'),
      ];
    case 'nixos':
      return [
        '<<< NixOS Stage 1 >>>',
        'loading module dm_mod...',
        'mounting /dev/disk/by-label/nixos on /...',
        '<<< NixOS Stage 2 >>>',
        'running activation script...',
        'setting up /etc...',
        ok('Started systemd-networkd.service - Network Configuration.'),
        ok('Started sshd.service - SSH Daemon.'),
      ];
    default:
      return [
        'Trying to mount root from zfs:zroot/ROOT/default []...',
        'Setting hostname: ' + m.hostname + '.',
        'Starting sshd.',
        'Starting cron.',
        `${new Date().toUTCString()}`,
      ];
  }
}

export function loginBanner(m: Machine): string[] {
  if (m.rescue) return ['', 'Welcome to Alpine Linux 3.21 (rescue, running from RAM)', 'Kernel 6.12.13-0-lts on an x86_64 (/dev/ttyS1)', ''];
  switch (m.os.distro) {
    case 'flatcar':
      return [
        '',
        '\x1b[0;32mThis is ' + m.hostname + ' (Linux x86_64 ' + kernelVersion(m) + ') ' + new Date().toTimeString().slice(0, 8) + '\x1b[0m',
        `SSH host key: SHA256:${m.id.replace(/-/g, '').slice(0, 43)} (ED25519)`,
        `bond0: ${m.ips[0]?.address ?? '(no address: layer-2 only)'}`,
        '',
      ];
    case 'talos':
      return ['', `[talos] Talos v${m.osVersion} has no shell: use talosctl. This console shows kernel and service logs.`, ''];
    case 'ubuntu':
      return ['', `Ubuntu ${m.osVersion} LTS ${m.hostname} ttyS1`, ''];
    case 'nixos':
      return ['', `<<< Welcome to NixOS ${m.osVersion} (x86_64) - ttyS1 >>>`, ''];
    default:
      return ['', `FreeBSD/amd64 (${m.hostname}) (ttyu1)`, ''];
  }
}

export type FailureKind = 'ignition' | 'emergency' | 'panic' | 'mountroot';

export function failureKind(m: Machine): FailureKind {
  switch (m.os.distro) {
    case 'flatcar':
      return 'ignition';
    case 'talos':
      return 'panic';
    case 'freebsd':
      return 'mountroot';
    default:
      return 'emergency';
  }
}

/** How a failed boot ends on the console. */
export function failureText(m: Machine): string[] {
  // A config the first boot refused has already said so, in its own words, on the way down.
  if (m.userdata && firstBoot(m).failure) return [];
  switch (failureKind(m)) {
    case 'ignition':
      return [
        'ignition[612]: GET http://metadata.platformequinix.com/userdata: attempt #6',
        'ignition[612]: GET error: Get "http://metadata.platformequinix.com/userdata": dial tcp: lookup metadata.platformequinix.com: no such host',
        'ignition[612]: failed to fetch config: context deadline exceeded',
        ...emergency('ignition-fetch.service - Ignition (fetch)'),
      ];
    case 'panic':
      return klog(4.2, [
        'VFS: Cannot open root device "LABEL=BOOT" or unknown-block(0,0): error -6',
        'Please append a correct "root=" boot option; here are the available partitions:',
        'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)',
        'CPU: 3 PID: 1 Comm: swapper/0 Not tainted ' + kernelVersion(m) + ' #1',
        '---[ end Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0) ]---',
      ]);
    case 'mountroot':
      return [
        'Mounting from zfs:zroot/ROOT/default failed with error 6.',
        '',
        'Loader variables:',
        '  vfs.root.mountfrom=zfs:zroot/ROOT/default',
        '',
        'mountroot> ',
      ];
    default:
      return [
        '[\x1b[0;1;31mFAILED\x1b[0m] Failed to mount data.mount - /data.',
        '[\x1b[0;1;39mDEPEND\x1b[0m] Dependency failed for local-fs.target - Local File Systems.',
        'You are in emergency mode. After logging in, type "journalctl -xb" to view',
        'system logs, "systemctl reboot" to reboot, "systemctl default" or "exit"',
        'to boot into default mode.',
        'Press Enter for maintenance',
        '(or press Control-D to continue): ',
      ];
  }
}

export function shutdownText(m: Machine): string[] {
  if (m.os.distro === 'freebsd')
    return [
      'Stopping cron.',
      "Waiting (max 60 seconds) for system process `syncer' to stop... done",
      'All buffers synced.',
      'Uptime: 12d3h4m',
      'acpi0: Powering system off',
    ];
  return [
    '[  \x1b[0;32mOK\x1b[0m  ] Stopped target multi-user.target - Multi-User System.',
    '[  \x1b[0;32mOK\x1b[0m  ] Stopped sshd.service - OpenSSH server daemon.',
    '[  \x1b[0;32mOK\x1b[0m  ] Reached target shutdown.target - System Shutdown.',
    ...klog(812.3, ['reboot: Power down']),
  ];
}

export const SYSRQ_HELP =
  'sysrq: HELP : loglevel(0-9) reboot(b) crash(c) terminate-all-tasks(e) memory-full-oom-kill(f) kill-all-tasks(i) thaw-filesystems(j) sak(k) show-backtrace-all-active-cpus(l) show-memory-usage(m) nice-all-RT-tasks(n) poweroff(o) show-registers(p) show-all-timers(q) unraw(r) sync(s) show-task-states(t) unmount(u) force-fb(v) show-blocked-tasks(w) dump-ftrace-buffer(z) replay-kernel-logs(R)';

export const lines = (list: string[]) => list.map((l) => `${l}${CRLF}`).join('');
