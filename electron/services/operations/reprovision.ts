/**
 * Reprovisioning a node: what it may be reprovisioned with (the provider's operating systems for the
 * node's plan, the revisions of its assigned config and the latest of every other), a preview of what changes (OS from → to, the
 * config against what is applied now, data kept or wiped), and the operation itself through the
 * engine. Everything is checked before anything is sent, each refusal naming the field.
 */
import { assignmentFor } from '../../../shared/config/drift';
import { isRunbookKind, kindMismatch } from '../../../shared/config/kinds';
import { AppError } from '../../../shared/errors';
import type { OperatingSystemOption } from '../../../shared/model';
import type { ProviderFor } from '../providers/provider';
import { renderRevision, type ConfigService } from '../config/config-service';
import type { DriftService } from '../config/drift-service';
import type { FleetService } from '../fleet/fleet-service';
import type { OperationsEngine } from './engine';
import type { BulkPolicy } from './journal';
import { reinstallBlockedReason } from '../../../shared/node-rules';
import type { ReinstallParams } from './reinstall-step';
import type { PlannedStep } from './step-kinds';

export interface ReprovisionInput {
  nodeId: string;
  operatingSystem: string;
  /** A revision of the node's assigned config, or null to keep the user data it has. */
  revisionId: string | null;
  preserveData: boolean;
}

export interface BulkReprovisionInput {
  nodeIds: string[];
  /** One OS for all, or null: each node keeps its own. */
  operatingSystem: string | null;
  /** `assigned`: each node's assigned config, latest revision; `keep`: leave user data as it is. */
  config: 'assigned' | 'keep';
  preserveData: boolean;
  policy: BulkPolicy;
}

interface PlanCache {
  operatingSystems: Map<string, Promise<OperatingSystemOption[]>>;
  checks: Map<string, ReturnType<ConfigService['check']>>;
}
const newPlanCache = (): PlanCache => ({ operatingSystems: new Map(), checks: new Map() });

export class Reprovision {
  constructor(private readonly deps: { fleet: FleetService; providerFor: ProviderFor; config: ConfigService; drift: DriftService; engine: OperationsEngine }) {}

  async options(nodeId: string) {
    const node = this.deps.fleet.node(nodeId);
    const provider = await this.deps.providerFor(node);
    const all = await provider.operatingSystems();
    const operatingSystems = all.filter((os) => os.plans.length === 0 || !node.plan || os.plans.includes(node.plan));
    const assignment = assignmentFor(node, { assignments: await this.deps.config.assignments() });
    const profile = assignment ? await this.deps.config.profile(assignment.profileId) : null;
    const drift = await this.deps.drift.driftOf(nodeId);
    return {
      blockedReason: reinstallBlockedReason(node),
      currentOs: node.os.slug,
      operatingSystems,
      profile: profile ? { id: profile.id, name: profile.name, kind: profile.kind } : null,
      revisions: profile
        ? (await this.deps.config.history(profile.id)).map((r) => ({ id: r.id, number: r.number, message: r.message, createdAt: r.createdAt }))
        : [],
      otherConfigs: (await this.deps.config.profiles())
        .filter((p) => p.id !== profile?.id && !isRunbookKind(p.kind) && p.latest)
        .map((p) => ({ revisionId: p.latest!.id, number: p.latest!.number, profileName: p.name, kind: p.kind })),
      assignedRevisionId: profile?.latest?.id ?? null,
      appliedRevision: drift.appliedRevision,
    };
  }

