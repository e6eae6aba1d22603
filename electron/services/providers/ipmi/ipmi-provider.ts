/**
 * One machine behind an IPMI BMC (IPMI v2.0 over LAN) as a one-node fleet: power status, on, off
 * and cycle, and the boot device, through ipmitool.
 */
import type { Capability } from '../../../../shared/capabilities';
import type { FleetNode, NodeEvent, NodeState, PowerAction } from '../../../../shared/model';
import { ipmiControl, type BmcControl } from '../bmc';
import { AppError } from '../../../../shared/errors';
import type { BootOverrideRequest, FleetProvider } from '../provider';
import { unsupported } from '../provider';
import type { Ipmitool } from './ipmitool';

/** What one IPMI BMC offers its machine: power, the boot device, and its serial console over SOL. */
export const IPMI_CAPABILITIES: readonly Capability[] = ['power', 'bootOverride', 'serialConsole'];

export class IpmiProvider implements FleetProvider {
  private readonly control: BmcControl;
  private last: { state: NodeState; at: string } | null = null;

  constructor(
    private readonly accountId: string,
    private readonly hostname: string,
    tool: Ipmitool,
  ) {
    this.control = ipmiControl(tool);
  }

  async verify() {
    const state = await this.control.powerState();
    return { projectName: `${this.hostname} at ${this.control.address} (power ${state === 'active' ? 'on' : 'off'})` };
  }

  async listNodes(): Promise<FleetNode[]> {
    return [await this.getNode()];
  }

  async getNode(): Promise<FleetNode> {
    const state = await this.control.powerState();
    if (!this.last || this.last.state !== state) this.last = { state, at: this.last ? new Date().toISOString() : '' };
    return {
      id: `${this.accountId}:${this.hostname}`,
      accountId: this.accountId,
      deviceId: this.hostname,
      shortId: this.hostname.slice(0, 12),
      hostname: this.hostname,
      description: `IPMI BMC at ${this.control.address}`,
      state,
      provisioningPercentage: null,
      metro: null,
      facility: null,
      plan: null,
      os: { slug: 'unknown', name: 'Unknown OS (BMC)', family: 'other', version: '', channel: null },
      osState: null,
      ips: [],
      tags: [],
      layer2Only: false,
      networkType: null,
      switchUuid: null,
      vlans: [],
      sosHost: null,
      actions: [],
      provider: 'ipmi',
      capabilities: [...IPMI_CAPABILITIES],
      hardware: null,
      bootOverride: null,
      createdAt: '',
      updatedAt: this.last.at,
    };
  }

  nodeEvents = (): Promise<NodeEvent[]> => Promise.resolve([]);
  power = (_deviceId: string, action: PowerAction) => this.control.power(action);
  async setBootOverride(_deviceId: string, request: BootOverrideRequest) {
    // What the BMC reports back, never the request echoed (that showed ✓ for flags the BMC called invalid).
    const back = await this.control.setBootOverride(request);
    if (!back) throw new AppError('unavailable', `The BMC at ${this.control.address} did not report its boot flags back.`);
    return back;
  }
  operatingSystems = () => Promise.resolve([]);
  reinstall = () => unsupported('ipmi', 'reinstall');
  userdata = () => unsupported('ipmi', 'userdata');
  setUserdata = () => unsupported('ipmi', 'userdata');
}
