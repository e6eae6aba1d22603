/**
 * Declarative node config: named profiles, one kind each, whose every save is an immutable revision.
 * Checks run here as well as in the window, so nothing that does not parse is ever stored; saves and
 * restores are audited; the window hears `config.changed`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { checkDocument, type CheckResult } from '../../../shared/config/documents';
import { isRunbookKind, MAX_CONFIG_BYTES, type ConfigKind } from '../../../shared/config/kinds';
import { hasErrors } from '../../../shared/config/diagnostics';
import { AppError } from '../../../shared/errors';
import { utf8ByteLength } from '../../../shared/limits';
import type { ConfigProfile, ConfigRevision, ConfigRevisionSummary } from '../../../shared/model';
import type { EventBus } from '../../rpc/event-bus';
import type { AuditLog } from '../audit/audit-log';
import type { Clock } from '../ports';
import type { DriftInputs } from '../../../shared/config/drift';
import { renderForCheck, renderVariables, usesVariables, type VariableNode } from '../../../shared/config/variables';
import type { ConfigAssignment, ConfigStore } from './config-store';
import { SCHEMA_KINDS, type SchemaKind, type SchemaService } from './schema-service';

export interface ConfigServiceOptions {
  store: ConfigStore;
  bus: EventBus;
  audit: AuditLog;
  clock: Clock;
  author: string;
  schemas?: SchemaService;
}

const isSchemaKind = (kind: ConfigKind): kind is SchemaKind => (SCHEMA_KINDS as readonly string[]).includes(kind);

export const contentHash = (content: string) => createHash('sha256').update(content, 'utf8').digest('hex');

/** What a revision's content sends to provisioning for a node (Ignition JSON for Butane), its variables filled in. */
export function renderRevision(kind: ConfigKind, content: string, node: VariableNode | null): string {
  const filled = node && usesVariables(content) ? renderVariables(content, node).text : content;
  return checkDocument(kind, filled).rendered ?? filled;
}

export class ConfigService {
  constructor(private readonly options: ConfigServiceOptions) {}

  profiles(): Promise<ConfigProfile[]> {
    return this.options.store.profiles();
  }

  /** Another console changed a config (a team's store): the window hears it as it would its own. */
  listen(): () => void {
    return this.options.store.listen((profileId) => this.options.bus.emit('config.changed', { profileId }));
  }

  /** Ironpane's own checks, then the upstream schema for kinds that have one. */
  async check(kind: ConfigKind, content: string, talosVersion?: string | null): Promise<CheckResult> {
    const result = checkDocument(kind, content);
    if (hasErrors(result.diagnostics) || !isSchemaKind(kind) || !this.options.schemas) return result;
    const forCheck = renderForCheck(content);
    const schema = await this.options.schemas.check(kind, forCheck.text, talosVersion ?? undefined);
    return { ...result, diagnostics: [...result.diagnostics, ...schema.map(forCheck.mapBack)] };
  }

  /** Which Talos release checks this profile (its schema is fetched for that version). */
  async setTalosVersion(profileId: string, version: string | null): Promise<ConfigProfile> {
    const profile = await this.profile(profileId);
    if (profile.kind !== 'talos') throw new AppError('invalid', `“${profile.name}” is not a Talos config; only Talos configs have a Talos version.`);
    await this.options.store.setTalosVersion(profileId, version);
    await this.audit('config.talosVersion', profileId, profile.name, `“${profile.name}” is now checked against Talos ${version ?? 'the default version'}.`);
    return this.changed(profileId);
  }

  async create(input: { name: string; kind: ConfigKind; content: string; message: string }): Promise<ConfigProfile> {
    const name = input.name.trim();
    if (await this.options.store.profileByName(name))
      throw new AppError('conflict', `A config named “${name}” already exists. Pick another name, or open that one and save a new revision.`);
    const rendered = this.assertStorable(input.kind, input.content);
    const id = randomUUID();
    const now = new Date(this.options.clock.now()).toISOString();
    await this.options.store.createProfile(
      { id, name, kind: input.kind, createdAt: now, createdBy: this.options.author },
      {
        id: randomUUID(),
        content: input.content,
        contentHash: contentHash(input.content),
        renderedHash: rendered === null ? null : contentHash(rendered),
        author: this.options.author,
        createdAt: now,
        message: input.message.trim() || 'First revision',
      },
    );
    await this.audit('config.create', id, name, `Created config “${name}” (${input.kind}) at r1.`);
    return this.changed(id);
  }

