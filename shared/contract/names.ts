/**
 * The names of every method and event. Kept free of imports so the sandboxed preload can use them
 * as its allow-list without bundling the schemas; `index.ts` makes the compiler prove the two agree.
 */
export const METHOD_NAMES = [
  'app.describeHost',
  'accounts.list',
  'accounts.add',
  'accounts.remove',
  'accounts.setConsoleSettings',
  'fleet.snapshot',
  'fleet.refresh',
  'fleet.nodeEvents',
  'actions.power',
  'actions.powerBulk',
  'audit.list',
  'app.openExternal',
  'topology.graph',
  'console.list',
  'console.open',
  'console.attach',
  'console.write',
  'console.ack',
  'console.sendBreak',
  'console.sysrq',
  'console.syncSize',
  'console.disconnect',
  'console.reconnect',
  'console.close',
  'console.setLogging',
  'console.answerHostKey',
  'console.answerAuth',
  'config.profiles',
  'config.check',
  'config.create',
  'config.save',
  'config.rename',
  'config.history',
  'config.revision',
  'config.restore',
  'config.assignments',
  'config.assign',
  'config.unassign',
  'config.drift',
  'config.appliedDiff',
  'config.schemas',
  'config.setSchemaSource',
  'config.refreshSchema',
  'config.apply',
  'config.preview',
  'config.complete',
  'config.hover',
  'config.setTalosVersion',
  'updates.servers',
  'updates.addServer',
  'updates.removeServer',
  'updates.nodes',
  'updates.nodeHistory',
  'updates.groups',
  'updates.groupDetail',
  'updates.instances',
  'updates.packages',
  'updates.setPolicy',
  'updates.setUpdatesEnabled',
  'updates.promote',
  'updates.rebootPending',
  'operations.list',
  'actions.reprovisionOptions',
  'actions.reprovisionPreview',
  'actions.reprovision',
  'actions.reprovisionBulk',
  'operations.control',
  'operations.get',
] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

export const EVENT_NAMES = [
  'fleet.changed',
  'accounts.changed',
  'audit.appended',
  'console.data',
  'console.status',
  'console.hostKeyPrompt',
  'console.authPrompt',
  'topology.changed',
  'actions.outcome',
  'config.changed',
  'config.driftChanged',
  'updates.changed',
  'updates.groupsChanged',
  'updates.serversChanged',
  'operations.changed',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** The IPC channels the desktop host uses (preload ↔ main). */
export const IPC_CHANNELS = { invoke: 'ironpane:rpc', event: 'ironpane:event' } as const;

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && (METHOD_NAMES as readonly string[]).includes(value);
}
export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (EVENT_NAMES as readonly string[]).includes(value);
}
