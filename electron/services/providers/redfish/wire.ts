/**
 * The parts of the Redfish schema (DMTF DSP0268) Ironpane reads. Loose on purpose: BMCs add `Oem`
 * blocks and omit optional properties, and a missing optional link must not fail a whole tree.
 */
import { z } from 'zod';

export const LinkWire = z.object({ '@odata.id': z.string() });
const OptionalLink = LinkWire.nullish();

export const ServiceRootWire = z.looseObject({
  RedfishVersion: z.string().nullish(),
  Name: z.string().nullish(),
  UUID: z.string().nullish(),
  Systems: OptionalLink,
  Managers: OptionalLink,
  SessionService: OptionalLink,
  EventService: OptionalLink,
  Links: z.looseObject({ Sessions: OptionalLink }).nullish(),
});

/** What the event service says of server-sent events (EventService v1.3+: `ServerSentEventUri`). */
export const EventServiceWire = z.looseObject({
  ServiceEnabled: z.boolean().nullish(),
  ServerSentEventUri: z.string().max(2048).nullish(),
});

/**
 * One event message (Event v1.x): what a stream's `data:` carries. Only where each event came from
 * is read; `OriginOfCondition` is a link (Event v1.1+) or, from older services, a bare path.
 */
export const EventMessageWire = z.looseObject({
  Events: z
    .array(
      z.looseObject({
        EventType: z.string().max(64).nullish(),
        MessageId: z.string().max(256).nullish(),
        OriginOfCondition: z.union([z.string().max(2048), z.looseObject({ '@odata.id': z.string().max(2048) })]).nullish(),
      }),
    )
    .max(1000),
});
export type EventMessageWire = z.infer<typeof EventMessageWire>;
export type ServiceRootWire = z.infer<typeof ServiceRootWire>;

export const CollectionWire = z.looseObject({
  Members: z.array(LinkWire),
  'Members@odata.nextLink': z.string().nullish(),
});

const StatusWire = z.looseObject({ State: z.string().nullish(), Health: z.string().nullish() }).nullish();

export const ComputerSystemWire = z.looseObject({
  '@odata.id': z.string(),
  Id: z.string(),
  Name: z.string().nullish(),
  HostName: z.string().nullish(),
  Description: z.string().nullish(),
  Manufacturer: z.string().nullish(),
  Model: z.string().nullish(),
  SerialNumber: z.string().nullish(),
  BiosVersion: z.string().nullish(),
  UUID: z.string().nullish(),
  PowerState: z.string().nullish(),
  LastResetTime: z.string().nullish(),
  Status: StatusWire,
  ProcessorSummary: z.looseObject({ Count: z.number().nullish() }).nullish(),
  MemorySummary: z.looseObject({ TotalSystemMemoryGiB: z.number().nullish() }).nullish(),
  Boot: z
    .looseObject({
      BootSourceOverrideEnabled: z.string().nullish(),
      BootSourceOverrideTarget: z.string().nullish(),
      'BootSourceOverrideTarget@Redfish.AllowableValues': z.array(z.string()).nullish(),
    })
    .nullish(),
  Actions: z
    .looseObject({
      '#ComputerSystem.Reset': z.looseObject({ target: z.string(), 'ResetType@Redfish.AllowableValues': z.array(z.string()).nullish() }).nullish(),
    })
    .nullish(),
  Links: z.looseObject({ ManagedBy: z.array(LinkWire).nullish(), Chassis: z.array(LinkWire).nullish() }).nullish(),
  LogServices: OptionalLink,
  EthernetInterfaces: OptionalLink,
});
export type ComputerSystemWire = z.infer<typeof ComputerSystemWire>;

export const ManagerWire = z.looseObject({
  '@odata.id': z.string(),
  Id: z.string(),
  SerialConsole: z
    .looseObject({
      ServiceEnabled: z.boolean().nullish(),
      ConnectTypesSupported: z.array(z.string()).nullish(),
      // Manager v1.10+: per-protocol settings (SerialConsoleProtocol).
      SSH: z.looseObject({ ServiceEnabled: z.boolean().nullish(), Port: z.number().nullish() }).nullish(),
    })
    .nullish(),
  NetworkProtocol: OptionalLink,
});
export type ManagerWire = z.infer<typeof ManagerWire>;

export const NetworkProtocolWire = z.looseObject({
  SSH: z.looseObject({ ProtocolEnabled: z.boolean().nullish(), Port: z.number().nullish() }).nullish(),
});

export const EthernetInterfaceWire = z.looseObject({
  MACAddress: z.string().nullish(),
  IPv4Addresses: z.array(z.looseObject({ Address: z.string().nullish() })).nullish(),
});

export const LogEntryWire = z.looseObject({
  Id: z.string(),
  Created: z.string().nullish(),
  Message: z.string().nullish(),
  Severity: z.string().nullish(),
  EntryType: z.string().nullish(),
});

/** A Redfish error body (DSP0266 §9.6.3 "Error responses"). */
export const RedfishErrorWire = z.looseObject({
  error: z.looseObject({
    code: z.string().nullish(),
    message: z.string().nullish(),
    '@Message.ExtendedInfo': z.array(z.looseObject({ Message: z.string().nullish(), Resolution: z.string().nullish() })).nullish(),
  }),
});

export const TaskWire = z.looseObject({
  TaskState: z.string().nullish(),
  TaskStatus: z.string().nullish(),
  Messages: z.array(z.looseObject({ Message: z.string().nullish() })).nullish(),
});