  /** Starting configs (the lab's), written once into an empty store; not audited, authored by `author`. */
  async seed(configs: readonly { name: string; kind: ConfigKind; content: string; message: string }[], author: string): Promise<number> {
    if ((await this.options.store.profiles()).length > 0) return 0;
    const now = new Date(this.options.clock.now()).toISOString();
    for (const config of configs) {
      const rendered = this.assertStorable(config.kind, config.content);
      await this.options.store.createProfile(
        { id: randomUUID(), name: config.name, kind: config.kind, createdAt: now, createdBy: author },
        {
          id: randomUUID(),
          content: config.content,
          contentHash: contentHash(config.content),
          renderedHash: rendered === null ? null : contentHash(rendered),
          author,
          createdAt: now,
          message: config.message,
        },
      );
    }
    return configs.length;
  }

  async save(input: { profileId: string; content: string; message: string }): Promise<ConfigRevisionSummary> {
    const profile = await this.profile(input.profileId);
    const rendered = this.assertStorable(profile.kind, input.content);
    const hash = contentHash(input.content);
    if (profile.latest?.contentHash === hash)
      throw new AppError('invalid', `Nothing changed since r${profile.latest.number}; edit the document before saving.`);
    const revision = await this.options.store.appendRevision({
      id: randomUUID(),
      profileId: profile.id,
      content: input.content,
      contentHash: hash,
      renderedHash: rendered === null ? null : contentHash(rendered),
      author: this.options.author,
      createdAt: new Date(this.options.clock.now()).toISOString(),
      message: input.message.trim() || `Revision after r${profile.latest?.number ?? 0}`,
    });
    await this.audit(
      'config.save',
      profile.id,
      profile.name,
      `Saved r${revision.number} of “${profile.name}”${input.message.trim() ? `: ${input.message.trim()}` : ''}.`,
    );
    await this.changed(profile.id);
    return revision;
  }

  /** An old revision's content as the newest revision: history is never rewritten. */
  async restore(revisionId: string): Promise<ConfigRevisionSummary> {
    const old = await this.revision(revisionId);
    const profile = await this.profile(old.profileId);
    return this.save({ profileId: profile.id, content: old.content, message: `Restore r${old.number}` });
  }

  async rename(profileId: string, name: string): Promise<ConfigProfile> {
    const profile = await this.profile(profileId);
    const clean = name.trim();
    const other = await this.options.store.profileByName(clean);
    if (other && other.id !== profileId) throw new AppError('conflict', `A config named “${clean}” already exists.`);
    await this.options.store.rename(profileId, clean);
    await this.audit('config.rename', profileId, clean, `Renamed config “${profile.name}” to “${clean}”.`);
    return this.changed(profileId);
  }

  async history(profileId: string): Promise<ConfigRevisionSummary[]> {
    return this.options.store.history((await this.profile(profileId)).id);
  }

  async revision(revisionId: string): Promise<ConfigRevision> {
    const revision = await this.options.store.revision(revisionId);
    if (!revision) throw new AppError('not_found', 'That revision does not exist (it may belong to a config database from another machine).');
    return revision;
  }

  /** The profile, or not_found in words a person reads. */
  async profile(profileId: string): Promise<ConfigProfile> {
    const profile = await this.options.store.profile(profileId);
    if (!profile) throw new AppError('not_found', 'That config does not exist any more.');
    return profile;
  }

  /** Too big, or does not parse: refused with the first problem and where it is. */
  private assertStorable(kind: ConfigKind, content: string): string | null {
    const bytes = utf8ByteLength(content);
    if (bytes > MAX_CONFIG_BYTES)
      throw new AppError('invalid', `The document is ${(bytes / 1024).toFixed(0)} KiB; a node config can be at most ${MAX_CONFIG_BYTES / 1024} KiB.`);
    const { diagnostics, rendered } = checkDocument(kind, content);
    if (hasErrors(diagnostics)) {
      const errors = diagnostics.filter((d) => d.severity === 'error');
      const first = errors[0]!;
      throw new AppError(
        'invalid',
        `The document has ${errors.length === 1 ? 'an error' : `${errors.length} errors`}: line ${first.line}, column ${first.column}: ${first.message}`,
        {
          detail: errors
            .slice(0, 10)
            .map((d) => `line ${d.line}, column ${d.column}: ${d.message}`)
            .join('\n'),
        },
      );
    }
    return rendered;
  }

  // ---- assignment ---------------------------------------------------------------------------

  assignments(): Promise<ConfigAssignment[]> {
    return this.options.store.assignments();
  }

