/**
 * Starts the embedded lab fleet on loopback: the Metal-API server over a simulated fleet, its serial
 * gateway, and its update server (Nebraska REST + Omaha) with the machines' update agents.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { LAB_PROJECT, LabFleet, type LabFleetOptions } from './lab-fleet';
import { MetalApiServer, type MetalApiServerOptions } from './metal-api-server';
import type { LabKeys } from './lab-keys';
import { SerialGateway } from './serial-gateway';
import { LAB_STARTER_CONFIGS } from './starter-configs';
import { OsAgents } from './updates/os-agent';
import { UpdateModel } from './updates/update-model';
import { LabUpdateServer } from './updates/update-server';

export interface LabOptions extends LabFleetOptions {
  port?: number;
  rateLimit?: MetalApiServerOptions['rateLimit'];
  onExchange?: MetalApiServerOptions['onExchange'];
  log?: MetalApiServerOptions['log'];
  /** Starts the SOS-style serial gateway with this host key, accepting these public keys. */
  serial?: { hostKey: string; authorizedKeys: string[] } | null;
  /** Share of Flatcar updates whose new slot never comes up healthy (default 0.04). */
  updateFailureRate?: number;
  /** Installs that fail for certain, as `version#n` (the n-th machine to install that version). */
  failInstalls?: string[];
  onUpdateExchange?: MetalApiServerOptions['onExchange'];
  rebootStrategy?: 'mixed' | 'reboot' | 'off';
  /** Update groups start with updates on (default) or paused. */
  updatesEnabled?: boolean;
}

export interface RunningLab {
  baseUrl: string;
  token: string;
  projectId: string;
  nodeCount: number;
  fleet: LabFleet;
  api: MetalApiServer;
  gateway: SerialGateway | null;
  serial: { host: string; port: number } | null;
  updates: { baseUrl: string; token: string; app: string; server: LabUpdateServer; agents: OsAgents };
  stop(): Promise<void>;
}

export async function startLab(options: LabOptions = {}): Promise<RunningLab> {
  const fleet = new LabFleet(options);
  const timeScale = options.timeScale ?? 1;
  const updateModel = new UpdateModel({ timeScale, updatesEnabled: options.updatesEnabled });
  const updateToken = randomBytes(24).toString('base64url');
  const updateServer = new LabUpdateServer({ model: updateModel, token: updateToken, timeScale, log: options.log, onExchange: options.onUpdateExchange });
  // Before the serial gateway subscribes: a boot picks its slot before the console replays it.
  const agents = new OsAgents({
    fleet,
    server: updateServer,
    timeScale,
    updateFailureRate: options.updateFailureRate,
    failInstalls: options.failInstalls,
    rebootStrategy: options.rebootStrategy,
    log: options.log,
  });
  // A fresh token per launch: the lab is reachable by anything on this machine's loopback.
  const token = randomBytes(24).toString('base64url');
  const api = new MetalApiServer({
    fleet,
    token,
    rateLimit: options.rateLimit,
    onExchange: options.onExchange,
    log: options.log,
    sshPublicKey: options.serial?.authorizedKeys[0],
  });
  const baseUrl = await api.listen(options.port ?? 0);
  const authorizedKeys = options.serial?.authorizedKeys ?? [];
  const gateway = options.serial ? new SerialGateway({ fleet, hostKey: options.serial.hostKey, authorizedKeys: () => authorizedKeys }) : null;
  const serial = gateway ? await gateway.listen() : null;
  const updatesBaseUrl = await updateServer.listen(0);
  agents.start();
  return {
    baseUrl,
    token,
    projectId: LAB_PROJECT.id,
    nodeCount: fleet.order.length,
    fleet,
    api,
    gateway,
    serial,
    updates: { baseUrl: updatesBaseUrl, token: updateToken, app: updateModel.app.id, server: updateServer, agents },
    async stop() {
      agents.stop();
      await updateServer.close();
      await gateway?.close();
      await api.close();
    },
  };
}

/** The lab as an account: its API, token and project, and its serial gateway with the vault key. */
/** What a host needs to reach a running lab, in this process or another (`npm run lab` prints it). */
export const LabConnectionSchema = z.object({
  baseUrl: z.string().url(),
  token: z.string().min(1),
  projectId: z.string().min(1),
  nodeCount: z.number().int().min(0),
  serial: z.object({ host: z.string(), port: z.number().int() }).nullable(),
  updates: z.object({ baseUrl: z.string().url(), token: z.string(), app: z.string(), timeScale: z.number() }),
  rateLimit: z.object({ limit: z.number().int().positive(), windowMs: z.number().int().positive() }).nullable(),
});
export type LabConnection = z.infer<typeof LabConnectionSchema>;

export function labConnection(lab: RunningLab): LabConnection {
  return {
    baseUrl: lab.baseUrl,
    token: lab.token,
    projectId: lab.projectId,
    nodeCount: lab.nodeCount,
    serial: lab.serial,
    updates: { baseUrl: lab.updates.baseUrl, token: lab.updates.token, app: lab.updates.app, timeScale: lab.fleet.clockScale },
    rateLimit: lab.api.rateLimit,
  };
}

export function labAccount(lab: RunningLab | LabConnection, keys: LabKeys) {
  const connection = 'fleet' in lab ? labConnection(lab) : lab;
  return {
    ...connection,
    serial: connection.serial ? { ...connection.serial, userKey: keys.userPrivateKey } : null,
    starterConfigs: LAB_STARTER_CONFIGS,
  };
}

/** Lab settings from the environment, shared by every host. */
export function labOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): LabOptions & { enabled: boolean } {
  const num = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number (got ${JSON.stringify(raw)})`);
    return value;
  };
  // "120/60" = at most 120 requests per 60 seconds, then 429 with Retry-After.
  const rate = env.IRONPANE_LAB_RATE_LIMIT ? /^(\d+)\/(\d+)$/.exec(env.IRONPANE_LAB_RATE_LIMIT) : null;
  if (env.IRONPANE_LAB_RATE_LIMIT && !rate) throw new Error('IRONPANE_LAB_RATE_LIMIT must look like 120/60 (requests per seconds)');
  return {
    enabled: env.IRONPANE_LAB !== 'off',
    rateLimit: rate ? { limit: Number(rate[1]), windowMs: Number(rate[2]) * 1000 } : null,
    nodeCount: Math.floor(num('IRONPANE_LAB_NODES', 60)),
    failureRate: num('IRONPANE_LAB_FAILURE_RATE', 0.03),
    timeScale: num('IRONPANE_LAB_TIME_SCALE', 1),
    seed: Math.floor(num('IRONPANE_LAB_SEED', 20261122)),
    updateFailureRate: num('IRONPANE_LAB_UPDATE_FAILURE_RATE', 0.04),
    // "4230.2.4#2" = the second machine to install 4230.2.4 never comes up healthy on it.
    failInstalls: (env.IRONPANE_LAB_UPDATE_FAILS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    rebootStrategy: rebootStrategyFrom(env.IRONPANE_LAB_REBOOT_STRATEGY),
  };
}

function rebootStrategyFrom(value: string | undefined): LabOptions['rebootStrategy'] {
  if (value === undefined || value === '') return 'mixed';
  if (value === 'mixed' || value === 'reboot' || value === 'off') return value;
  throw new Error(`IRONPANE_LAB_REBOOT_STRATEGY must be mixed, reboot or off (got ${JSON.stringify(value)})`);
}