  /**
   * What the reprovision would do, or the first reason it cannot. A bulk plan passes `cache`, so the
   * provider's OS list is read once per account and each revision checked once, not once per node.
   */
  async plan(input: ReprovisionInput, cache: PlanCache = newPlanCache()) {
    const node = this.deps.fleet.node(input.nodeId);
    const blocked = reinstallBlockedReason(node);
    if (blocked) throw new AppError('conflict', `Reprovision ${node.hostname}: ${blocked}`, { retryable: false });
    const osList = cache.operatingSystems.get(node.accountId) ?? (await this.deps.providerFor(node)).operatingSystems();
    cache.operatingSystems.set(node.accountId, osList);
    const os = (await osList).find((o) => o.slug === input.operatingSystem);
    if (!os) throw new AppError('invalid', `Operating system: "${input.operatingSystem}" is not one the provider offers.`, { retryable: false });
    if (os.plans.length > 0 && node.plan && !os.plans.includes(node.plan)) {
      throw new AppError('invalid', `Operating system: ${os.name} is not offered for plan ${node.plan}.`, { retryable: false });
    }
    let userdata: string | null = null;
    let configLabel: string | null = null;
    if (input.revisionId) {
      const revision = await this.deps.config.revision(input.revisionId);
      const profile = await this.deps.config.profile(revision.profileId);
      const checked = cache.checks.get(revision.id) ?? this.deps.config.check(profile.kind, revision.content, profile.talosVersion);
      cache.checks.set(revision.id, checked);
      const { diagnostics, rendered } = await checked;
      const errors = diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0 || rendered === null) {
        throw new AppError(
          'invalid',
          `Config: ${profile.name} r${revision.number} has ${errors.length} error${errors.length === 1 ? '' : 's'} (line ${errors[0]?.line ?? '?'}: ${errors[0]?.message ?? 'does not render'}); fix it first.`,
          { retryable: false },
        );
      }
      const mismatch = kindMismatch(profile.kind, os.family);
      if (mismatch) throw new AppError('invalid', `Config: ${os.name} ${mismatch}; pick a config of its kind, or none.`, { retryable: false });
      userdata = renderRevision(profile.kind, revision.content, node);
      configLabel = `${profile.name} r${revision.number}`;
    }
    const applied = input.revisionId ? await this.deps.drift.appliedText(node.id).catch(() => '') : null;
    const appliedRevision = applied ? (await this.deps.drift.driftOf(node.id)).appliedRevision : null;
    const assignedProfile = applied ? assignmentFor(node, { assignments: await this.deps.config.assignments() }) : null;
    const beforeLabel =
      appliedRevision !== null && assignedProfile
        ? `${(await this.deps.config.profile(assignedProfile.profileId)).name} r${appliedRevision}`
        : 'the user data it had';
    const params: ReinstallParams = {
      operatingSystem: os.slug,
      osName: os.name,
      osVersion: os.version,
      preserveData: input.preserveData,
      userdata,
      configLabel,
      before: applied !== null && applied !== userdata ? { userdata: applied, label: applied === '' ? 'no user data' : beforeLabel } : null,
      baseline: { state: node.state, updatedAt: node.updatedAt },
    };
    return { node, os, params, applied };
  }

  async preview(input: ReprovisionInput) {
    const { node, os, params, applied } = await this.plan(input);
    const drift = await this.deps.drift.driftOf(node.id);
    return {
      hostname: node.hostname,
      osFrom: `${node.os.name} ${node.os.version}`.trim(),
      osTo: `${os.name} ${os.version}`.trim(),
      preserveData: input.preserveData,
      config:
        params.userdata === null
          ? null
          : {
              from: applied ?? '',
              to: params.userdata,
              fromLabel: drift.appliedRevision === null ? 'applied now' : `applied now (r${drift.appliedRevision})`,
              toLabel: params.configLabel!,
            },
    };
  }

  /** Many nodes, one operation under a policy; a node that cannot take it fails its step with the reason. */
  async startBulk(input: BulkReprovisionInput) {
    const steps: PlannedStep[] = [];
    const assignments = { assignments: await this.deps.config.assignments() };
    const profiles = new Map((await this.deps.config.profiles()).map((p) => [p.id, p]));
    const cache = newPlanCache();
    for (const nodeId of [...new Set(input.nodeIds)]) {
      const node = this.deps.fleet.snapshotNode(nodeId);
      if (!node) continue;
      const assigned = input.config === 'assigned' ? assignmentFor(node, assignments) : null;
      const revisionId = assigned ? (profiles.get(assigned.profileId)?.latest?.id ?? null) : null;
      try {
        const { params } = await this.plan(
          { nodeId, operatingSystem: input.operatingSystem ?? node.os.slug, revisionId, preserveData: input.preserveData },
          cache,
        );
        steps.push({ nodeId, kind: 'reinstall', params });
      } catch (error) {
        const invalid = error instanceof AppError ? error.message : 'It cannot be reprovisioned.';
        steps.push({
          nodeId,
          kind: 'reinstall',
          params: {
            invalid,
            operatingSystem: input.operatingSystem ?? node.os.slug,
            osName: input.operatingSystem ?? node.os.name,
            osVersion: '',
            preserveData: input.preserveData,
            userdata: null,
            configLabel: null,
            baseline: { state: node.state, updatedAt: node.updatedAt },
          },
        });
      }
    }
    if (steps.length === 0) throw new AppError('invalid', 'None of those nodes is in the fleet any more.', { retryable: false });
    const summary = await this.deps.engine.startBulk('reprovision', `Reprovision ${steps.length} node${steps.length === 1 ? '' : 's'}`, steps, input.policy);
    this.deps.drift.invalidate(steps.map((s) => s.nodeId));
    return { operationId: summary.id };
  }

  async start(input: ReprovisionInput) {
    const { node, params } = await this.plan(input);
    const { operationId, results } = await this.deps.engine.run(
      'reprovision',
      `Reprovision ${node.hostname} with ${params.osName}${params.configLabel ? ` and ${params.configLabel}` : ''}`,
      [{ nodeId: node.id, kind: 'reinstall', params }],
    );
    const result = results[0]!;
    if (!result.ok) throw result.appError ?? new AppError('internal', 'The reprovision failed unexpectedly.');
    if (params.userdata !== null) this.deps.drift.invalidate([node.id]);
    return { operationId };
  }
}
