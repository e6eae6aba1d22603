/**
 * The Butane translator against the Flatcar documentation's example pairs (read from the reference
 * folder CI places beside the checkout; skipped, saying so, without it), plus the sugar, the errors
 * and the warnings, each with its position.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemdPathEscape, translateButane } from './butane';
import { makeDataUrl } from './data-url';

const EXAMPLES = path.resolve(__dirname, '../../../shared/reference/schemas/butane-examples');
const examples = existsSync(EXAMPLES) ? readdirSync(EXAMPLES).filter((f) => f.endsWith('.bu')) : [];
const title = examples.length > 0 ? 'Butane examples → Ignition' : `Butane examples → Ignition — SKIPPED: ${EXAMPLES} is absent`;

/** Key order does not matter to Ignition; compare canonical JSON. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  return value;
}

describe.skipIf(examples.length === 0)(title, () => {
  it.each(examples)('%s translates to its documented Ignition', (file) => {
    const result = translateButane(readFileSync(path.join(EXAMPLES, file), 'utf8'));
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const expected = JSON.parse(readFileSync(path.join(EXAMPLES, file.replace(/\.bu$/, '.ign.json')), 'utf8'));
    expect(canonical(result.ignition)).toEqual(canonical(expected));
  });
});

const bu = (body: string, version = '1.1.0') => `variant: flatcar\nversion: ${version}\n${body}`;

describe('Butane translator', () => {
  it('maps versions to Ignition specs and writes deterministic text', () => {
    expect(translateButane(bu('', '1.0.0')).ignitionVersion).toBe('3.3.0');
    const a = translateButane(bu('passwd:\n  users:\n    - name: core\n'));
    expect(a.ignitionVersion).toBe('3.4.0');
    expect(a.ignitionText).toBe(translateButane(bu('passwd:\n  users:\n    - name: core\n')).ignitionText);
    expect(a.ignitionText!.endsWith('}\n')).toBe(true);
  });

  it('renames snake_case fields, including the MiB ones', () => {
    const result = translateButane(
      bu(
        'storage:\n  disks:\n    - device: /dev/sda\n      wipe_table: true\n      partitions:\n        - label: data\n          size_mib: 1024\n          start_mib: 0\n',
      ),
    );
    expect(result.ignition).toMatchObject({
      storage: { disks: [{ device: '/dev/sda', wipeTable: true, partitions: [{ label: 'data', sizeMiB: 1024, startMiB: 0 }] }] },
    });
  });

  it('turns inline contents into the shorter data URL with compression ""', () => {
    expect(makeDataUrl('REBOOT_STRATEGY=etcd-lock\n')).toBe('data:,REBOOT_STRATEGY%3Detcd-lock%0A');
    expect(makeDataUrl('€€€€')).toBe('data:;base64,4oKs4oKs4oKs4oKs');
    const result = translateButane(bu('storage:\n  files:\n    - path: /etc/motd\n      append:\n        - inline: hello\n'));
    expect(result.ignition).toMatchObject({ storage: { files: [{ path: '/etc/motd', append: [{ source: 'data:,hello', compression: '' }] }] } });
  });

  it('generates the mount unit for with_mount_unit, and requires format and path', () => {
    const ok = translateButane(
      bu('storage:\n  filesystems:\n    - device: /dev/disk/by-label/DATA\n      format: ext4\n      path: /var/lib/data\n      with_mount_unit: true\n'),
    );
    const units = (ok.ignition as { systemd: { units: { name: string; contents: string; enabled: boolean }[] } }).systemd.units;
    expect(units[0]).toMatchObject({ name: 'var-lib-data.mount', enabled: true });
    expect(units[0]!.contents).toContain('Requires=systemd-fsck@dev-disk-by\\x2dlabel-DATA.service');
    expect(units[0]!.contents).toContain('Where=/var/lib/data\nWhat=/dev/disk/by-label/DATA\nType=ext4');
    const bad = translateButane(bu('storage:\n  filesystems:\n    - device: /dev/sdb\n      with_mount_unit: true\n'));
    expect(bad.ignition).toBeNull();
    expect(bad.diagnostics[0]).toMatchObject({
      severity: 'error',
      message: 'format is required if with_mount_unit is true',
      line: 6,
      path: 'storage.filesystems.0.with_mount_unit',
    });
  });

  it('refuses what needs a files directory, two sources, and clevis, each at its line', () => {
    const result = translateButane(
      bu(
        'storage:\n  files:\n    - path: /a\n      contents:\n        inline: x\n        source: https://example.com/a\n    - path: /b\n      contents:\n        local: b.txt\n  luks:\n    - name: data\n      device: /dev/sdc\n      clevis:\n        tpm2: true\n',
      ),
    );
    const errors = result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}: ${d.message}`);
    expect(errors).toEqual([
      '7: only one of the following can be set: inline, local, source',
      expect.stringMatching(/^11: local file paths are relative to a files directory/),
      '15: clevis is not supported on the flatcar variant',
    ]);
  });

  it('warns about unused keys and decimal-looking modes, with positions', () => {
    const result = translateButane(bu('storage:\n  files:\n    - path: /etc/x\n      mode: 644\n      owner: root\n'));
    expect(result.ignition).not.toBeNull();
    expect(result.diagnostics.map((d) => [d.severity, d.line, d.column, d.message])).toEqual([
      ['warning', 6, 13, 'unreasonable mode would be reasonable if specified in octal; remember to add a leading zero'],
      ['warning', 7, 7, 'Unused key owner'],
    ]);
    expect(translateButane(bu('storage:\n  files:\n    - path: /etc/x\n      mode: 0644\n')).ignition).toMatchObject({ storage: { files: [{ mode: 420 }] } });
  });

  it('reports YAML errors, duplicate keys, wrong types, and a missing variant', () => {
    expect(translateButane('variant: flatcar\nversion: 1.1.0\nstorage: [\n').diagnostics[0]).toMatchObject({ severity: 'error', line: expect.any(Number) });
    expect(translateButane(bu('passwd: {}\npasswd: {}\n')).diagnostics[0]!.message).toMatch(/unique/i);
    const types = translateButane(bu('systemd:\n  units:\n    - name: a.service\n      enabled: maybe\n'));
    expect(types.diagnostics[0]).toMatchObject({ message: 'enabled must be true or false', line: 6 });
    expect(translateButane('version: 1.1.0\n').diagnostics[0]!.message).toMatch(/missing `variant`/);
    expect(translateButane(bu('', '9.9.9')).diagnostics[0]!.message).toMatch(/version must be one of 1\.0\.0, 1\.1\.0/);
  });

  it('escapes unit names as systemd does', () => {
    expect(systemdPathEscape('/')).toBe('-');
    expect(systemdPathEscape('/var/lib/my-data')).toBe('var-lib-my\\x2ddata');
    expect(systemdPathEscape('/mnt/.hidden')).toBe('mnt-.hidden');
  });
});
