/**
 * One machine's BMC, whatever it speaks: what the IPMI connection and an inventory file's `bmc:`
 * entries use to read and change power and the boot device.
 */
import { AppError } from '../../../shared/errors';
import type { FleetNode, NodeState, PowerAction } from '../../../shared/model';
import type { Ipmitool } from './ipmi/ipmitool';
import type { BootOverrideRequest } from './provider';
import type { RedfishProvider } from './redfish/redfish-provider';
import { CollectionWire } from './redfish/wire';
import type { RedfishClient } from './redfish/redfish-client';

export interface BmcControl {
  readonly kind: 'redfish' | 'ipmi';
  readonly address: string;
  powerState(): Promise<NodeState>;
  power(action: PowerAction): Promise<void>;
  setBootOverride(request: BootOverrideRequest): Promise<FleetNode['bootOverride']>;
  /** What the BMC reports about the machine, where it says (Redfish). */
  describe(): Promise<Pick<FleetNode, 'hardware' | 'bootOverride'> | null>;
  close(): Promise<void>;
}

export function ipmiControl(tool: Ipmitool): BmcControl {
  return {
    kind: 'ipmi',
    address: tool.address,
    powerState: () => tool.powerState(),
    power: (action) => tool.power(action),
    async setBootOverride(request) {
      if (request.mode === 'Disabled') await tool.bootDevice('None', false);
      else await tool.bootDevice(request.target, request.mode === 'Continuous');
      // Read back what the BMC now holds, validity and persistence included: ipmi_sim, for one,
      // keeps the device but reports the flags invalid and for the next boot only.
      const back = await tool.bootFlags();
      return { target: back.target, enabled: back.enabled, allowed: [] };
    },
    describe: () => Promise.resolve(null),
    close: () => Promise.resolve(),
  };
}

/** A Redfish BMC controlling one system: the one named, or the first it lists. */
export function redfishControl(client: RedfishClient, provider: RedfishProvider, systemPath?: string): BmcControl {
  let resolved: Promise<string> | null = systemPath ? Promise.resolve(systemPath) : null;
  const system = () =>
    (resolved ??= (async () => {
      const root = await client.serviceRoot();
      if (!root.Systems) throw new AppError('invalid', `The BMC at ${client.origin} lists no Systems.`, { retryable: false });
      const first = (await client.get(root.Systems['@odata.id'], CollectionWire, 'systems collection')).Members[0];
      if (!first) throw new AppError('invalid', `The BMC at ${client.origin} lists no Systems.`, { retryable: false });
      return first['@odata.id'];
    })().catch((error: unknown) => {
      resolved = null;
      throw error;
    }));
  return {
    kind: 'redfish',
    address: client.origin,
    powerState: async () => (await provider.getNode(await system())).state,
    power: async (action) => provider.power(await system(), action),
    setBootOverride: async (request) => provider.setBootOverride(await system(), request),
    async describe() {
      const node = await provider.getNode(await system());
      return { hardware: node.hardware, bootOverride: node.bootOverride };
    },
    close: () => client.close(),
  };
}