  /** Assigns a profile to nodes or to a tag (one profile per node and per tag: assigning again moves it). */
  async assign(
    input: { profileId: string; nodeIds?: string[]; tag?: string },
    known: { nodeIds: ReadonlySet<string>; tags: ReadonlySet<string> },
  ): Promise<ConfigAssignment[]> {
    const profile = await this.profile(input.profileId);
    if (isRunbookKind(profile.kind))
      throw new AppError('invalid', `“${profile.name}” is a runbook, not node config: run it on nodes (Run runbook…) instead of assigning it.`, {
        retryable: false,
      });
    const at = new Date(this.options.clock.now()).toISOString();
    if (input.tag !== undefined) {
      if (!known.tags.has(input.tag))
        throw new AppError('invalid', `No node in the fleet has the tag “${input.tag}”; assign to a tag that exists, or tag nodes first.`);
      await this.options.store.assign(profile.id, 'tag', [input.tag], at);
      await this.audit('config.assign', profile.id, profile.name, `Assigned “${profile.name}” to nodes tagged ${input.tag}.`);
    }
    if (input.nodeIds?.length) {
      const missing = input.nodeIds.filter((id) => !known.nodeIds.has(id));
      if (missing.length > 0)
        throw new AppError(
          'not_found',
          `${missing.length === 1 ? 'A node' : `${missing.length} nodes`} to assign ${missing.length === 1 ? 'is' : 'are'} not in the fleet any more.`,
        );
      await this.options.store.assign(profile.id, 'node', input.nodeIds, at);
      await this.audit(
        'config.assign',
        profile.id,
        profile.name,
        `Assigned “${profile.name}” to ${input.nodeIds.length} node${input.nodeIds.length === 1 ? '' : 's'}.`,
      );
    }
    await this.changed(profile.id);
    return this.assignments();
  }

  async unassign(targetKind: 'node' | 'tag', target: string): Promise<ConfigAssignment[]> {
    const existing = (await this.assignments()).find((a) => a.targetKind === targetKind && a.target === target);
    if (!existing) throw new AppError('not_found', 'That assignment does not exist any more.');
    await this.options.store.unassign(targetKind, target);
    const profile = await this.profile(existing.profileId);
    await this.audit('config.unassign', profile.id, profile.name, `Removed “${profile.name}” from ${targetKind === 'tag' ? `tag ${target}` : 'a node'}.`);
    await this.changed(profile.id);
    return this.assignments();
  }

  /**
   * What drift needs, read in one go, with each profile's latest revision (its kind and content) so
   * a config with variables can be rendered for each node without reading the store again.
   */
  async driftInputs(): Promise<DriftInputs & { latest: Map<string, { id: string; kind: ConfigKind; content: string }> }> {
    const [latestRows, profileList, byHash, assignments] = await Promise.all([
      this.options.store.latestRevisions(),
      this.profiles(),
      this.options.store.revisionsByRenderedHash(),
      this.assignments(),
    ]);
    const latest = new Map(latestRows.map((r) => [r.profileId, r]));
    const kinds = new Map(profileList.map((p) => [p.id, p.kind]));
    const profiles = new Map(
      profileList.map((p) => {
        const revision = latest.get(p.id);
        return [
          p.id,
          {
            name: p.name,
            latestNumber: revision?.number ?? 0,
            latestRenderedHash: revision?.renderedHash ?? null,
            latestRevisionId: revision?.id ?? null,
            templated: revision ? usesVariables(revision.content) : false,
          },
        ];
      }),
    );
    const revisionByHash = new Map([...byHash].map(([key, revision]) => [key, revision.number]));
    const contents = new Map(latestRows.map((r) => [r.profileId, { id: r.id, kind: kinds.get(r.profileId)!, content: r.content }]));
    return { assignments, profiles, revisionByHash, latest: contents };
  }

  /** What a revision sends to provisioning for a node (Ignition JSON for Butane), its variables filled in. */
  async rendered(revisionId: string, node: VariableNode | null = null): Promise<string> {
    const revision = await this.revision(revisionId);
    return renderRevision((await this.profile(revision.profileId)).kind, revision.content, node);
  }

  private async changed(profileId: string): Promise<ConfigProfile> {
    const profile = await this.profile(profileId);
    this.options.bus.emit('config.changed', { profileId });
    return profile;
  }

  /** Called once the change is stored: it is done, not merely requested. */
  private async audit(action: string, target: string, targetName: string, message: string): Promise<void> {
    await this.options.audit.append({ action, target, targetName, outcome: 'succeeded', message });
  }
}
