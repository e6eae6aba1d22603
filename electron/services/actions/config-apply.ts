/**
 * A config meets the fleet: what the latest revision renders to for one node, what a node's applied
 * user data looks like against it, and applying it, with the checks that come first (no errors,
 * assigned to this profile, an OS that reads this kind). Setting user data is a node action, so it
 * goes through the action service and is audited there.
 */
import { assignmentFor } from '../../../shared/config/drift';
import { APPLY_MEANING, kindMismatch } from '../../../shared/config/kinds';
import { AppError } from '../../../shared/errors';
import type { ActionService } from './action-service';
import type { FleetService } from '../fleet/fleet-service';
import { renderRevision, type ConfigService } from '../config/config-service';
import type { DriftService } from '../config/drift-service';

export class ConfigApply {
  constructor(private readonly deps: { config: ConfigService; fleet: FleetService; actions: ActionService; drift: DriftService }) {}

  async preview(profileId: string, nodeId: string): Promise<{ rendered: string; revision: number }> {
    const latest = (await this.deps.config.profile(profileId)).latest!;
    return { rendered: await this.deps.config.rendered(latest.id, this.deps.fleet.node(nodeId)), revision: latest.number };
  }

  /** One click from "drifted" to what differs: the applied user data against the assigned rendering. */
  async appliedDiff(nodeId: string) {
    const drift = await this.deps.drift.driftOf(nodeId);
    if (!drift.profileId) throw new AppError('invalid', 'That node has no config assigned, so there is nothing to compare.');
    const profile = await this.deps.config.profile(drift.profileId);
    return {
      applied: await this.deps.drift.appliedText(nodeId),
      assigned: await this.deps.config.rendered(profile.latest!.id, this.deps.fleet.node(nodeId)),
      appliedLabel: drift.appliedRevision === null ? 'applied user data' : `applied (r${drift.appliedRevision})`,
      assignedLabel: `${profile.name} r${profile.latest!.number}`,
    };
  }

  async apply(profileId: string, nodeIds: string[]) {
    const { config, fleet } = this.deps;
    const profile = await config.profile(profileId);
    const revision = await config.revision(profile.latest!.id);
    const { diagnostics, rendered } = await config.check(profile.kind, revision.content, profile.talosVersion);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0 || rendered === null) {
      throw new AppError(
        'invalid',
        `${profile.name} r${revision.number} has ${errors.length} error${errors.length === 1 ? '' : 's'} and cannot be applied: ${errors
          .slice(0, 3)
          .map((d) => `line ${d.line}: ${d.message}`)
          .join('; ')}`,
      );
    }
    const assignments = { assignments: await config.assignments() };
    const notAssigned = nodeIds.filter((id) => {
      const node = fleet.snapshotNode(id);
      return !node || assignmentFor(node, assignments)?.profileId !== profileId;
    });
    if (notAssigned.length > 0)
      throw new AppError(
        'conflict',
        `${notAssigned.length} of the nodes ${notAssigned.length === 1 ? 'is' : 'are'} not assigned ${profile.name}; assign it first, so drift can follow the change.`,
      );
    const mismatched = nodeIds.map((id) => fleet.snapshotNode(id)!).filter((n) => kindMismatch(profile.kind, n.os.family));
    if (mismatched.length > 0) {
      const first = mismatched[0]!;
      throw new AppError(
        'conflict',
        `${mismatched.length === 1 ? first.hostname : `${mismatched.length} nodes (${first.hostname} and others)`} ${kindMismatch(profile.kind, first.os.family)}; leave ${mismatched.length === 1 ? 'it' : 'them'} out.`,
      );
    }
    const takesEffect = APPLY_MEANING[profile.kind];
    const { results } = await this.deps.actions.applyUserdata(
      nodeIds,
      (node) => renderRevision(profile.kind, revision.content, node),
      `${profile.name} r${revision.number}`,
      takesEffect,
    );
    this.deps.drift.invalidate(nodeIds);
    return { revision: revision.number, takesEffect, results };
  }
}
