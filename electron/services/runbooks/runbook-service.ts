/**
 * Runbooks (docs/architecture.md#runbooks): the catalog (the built-ins, and the user's own, kept as
 * config profiles of kind `runbook` with revisions), the console credentials they log in with (the
 * password in the vault only; names and user names in a plain file), and running one on a node's
 * serial console through the console service.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../../shared/errors';
import type { ConfigProfile, FleetNode } from '../../../shared/model';
import { BUILTIN_RUNBOOKS } from '../../../shared/runbooks/builtins';
import { CONSOLE_CREDENTIAL_NAME } from '../../../shared/forms';
import { LOGIN_PROMPT, parseRunbook, runbookCredentials, SHELL_PROMPT, type Runbook } from '../../../shared/runbooks/runbook';
import type { AuditLog } from '../audit/audit-log';
import type { ConfigService } from '../config/config-service';
import type { ConsoleService } from '../console/console-service';
import { consoleCredentialSecretKey, type ConnectionStore } from '../store/connection-store';
import type { AppPaths, SecretStore } from '../ports';
import { runRunbook, type RunbookRun } from './runbook-runner';

export interface RunbookEntry {
  id: string;
  name: string;
  description: string;
  os: string[] | null;
  builtin: boolean;
  /** The config profile a user runbook lives in (null for built-ins). */
  profileId: string | null;
  revision: number | null;
  text: string;
  /** Why it cannot run as it is (a user runbook whose latest revision does not check). */
  problem: string | null;
  steps: string[];
}

export interface ConsoleCredential {
  name: string;
  username: string;
}

/** Press Enter and expect a login or shell prompt: how a reprovision's last check reads the console. */
const LOGIN_CHECK: Runbook = {
  name: 'Login prompt',
  description: '',
  os: null,
  login: false,
  credential: 'console',
  steps: [{ name: 'Press Enter', send: '', sendCredential: null, expect: `${LOGIN_PROMPT}|${SHELL_PROMPT}`, fail: null, timeoutMs: 120_000 }],
  verify: { send: null, expect: `${LOGIN_PROMPT}|${SHELL_PROMPT}`, timeoutMs: 1_000, bootedVersion: null },
};

const CredentialsFile = z.array(z.object({ name: z.string(), username: z.string() }));
const secretKey = consoleCredentialSecretKey;

export class RunbookService {
  private credentialList: ConsoleCredential[] | null = null;

  constructor(
    private readonly options: {
      paths: AppPaths;
      /** Console credentials are kept here, with the other connections. */
      store: ConnectionStore;
      secrets: SecretStore;
      consoles: ConsoleService;
      config: ConfigService;
      audit: AuditLog;
      /** The lab accepts any password for its users: a first start seeds a `console` credential for it. */
      labCredential?: { username: string } | null;
    },
  ) {}

  async list(): Promise<RunbookEntry[]> {
    const builtins = BUILTIN_RUNBOOKS.map((b) => this.entry(b.id, b.text, true, null, null));
    const own: RunbookEntry[] = [];
    for (const p of await this.options.config.profiles()) if (p.kind === 'runbook' && p.latest) own.push(await this.ownEntry(p));
    return [...builtins, ...own];
  }

  /** One runbook by id (`builtin:…` or `profile:<config id>`), reading only that one. */
  async get(runbookId: string): Promise<RunbookEntry> {
    const builtin = BUILTIN_RUNBOOKS.find((b) => b.id === runbookId);
    if (builtin) return this.entry(builtin.id, builtin.text, true, null, null);
    const profile = runbookId.startsWith('profile:')
      ? (await this.options.config.profiles()).find((p) => `profile:${p.id}` === runbookId && p.kind === 'runbook' && p.latest)
      : undefined;
    if (!profile) throw new AppError('not_found', 'Runbook: that runbook no longer exists (was its config deleted?).', { retryable: false });
    return this.ownEntry(profile);
  }

  private async ownEntry(profile: ConfigProfile): Promise<RunbookEntry> {
    return this.entry(
      `profile:${profile.id}`,
      (await this.options.config.revision(profile.latest!.id)).content,
      false,
      profile.id,
      profile.latest!.number,
      profile.name,
    );
  }

  private entry(id: string, text: string, builtin: boolean, profileId: string | null, revision: number | null, fallbackName?: string): RunbookEntry {
    const parsed = parseRunbook(text);
    return {
      id,
      name: parsed.ok ? parsed.runbook.name : (fallbackName ?? id),
      description: parsed.ok ? parsed.runbook.description : '',
      os: parsed.ok && parsed.runbook.os ? [...parsed.runbook.os] : null,
      builtin,
      profileId,
      revision,
      text,
      problem: parsed.ok ? null : parsed.message,
      steps: parsed.ok ? parsed.runbook.steps.map((s) => s.name) : [],
    };
  }

  // ---- console credentials ------------------------------------------------------------------------

  /** Console credentials are connections of their own kind in the store (their passwords in the vault). */
  async credentials(): Promise<ConsoleCredential[]> {
    if (this.credentialList) return this.credentialList;
    const { store } = this.options;
    await store.importOnce('console-credentials.json', 'console-credential', (raw) =>
      CredentialsFile.parse(raw).map((c) => ({ id: c.name, kind: 'console', name: c.name, settings: { username: c.username } })),
    );
    this.credentialList = store
      .list<{ username: string }>('console-credential')
      .map((row) => ({ name: row.name, username: row.settings.username }))
      .sort((a, b) => a.name.localeCompare(b.name));
    if (this.options.labCredential && !this.credentialList.some((c) => c.name === 'console')) {
      // Any password logs in on the lab's consoles; a random one shows the vault path is real.
      await this.setCredential({ name: 'console', username: this.options.labCredential.username, password: randomUUID() }, false);
    }
    return this.credentialList;
  }

