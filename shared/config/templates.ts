/**
 * Where a new config starts: a small, valid, believable document per kind. The window offers them
 * under *New config*; the embedded lab seeds its starting profiles from them.
 */
import type { ConfigKind } from './kinds';

export const TEMPLATES: Record<ConfigKind, string> = {
  butane: `variant: flatcar
version: 1.1.0
passwd:
  users:
    - name: core
      ssh_authorized_keys:
        - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI-replace-with-your-key ops@example
storage:
  files:
    - path: /etc/flatcar/update.conf
      overwrite: true
      mode: 0644
      contents:
        inline: |
          REBOOT_STRATEGY=reboot
          LOCKSMITHD_REBOOT_WINDOW_START=Thu 04:00
          LOCKSMITHD_REBOOT_WINDOW_LENGTH=1h
systemd:
  units:
    - name: node-exporter.service
      enabled: true
      contents: |
        [Unit]
        Description=Prometheus node exporter
        After=docker.service
        Requires=docker.service
        [Service]
        ExecStart=/usr/bin/docker run --rm --name node-exporter --net host quay.io/prometheus/node-exporter:v1.8.2
        Restart=always
        [Install]
        WantedBy=multi-user.target
`,
  ignition: `{
  "ignition": { "version": "3.4.0" },
  "passwd": { "users": [{ "name": "core", "sshAuthorizedKeys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI-replace-with-your-key ops@example"] }] }
}
`,
  talos: `version: v1alpha1
machine:
  type: worker
  install:
    disk: /dev/sda
    image: factory.talos.dev/metal-installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:v1.13.4
cluster:
  controlPlane:
    endpoint: https://10.0.10.10:6443
---
apiVersion: v1alpha1
kind: HostnameConfig
hostname: worker-1
`,
  'cloud-config': `#cloud-config
hostname: node-1
users:
  - name: ops
    groups: [sudo]
    shell: /bin/bash
    ssh_authorized_keys:
      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI-replace-with-your-key ops@example
package_update: true
packages:
  - chrony
runcmd:
  - [systemctl, enable, --now, chrony]
`,
  script: `#!/bin/bash
set -euo pipefail
echo "provisioned by Ironpane" > /etc/motd
`,
  runbook: `name: Check the failed units
description: >-
  Logs in on the serial console with the vault's "console" credential, lists failed units, and
  passes when the shell answers again.
os: [flatcar]
steps:
  - name: Failed units
    send: systemctl --failed --no-pager
    fail: 'Failed to'
    timeout: 30s
verify:
  send: uname -a
  expect: 'Linux'
`,
};
