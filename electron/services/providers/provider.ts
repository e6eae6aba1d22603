/**
 * What every provider (Metal API, later Redfish, inventory files, Tinkerbell) offers the services.
 * Providers speak their own wire formats and return Ironpane's domain model.
 */
import type { FleetNode, NodeEvent, PowerAction } from '../../../shared/model';

export interface FleetProvider {
  /** Confirms the credentials and project are good; throws an AppError a person can act on. */
  verify(): Promise<{ projectName: string }>;
  listNodes(): Promise<FleetNode[]>;
  nodeEvents(deviceId: string): Promise<NodeEvent[]>;
  power(deviceId: string, action: PowerAction): Promise<void>;
}