  async setCredential(input: { name: string; username: string; password: string }, audit = true): Promise<ConsoleCredential[]> {
    if (!CONSOLE_CREDENTIAL_NAME.test(input.name))
      throw new AppError('invalid', 'Name: use 1–40 lower-case letters, digits, dots, dashes or underscores (for example console or bmc-root).', {
        retryable: false,
      });
    if (!input.username.trim() || /\s/.test(input.username.trim()))
      throw new AppError('invalid', 'User: enter the login name the console asks for (no spaces).', { retryable: false });
    if (!input.password) throw new AppError('invalid', 'Password: enter the password for that login.', { retryable: false });
    const list = (this.credentialList ?? (await this.credentials())).filter((c) => c.name !== input.name);
    await this.options.secrets.set(secretKey(input.name), input.password);
    this.credentialList = [...list, { name: input.name, username: input.username.trim() }].sort((a, b) => a.name.localeCompare(b.name));
    this.options.store.put('console-credential', { id: input.name, kind: 'console', name: input.name, settings: { username: input.username.trim() } });
    if (audit)
      await this.options.audit.append({
        action: 'runbook.credential.set',
        target: input.name,
        targetName: input.name,
        outcome: 'succeeded',
        message: `Saved the console credential “${input.name}” (user ${input.username.trim()}).`,
      });
    return this.credentialList;
  }

  /** A credential with its password, for main only (a BMC an inventory file names). */
  async login(name: string): Promise<{ username: string; password: string }> {
    const credential = (await this.credentials()).find((c) => c.name === name);
    const password = credential ? await this.options.secrets.get(secretKey(credential.name)) : undefined;
    if (!credential || password === undefined)
      throw new AppError('not_found', `There is no console credential “${name}”; add it under Connections → Console credentials.`, { retryable: false });
    return { username: credential.username, password };
  }

  async deleteCredential(name: string): Promise<ConsoleCredential[]> {
    const list = await this.credentials();
    if (!list.some((c) => c.name === name)) throw new AppError('not_found', `There is no console credential “${name}”.`, { retryable: false });
    await this.options.secrets.delete(secretKey(name));
    this.credentialList = list.filter((c) => c.name !== name);
    this.options.store.remove('console-credential', name);
    await this.options.audit.append({
      action: 'runbook.credential.delete',
      target: name,
      targetName: name,
      outcome: 'succeeded',
      message: `Deleted the console credential “${name}”.`,
    });
    return this.credentialList;
  }

  // ---- running ------------------------------------------------------------------------------------

  /**
   * After a reprovision: does the console show a login (or shell) prompt? Not asked about an
   * unknown host key (a verification must not wait on a person), and not checked where there is no
   * console or no prompt to expect (Talos), saying why.
   */
  async loginPrompt(node: FleetNode): Promise<{ checked: boolean; ok: boolean; message: string }> {
    if (node.os.family === 'talos') return { checked: false, ok: true, message: 'Talos has no login prompt; its API is the way in' };
    let line;
    try {
      line = await this.options.consoles.runbookLine(node.id, { askHostKey: false });
    } catch (error) {
      if (error instanceof AppError && error.code === 'host_key_unknown')
        return { checked: false, ok: true, message: 'its console’s host key is not trusted yet; open the console once to trust it' };
      return { checked: false, ok: true, message: error instanceof AppError ? error.message.replace(/\.$/, '') : 'the console could not be opened' };
    }
    const run = await runRunbook(LOGIN_CHECK, line, {}, {}).finally(() => line.release());
    return { checked: true, ok: run.ok, message: run.ok ? 'login prompt' : `no login prompt on its console (${run.message.replace(/\.$/, '')})` };
  }

  /** Runs a runbook on the node's console; the step executor keeps the transcript and judges the outcome. */
  async run(node: FleetNode, text: string, values: { targetVersion?: string }): Promise<RunbookRun> {
    const parsed = parseRunbook(text);
    if (!parsed.ok) return { ok: false, message: `The runbook does not check: ${parsed.message}`, transcript: '', completed: 0 };
    const runbook: Runbook = parsed.runbook;
    const known = await this.credentials();
    const credential = known.find((c) => c.name === runbook.credential);
    const password = credential ? await this.options.secrets.get(secretKey(credential.name)) : undefined;
    // The passwords steps send by name (sendCredential), read from the vault only for this run.
    const credentials: Record<string, string> = {};
    for (const name of runbookCredentials(runbook)) {
      const value = known.some((c) => c.name === name) ? await this.options.secrets.get(secretKey(name)) : undefined;
      if (value !== undefined) credentials[name] = value;
    }
    const line = await this.options.consoles.runbookLine(node.id).catch((error: unknown) => {
      throw error instanceof AppError
        ? error
        : new AppError('unavailable', `${node.hostname}'s console could not be opened.`, { retryable: true, cause: error });
    });
    return runRunbook(
      runbook,
      line,
      {
        hostname: node.hostname,
        user: credential?.username,
        password,
        bootedVersion: node.osState?.bootedVersion ?? node.os.version,
        targetVersion: values.targetVersion,
      },
      { credentials },
    ).finally(() => line.release());
  }
}
