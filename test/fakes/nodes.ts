/** Small, readable FleetNode builders for component tests. */
import type { FleetNode } from '../../shared/model';

export function fakeNode(overrides: Partial<FleetNode> & { hostname: string }): FleetNode {
  const deviceId = overrides.deviceId ?? `${overrides.hostname}-0000-4000-8000-000000000000`;
  return {
    id: `lab:${deviceId}`,
    accountId: 'lab',
    deviceId,
    shortId: deviceId.slice(0, 8),
    description: '',
    state: 'active',
    provisioningPercentage: null,
    metro: { code: 'sv', name: 'Silicon Valley' },
    facility: { code: 'sv15', name: 'Silicon Valley 15' },
    plan: 'c3.small.x86',
    os: { slug: 'flatcar_stable', name: 'Flatcar Container Linux - Stable', family: 'flatcar', version: '4230.2.3', channel: 'stable' },
    osState: null,
    ips: [{ address: '198.51.0.2', family: 4, public: true, management: true }],
    tags: [],
    layer2Only: false,
    networkType: 'layer3',
    switchUuid: 'aa82c0f9',
    vlans: [],
    sosHost: 'sos.sv15.lab.ironpane.internal',
    actions: ['power_off', 'reboot', 'reinstall', 'rescue'],
    provider: 'lab',
    capabilities: ['power', 'reinstall', 'userdata', 'serialConsole', 'events'],
    hardware: null,
    bootOverride: null,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-11-01T00:00:00Z',
    ...overrides,
  };
}
