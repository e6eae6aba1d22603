/**
 * Butane has no published JSON Schema; its translator's field table (butane.ts, from coreos/butane's
 * `config/flatcar/v1_1/schema.go` and `base/v0_5/schema.go`) knows every key and its type. This turns
 * that table into a JSON Schema so completion and hover work for Butane as for Ignition, with the
 * meaning of each key in words from Butane's specification
 * (https://coreos.github.io/butane/config-flatcar-v1_1/).
 */
import { BUTANE, type ButaneSpec } from './butane';

/** What a key means, by its dotted path (`*` for a list item). Keys not listed get their type only. */
const MEANING: Record<string, string> = {
  variant: 'The config variant: `flatcar` for Flatcar Container Linux.',
  version: 'The Butane spec version: `1.0.0` (Ignition 3.3.0) or `1.1.0` (Ignition 3.4.0).',
  ignition: 'Options for Ignition itself: configs to merge or replace, timeouts, TLS, proxy.',
  'ignition.config': 'Other Ignition configs to merge into this one, or to replace it with.',
  'ignition.config.merge': 'Configs fetched and merged into this one, in order.',
  'ignition.config.replace': 'A config that replaces this one entirely.',
  'ignition.timeouts': 'How long Ignition waits for remote resources (seconds).',
  'ignition.security.tls.certificate_authorities': 'Extra CA certificates trusted when fetching remote resources.',
  'ignition.proxy': 'The HTTP(S) proxy Ignition uses to fetch remote resources.',
  storage: 'Disks, partitions, RAID, filesystems, files, directories and links to set up at first boot.',
  'storage.disks': 'Disks to partition.',
  'storage.disks.*.device': 'The absolute path to the disk device, e.g. `/dev/sda`.',
  'storage.disks.*.wipe_table': 'Whether to wipe the partition table before partitioning.',
  'storage.disks.*.partitions': 'The partitions on this disk.',
  'storage.raid': 'Software RAID arrays to create.',
  'storage.filesystems': 'Filesystems to create or use.',
  'storage.filesystems.*.device': 'The absolute path to the device holding the filesystem.',
  'storage.filesystems.*.format': 'The filesystem type: `ext4`, `btrfs`, `xfs`, `vfat`, `swap` or `none`.',
  'storage.filesystems.*.path': 'Where the filesystem is mounted while Ignition runs (and by its mount unit).',
  'storage.filesystems.*.with_mount_unit': 'Generate a systemd mount unit (or swap unit) so it is mounted at every boot.',
  'storage.filesystems.*.wipe_filesystem': 'Whether to wipe the device before creating the filesystem.',
  'storage.files': 'Files to write.',
  'storage.files.*.path': 'The absolute path of the file.',
  'storage.files.*.contents': 'The file contents: `inline` text, or a `source` URL with an optional `verification` hash.',
  'storage.files.*.contents.inline': 'The contents as text, written as is.',
  'storage.files.*.contents.source': 'A URL to fetch the contents from (http, https, s3, tftp, data).',
  'storage.files.*.append': 'Contents appended to the file, in order.',
  'storage.files.*.mode': 'The file permissions as an octal number, e.g. `0644` (write the leading 0).',
  'storage.files.*.overwrite': 'Whether to replace a file that already exists at the path.',
  'storage.files.*.user': 'The owner, by `id` or `name`.',
  'storage.files.*.group': 'The group, by `id` or `name`.',
  'storage.directories': 'Directories to create.',
  'storage.directories.*.mode': 'The directory permissions as an octal number, e.g. `0755`.',
  'storage.links': 'Symbolic or hard links to create.',
  'storage.links.*.target': 'What the link points to.',
  'storage.links.*.hard': 'A hard link instead of a symbolic one.',
  'storage.luks': 'LUKS encrypted volumes (Clevis is not available on Flatcar).',
  'storage.trees': 'Local directory trees to copy in: not available in Ironpane (no files directory); use files.',
  systemd: 'systemd units to write, enable, mask or extend.',
  'systemd.units': 'The units.',
  'systemd.units.*.name': 'The unit name with its type, e.g. `app.service`.',
  'systemd.units.*.enabled': 'Whether the unit is enabled (started at boot per its [Install] section).',
  'systemd.units.*.mask': 'Whether the unit is masked (linked to /dev/null).',
  'systemd.units.*.contents': 'The unit file itself.',
  'systemd.units.*.dropins': 'Drop-in files that override parts of the unit.',
  passwd: 'Users and groups to create or change.',
  'passwd.users': 'The users.',
  'passwd.users.*.name': 'The user name. `core` is Flatcar’s default user.',
  'passwd.users.*.ssh_authorized_keys': 'Public SSH keys allowed to log in as this user.',
  'passwd.users.*.password_hash': 'The password hash (e.g. from `mkpasswd --method=yescrypt`); never the password.',
  'passwd.users.*.groups': 'Supplementary groups, e.g. `sudo`, `docker`.',
  'passwd.groups': 'The groups.',
  kernel_arguments: 'Kernel command-line arguments that must or must not be present (applied with a reboot on first boot).',
  'kernel_arguments.should_exist': 'Arguments to add.',
  'kernel_arguments.should_not_exist': 'Arguments to remove.',
};

type JsonSchema = Record<string, unknown>;

function toSchema(spec: ButaneSpec, path: string): JsonSchema {
  const description = MEANING[path];
  const withText = (schema: JsonSchema): JsonSchema => (description ? { ...schema, description } : schema);
  if (spec === 'string') return withText({ type: 'string' });
  if (spec === 'int') return withText({ type: 'integer' });
  if (spec === 'bool') return withText({ type: 'boolean' });
  if (spec === 'mode') return withText({ type: 'integer' });
  if ('list' in spec) return withText({ type: 'array', items: toSchema(spec.list, `${path}.*`) });
  const properties: Record<string, JsonSchema> = {};
  for (const [key, child] of Object.entries(spec.fields)) properties[key] = toSchema(child, path ? `${path}.${key}` : key);
  return withText({ type: 'object', properties });
}

/** Butane (flatcar variant) as a JSON Schema, for completion and hover only (the translator checks). */
export const BUTANE_SCHEMA: JsonSchema = toSchema(BUTANE, '');
