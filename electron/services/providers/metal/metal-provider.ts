/** The Metal API v1 provider: one project on one Metal-compatible endpoint. */
import type { FleetNode, NodeEvent, OperatingSystemOption, PowerAction } from '../../../../shared/model';
import type { FleetProvider } from '../provider';
import type { MetalClient } from './metal-client';
import { normaliseDevice, osFamilyOf } from './normalise';

/** Nested objects the normaliser needs whole; everything else may stay an href. */
const DEVICE_INCLUDE = ['metro', 'facility', 'plan', 'operating_system', 'network_ports', 'ip_addresses'];
/**
 * Large fields the fleet view never shows; excluding them keeps a 10,000-node poll small.
 * `customdata` stays: the node's agent reports its OS slots there (docs/architecture.md#os-updates).
 */
const DEVICE_EXCLUDE = ['ssh_keys', 'provisioning_events', 'userdata', 'root_password', 'project', 'volumes', 'created_by'];

export class MetalProvider implements FleetProvider {
  constructor(
    private readonly accountId: string,
    private readonly projectId: string,
    private readonly client: MetalClient,
    /** The embedded lab speaks the same API; its nodes say so. */
    private readonly kind: 'lab' | 'metal' = 'metal',
  ) {}

  async verify() {
    const project = await this.client.getProject(this.projectId);
    return { projectName: project.name ?? project.id };
  }

  /** How long the last listNodes waited for the account's request budget (not the sync's own cost). */
  lastListWaitMs = 0;

  async listNodes(onPage?: (nodes: FleetNode[]) => void): Promise<FleetNode[]> {
    const nodes: FleetNode[] = [];
    let waited = 0;
    await this.client.listDevices(
      this.projectId,
      { include: DEVICE_INCLUDE, exclude: DEVICE_EXCLUDE },
      (devices) => {
        const page = devices.map((device) => normaliseDevice(this.accountId, device, this.kind));
        nodes.push(...page);
        onPage?.(page);
      },
      (ms) => (waited += ms),
    );
    this.lastListWaitMs = waited;
    // Pages can overlap if the list shifted while paging; the last copy of a node wins.
    return [...new Map(nodes.map((n) => [n.id, n])).values()];
  }

  async getNode(deviceId: string): Promise<FleetNode> {
    return normaliseDevice(this.accountId, await this.client.getDevice(deviceId, { include: DEVICE_INCLUDE, exclude: DEVICE_EXCLUDE }), this.kind);
  }

  async nodeEvents(deviceId: string): Promise<NodeEvent[]> {
    const events = await this.client.listDeviceEvents(deviceId);
    return events.map((e) => ({
      id: e.id,
      type: e.type ?? 'event',
      state: e.state ?? '',
      message: e.interpolated ?? e.body ?? e.type ?? '',
      createdAt: e.created_at ?? '',
    }));
  }

  async power(deviceId: string, action: PowerAction): Promise<void> {
    await this.client.deviceAction(deviceId, { type: action });
  }

  async operatingSystems(): Promise<OperatingSystemOption[]> {
    return (await this.client.listOperatingSystems()).map((os) => ({
      slug: os.slug ?? os.id ?? '',
      name: os.name ?? os.slug ?? 'Unknown OS',
      version: os.version ?? '',
      family: osFamilyOf(os.distro, os.slug),
      plans: os.provisionable_on ?? [],
    }));
  }

  async reinstall(deviceId: string, input: { operatingSystem: string; preserveData: boolean }): Promise<void> {
    await this.client.deviceAction(deviceId, { type: 'reinstall', operating_system: input.operatingSystem, preserve_data: input.preserveData });
  }

  async userdata(deviceId: string): Promise<string> {
    return this.client.getUserdata(deviceId);
  }

  async setUserdata(deviceId: string, userdata: string): Promise<void> {
    await this.client.setUserdata(deviceId, userdata);
  }
}
