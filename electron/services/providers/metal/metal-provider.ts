/** The Metal API v1 provider: one project on one Metal-compatible endpoint. */
import type { FleetNode, NodeEvent, PowerAction } from '../../../../shared/model';
import type { FleetProvider } from '../provider';
import type { MetalClient } from './metal-client';
import { normaliseDevice } from './normalise';

/** Nested objects the normaliser needs whole; everything else may stay an href. */
const DEVICE_INCLUDE = ['metro', 'facility', 'plan', 'operating_system', 'network_ports', 'ip_addresses'];
/** Large fields the fleet view never shows; excluding them keeps a 10,000-node poll small. */
const DEVICE_EXCLUDE = ['ssh_keys', 'provisioning_events', 'userdata', 'customdata', 'root_password', 'project', 'volumes', 'created_by'];

export class MetalProvider implements FleetProvider {
  constructor(
    private readonly accountId: string,
    private readonly projectId: string,
    private readonly client: MetalClient,
  ) {}

  async verify() {
    const project = await this.client.getProject(this.projectId);
    return { projectName: project.name ?? project.id };
  }

  async listNodes(): Promise<FleetNode[]> {
    const devices = await this.client.listDevices(this.projectId, { include: DEVICE_INCLUDE, exclude: DEVICE_EXCLUDE });
    return devices.map((device) => normaliseDevice(this.accountId, device));
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
}
