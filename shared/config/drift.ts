/**
 * Drift, derived and never stored: a node's assigned config (its own assignment, else the first of
 * its tags that has one) against what its provider reports as its user data, matched to a revision
 * by the hash of what that revision renders to (Ignition JSON for Butane, the text for the rest).
 */
export type DriftState = 'unmanaged' | 'checking' | 'in_sync' | 'drifted';

export interface NodeDrift {
  nodeId: string;
  state: DriftState;
  profileId: string | null;
  profileName: string | null;
  /** How the profile reached the node. */
  via: { kind: 'node' } | { kind: 'tag'; tag: string } | null;
  assignedRevision: number | null;
  /** The revision the applied user data matches, or null when it matches none of this profile. */
  appliedRevision: number | null;
  /** One line a person reads: "drifted: assigned r12, applied r9". */
  summary: string;
}

export interface DriftProfile {
  name: string;
  latestNumber: number;
  latestRenderedHash: string | null;
  /** The latest revision, and whether it renders per node (has `{{ variables }}`). */
  latestRevisionId?: string | null;
  templated?: boolean;
}

export interface DriftInputs {
  assignments: { profileId: string; targetKind: 'node' | 'tag'; target: string }[];
  profiles: Map<string, DriftProfile>;
  /** `${profileId}:${renderedHash}` → revision number. */
  revisionByHash: Map<string, number>;
}

export function assignmentFor(
  node: { id: string; tags: readonly string[] },
  inputs: Pick<DriftInputs, 'assignments'>,
): { profileId: string; via: NonNullable<NodeDrift['via']> } | null {
  const direct = inputs.assignments.find((a) => a.targetKind === 'node' && a.target === node.id);
  if (direct) return { profileId: direct.profileId, via: { kind: 'node' } };
  for (const tag of node.tags) {
    const byTag = inputs.assignments.find((a) => a.targetKind === 'tag' && a.target === tag);
    if (byTag) return { profileId: byTag.profileId, via: { kind: 'tag', tag } };
  }
  return null;
}

/**
 * `appliedHash`: undefined while not yet read, null when the node has no user data. `expectedHash`:
 * for a config with per-node variables, the hash of the latest revision rendered for this node.
 */
export function deriveDrift(
  node: { id: string; tags: readonly string[] },
  appliedHash: string | null | undefined,
  inputs: DriftInputs,
  expectedHash?: string | null,
): NodeDrift {
  const assignment = assignmentFor(node, inputs);
  const profile = assignment ? inputs.profiles.get(assignment.profileId) : undefined;
  if (!assignment || !profile) {
    return {
      nodeId: node.id,
      state: 'unmanaged',
      profileId: null,
      profileName: null,
      via: null,
      assignedRevision: null,
      appliedRevision: null,
      summary: 'unmanaged: no config assigned',
    };
  }
  const base = { nodeId: node.id, profileId: assignment.profileId, profileName: profile.name, via: assignment.via, assignedRevision: profile.latestNumber };
  if (appliedHash === undefined)
    return { ...base, state: 'checking', appliedRevision: null, summary: `assigned ${profile.name} r${profile.latestNumber}; reading the applied config…` };
  const appliedRevision = appliedHash === null ? null : (inputs.revisionByHash.get(`${assignment.profileId}:${appliedHash}`) ?? null);
  const expected = expectedHash !== undefined ? expectedHash : profile.latestRenderedHash;
  if (appliedHash !== null && appliedHash === expected) {
    return { ...base, state: 'in_sync', appliedRevision: profile.latestNumber, summary: `in sync: ${profile.name} r${profile.latestNumber}` };
  }
  const applied =
    appliedHash === null
      ? 'nothing applied'
      : appliedRevision !== null
        ? `applied r${appliedRevision}`
        : expectedHash !== undefined
          ? 'applied config differs from its rendering for this node'
          : 'applied config is not from this profile';
  return { ...base, state: 'drifted', appliedRevision, summary: `drifted: assigned r${profile.latestNumber}, ${applied}` };
}
