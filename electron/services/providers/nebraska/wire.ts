/**
 * Nebraska's REST wire shapes (its OpenAPI document, with the snake_case names its
 * `x-oapi-codegen-extra-tags` give the JSON). Loose objects: a newer Nebraska may add fields.
 */
import { z } from 'zod';

const ts = z.string();

export const PackageWire = z.looseObject({
  id: z.string(),
  type: z.number(),
  version: z.string(),
  url: z.string(),
  filename: z.string(),
  size: z.string(),
  hash: z.string(),
  created_ts: ts,
  channels_blacklist: z.array(z.string()).nullish(),
  application_id: z.string(),
  arch: z.number(),
  flatcar_action: z.looseObject({ sha256: z.string().nullish() }).nullish(),
});
export type PackageWire = z.infer<typeof PackageWire>;

export const ChannelWire = z.looseObject({
  id: z.string(),
  name: z.string(),
  color: z.string(),
  created_ts: ts,
  application_id: z.string(),
  package_id: z.string().nullish(),
  package: PackageWire.nullish(),
  arch: z.number(),
});
export type ChannelWire = z.infer<typeof ChannelWire>;

export const GroupWire = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  created_ts: ts,
  rollout_in_progress: z.boolean(),
  application_id: z.string(),
  channel_id: z.string().nullish(),
  policy_updates_enabled: z.boolean(),
  policy_safe_mode: z.boolean(),
  policy_office_hours: z.boolean(),
  policy_timezone: z.string().nullish(),
  policy_period_interval: z.string(),
  policy_max_updates_per_period: z.number(),
  policy_update_timeout: z.string(),
  channel: ChannelWire.nullish(),
  track: z.string(),
});
export type GroupWire = z.infer<typeof GroupWire>;

export const ApplicationWire = z.looseObject({ id: z.string(), name: z.string(), product_id: z.string().nullish(), groups: z.array(GroupWire).nullish() });
export const AppsPageWire = z.looseObject({ totalCount: z.number(), count: z.number(), applications: z.array(ApplicationWire) });
export const GroupPageWire = z.looseObject({ totalCount: z.number(), count: z.number(), groups: z.array(GroupWire) });
export const ChannelPageWire = z.looseObject({ totalCount: z.number(), count: z.number(), channels: z.array(ChannelWire) });
export const PackagePageWire = z.looseObject({ totalCount: z.number(), count: z.number(), packages: z.array(PackageWire) });

export const InstanceWire = z.looseObject({
  id: z.string(),
  ip: z.string(),
  created_ts: ts,
  alias: z.string().nullish(),
  application: z
    .looseObject({
      group_id: z.string(),
      version: z.string(),
      status: z.number(),
      last_check_for_updates: ts,
      last_update_granted_ts: ts.nullish(),
      last_update_version: z.string().nullish(),
      update_in_progress: z.boolean(),
    })
    .nullish(),
});
export type InstanceWire = z.infer<typeof InstanceWire>;
export const InstancePageWire = z.looseObject({ total: z.number(), instances: z.array(InstanceWire) });

/** The spec names the version `verison` (a typo in its schema); servers send `version`. Accept both. */
export const StatusHistoryWire = z.array(
  z.looseObject({ status: z.number(), version: z.string().nullish(), verison: z.string().nullish(), created_ts: ts, error_code: z.string().nullish() }),
);

/** The spec's `onHold` carries no json tag, so it is `onHold` on the wire; older servers send `onhold`. */
export const InstanceStatsWire = z.looseObject({
  total: z.number(),
  undefined: z.number().nullish(),
  update_granted: z.number().nullish(),
  error: z.number().nullish(),
  complete: z.number().nullish(),
  installed: z.number().nullish(),
  downloaded: z.number().nullish(),
  downloading: z.number().nullish(),
  onHold: z.number().nullish(),
  onhold: z.number().nullish(),
});
export const VersionBreakdownWire = z.array(z.looseObject({ version: z.string(), instances: z.number().nullish(), percentage: z.number() }));
export const StatusTimelineWire = z.record(z.string(), z.record(z.string(), z.record(z.string(), z.number())));
export const VersionTimelineWire = z.record(z.string(), z.record(z.string(), z.number()));
export const ActivityWire = z.looseObject({
  id: z.string(),
  group_id: z.string().nullish(),
  created_ts: ts,
  class: z.number(),
  severity: z.number(),
  version: z.string(),
  group_name: z.string().nullish(),
  channel_name: z.string().nullish(),
  instance_id: z.string().nullish(),
});
export const ActivityPageWire = z.looseObject({ totalCount: z.number(), count: z.number(), activities: z.array(ActivityWire) });
export const ErrorResponseWire = z.looseObject({ error: z.string().nullish(), description: z.string().nullish() });

/** `groupConfig`: what PUT …/groups/{id} takes. */
export interface GroupConfigWire {
  name: string;
  description?: string;
  channel_id?: string;
  policy_updates_enabled?: boolean;
  policy_safe_mode?: boolean;
  policy_office_hours?: boolean;
  policy_timezone: string;
  policy_period_interval: string;
  policy_max_updates_per_period: number;
  policy_update_timeout: string;
  track?: string;
}

/** `channelConfig`: what PUT …/channels/{id} takes. */
export interface ChannelConfigWire {
  application_id: string;
  arch: number;
  color: string;
  name: string;
  package_id?: string;
}
