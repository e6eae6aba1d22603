/**
 * Peers we did not write check Ironpane's config output: Debian's `ignition-validate` (Ignition
 * 2.14, which knows spec 3.3.0, so Butane flatcar 1.0.0) accepts what the translator emits for the
 * Flatcar documentation's examples and for the sugar, and rejects broken configs; cloud-init's own
 * `schema` command agrees with the editor's verdict on good and bad cloud-configs. Each is skipped,
 * saying why, when its tool is absent (`.ci/run` installs both).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translateButane } from '../../shared/config/butane';
import { hasErrors } from '../../shared/config/diagnostics';
import { SchemaService } from '../../electron/services/config/schema-service';
import { schemaReferenceAvailable, startSchemaMirror, type SchemaMirror } from '../fakes/schema-mirror';

const IGNITION_VALIDATE = '/usr/bin/ignition-validate';
// Debian's python3, not a pyenv one: cloud-init's module lives in /usr/lib/python3/dist-packages.
const SYSTEM_PYTHON = '/usr/bin/python3';
const hasCloudInit = existsSync(SYSTEM_PYTHON) && spawnSync(SYSTEM_PYTHON, ['-c', 'import cloudinit'], { stdio: 'ignore' }).status === 0;
const EXAMPLES = path.resolve(__dirname, '../../../shared/reference/schemas/butane-examples');
const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-peers-'));

function ignitionValidate(json: string): { ok: boolean; output: string } {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.ign`);
  writeFileSync(file, json);
  const run = spawnSync(IGNITION_VALIDATE, [file], { encoding: 'utf8' });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}`.trim() };
}

describe.skipIf(!existsSync(IGNITION_VALIDATE))(
  existsSync(IGNITION_VALIDATE) ? 'ignition-validate accepts the translator output' : 'ignition-validate — SKIPPED: install Debian package ignition',
  () => {
    const pairs = existsSync(EXAMPLES) ? readdirSync(EXAMPLES).filter((f) => f.endsWith('.bu')) : [];

    it.skipIf(pairs.length === 0)('accepts every Flatcar documentation example (flatcar 1.0.0 → Ignition 3.3.0)', () => {
      for (const file of pairs) {
        const result = translateButane(readFileSync(path.join(EXAMPLES, file), 'utf8'));
        expect(result.ignitionVersion).toBe('3.3.0');
        expect({ file, ...ignitionValidate(result.ignitionText!) }).toEqual({ file, ok: true, output: '' });
      }
    });

    it('accepts the sugar: inline contents, append, a generated mount unit, dropins, users and groups', () => {
      const butane = [
        'variant: flatcar',
        'version: 1.0.0',
        'passwd:',
        '  users:',
        '    - name: ops',
        '      groups: [sudo, docker]',
        '      ssh_authorized_keys: [ssh-ed25519 AAAAC3Nza ops@example]',
        '  groups:',
        '    - name: deploy',
        'storage:',
        '  filesystems:',
        '    - device: /dev/disk/by-label/DATA',
        '      format: ext4',
        '      path: /var/lib/data',
        '      with_mount_unit: true',
        '  files:',
        '    - path: /etc/motd',
        '      mode: 0644',
        '      contents:',
        '        inline: "Welcome, €uro 😀\\n"',
        '      append:',
        '        - inline: more',
        '  links:',
        '    - path: /etc/localtime',
        '      target: /usr/share/zoneinfo/UTC',
        'systemd:',
        '  units:',
        '    - name: docker.service',
        '      dropins:',
        '        - name: 10-opts.conf',
        '          contents: "[Service]\\nEnvironment=DOCKER_OPTS=--debug\\n"',
        '',
      ].join('\n');
      const result = translateButane(butane);
      expect(hasErrors(result.diagnostics)).toBe(false);
      expect(ignitionValidate(result.ignitionText!)).toEqual({ ok: true, output: '' });
    });

    it('rejects broken configs the way Ignition does', () => {
      expect(ignitionValidate('{"ignition":{"version":"3.3.0"},"storage":{"files":[{"path":"/a"},{"path":"/a"}]}}').output).toMatch(/duplicate entry/);
      expect(ignitionValidate('{"ignition":{"version":"3.3.0"},"storage":{"files":[{"path":"/a","mode":"0644"}]}}').ok).toBe(false);
      expect(ignitionValidate('{"ignition":{"version":"9.9.9"}}').ok).toBe(false);
    });
  },
);

describe.skipIf(!hasCloudInit || !schemaReferenceAvailable)(
  hasCloudInit && schemaReferenceAvailable
    ? "cloud-init's schema command agrees with the editor"
    : `cloud-init schema — SKIPPED: ${hasCloudInit ? 'the reference schemas are absent' : 'install Debian package cloud-init'}`,
  () => {
    let mirror: SchemaMirror;
    let schemas: SchemaService;
    beforeAll(async () => {
      mirror = await startSchemaMirror();
      schemas = new SchemaService({ dataDir: dir, log: { info() {}, warn() {}, error() {} }, sources: mirror.sources });
    });
    afterAll(() => mirror?.close());

    const cloudInit = (text: string) => {
      const file = path.join(dir, `user-data-${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(file, text);
      return spawnSync(SYSTEM_PYTHON, ['-m', 'cloudinit.cmd.main', 'schema', '-c', file], { encoding: 'utf8' }).status === 0;
    };

    it.each([
      ['a minimal host', '#cloud-config\nhostname: node-1\n', true],
      [
        'users, packages and runcmd',
        '#cloud-config\nusers:\n  - name: ops\n    groups: [sudo]\n    shell: /bin/bash\npackages: [chrony]\nruncmd:\n  - [systemctl, enable, --now, chrony]\n',
        true,
      ],
      ['packages as a string', '#cloud-config\npackages: chrony\n', false],
      ['runcmd as a number', '#cloud-config\nruncmd: 5\n', false],
      ['write_files without a path', '#cloud-config\nwrite_files:\n  - content: hello\n', false],
    ])('%s', async (_name, text, valid) => {
      const editorSaysValid = !hasErrors(await schemas.check('cloud-config', text));
      expect({ cloudInit: cloudInit(text), editor: editorSaysValid }).toEqual({ cloudInit: valid, editor: valid });
    });
  },
);
