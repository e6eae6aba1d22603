/**
 * Runbooks (docs/architecture.md#runbooks): operations over a node's serial console, written as
 * YAML. A runbook logs in with a credential from the vault (never written to the transcript), runs
 * send/expect steps, each with a regex and a timeout, and ends in a verification: a last expect on
 * the console, the version the node must boot, or both. The schema here is the one the config
 * editor checks against (errors on their line) and the one the runner trusts.
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import type { ConfigDiagnostic } from '../config/diagnostics';
import { schemaDiagnostics, type SchemaError } from '../config/schema-diagnostics';
import { CONSOLE_CREDENTIAL_NAME } from '../forms';
import { OS_FAMILIES, type OsFamily } from '../model';

/** What a runbook may write as `{{name}}`; `password` is the credential's and is never echoed. */
export const RUNBOOK_VARIABLES = ['hostname', 'user', 'password', 'bootedVersion', 'targetVersion'] as const;
export type RunbookVariable = (typeof RUNBOOK_VARIABLES)[number];

/** How long a step waits for its expect unless it says otherwise. */
export const DEFAULT_STEP_TIMEOUT_MS = 30_000;
const MAX_TIMEOUT_MS = 60 * 60_000;

function parseDuration(value: number | string): number | null {
  if (typeof value === 'number') return value > 0 && value * 1000 <= MAX_TIMEOUT_MS ? value * 1000 : null;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value.trim());
  if (!m) return null;
  const ms = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
  return ms > 0 && ms <= MAX_TIMEOUT_MS ? ms : null;
}

const Duration = z.union([z.number(), z.string()]).refine((v) => parseDuration(v) !== null, { message: 'a duration such as 30s, 10m or 500ms (at most 60m)' });

const Regex = z
  .string()
  .min(1)
  .max(1000)
  .refine(
    (v) => {
      try {
        new RegExp(v, 'm');
        return true;
      } catch {
        return false;
      }
    },
    { message: 'not a valid regular expression' },
  );

/** Variables a command may name; a password never is one (see `sendCredential`). */
const TEMPLATE_VARIABLES = RUNBOOK_VARIABLES.filter((v) => v !== 'password');

const Template = z
  .string()
  .max(4096)
  // A password written into a command can be echoed anywhere (`echo {{password}}` reached every
  // attached window); it goes only through a step that sends a named credential.
  .refine((v) => ![...v.matchAll(/\{\{\s*([\w-]+)\s*\}\}/g)].some((m) => m[1] === 'password'), {
    message: '{{password}} cannot be written into a command; send a credential with its own step (sendCredential: <name>) instead',
  })
  .refine((v) => [...v.matchAll(/\{\{\s*([\w-]+)\s*\}\}/g)].every((m) => m[1] === 'password' || (TEMPLATE_VARIABLES as readonly string[]).includes(m[1]!)), {
    message: `uses a variable Ironpane does not know (known: ${TEMPLATE_VARIABLES.join(', ')})`,
  });

const StepSchema = z
  .object({
    name: z.string().max(200).optional(),
    send: Template.optional(),
    /**
     * Sends the password of this console credential (from the vault), then Enter. Main masks its
     * bytes in everything that leaves it while the runbook runs.
     */
    sendCredential: z.string().regex(CONSOLE_CREDENTIAL_NAME, 'a credential name: lower-case letters, digits, dots, dashes or underscores').optional(),
    /** Without one, a step that sends waits for the shell prompt again. */
    expect: Regex.optional(),
    /** Output that fails the step even if expect matches too (an error the command prints). */
    fail: Regex.optional(),
    timeout: Duration.optional(),
  })
  .strict()
  .refine((s) => s.send === undefined || s.sendCredential === undefined, {
    message: 'a step sends either text (send) or a credential (sendCredential), not both',
  })
  .refine((s) => s.send !== undefined || s.sendCredential !== undefined || s.expect !== undefined, {
    message: 'a step needs send, sendCredential, expect, or both',
  });

const VerifySchema = z
  .object({
    send: Template.optional(),
    expect: Regex.optional(),
    timeout: Duration.optional(),
    /** The version the node must report booted afterwards (usually `{{targetVersion}}`). */
    bootedVersion: Template.optional(),
  })
  .strict()
  .refine((v) => v.expect !== undefined || v.bootedVersion !== undefined, { message: 'verify needs expect, bootedVersion, or both' });

export const RunbookSchema = z
  .object({
    name: z.string().min(1).max(120),
    description: z.string().max(2000).optional(),
    /** The OS families it is for (none: any). */
    os: z.array(z.enum(OS_FAMILIES)).min(1).optional(),
    /** Log in on the console first (with `credential`) if it shows a login prompt. */
    login: z.boolean().default(true),
    /** The console credential's name in the vault. */
    credential: z.string().regex(CONSOLE_CREDENTIAL_NAME, 'a credential name: lower-case letters, digits, dots, dashes or underscores').default('console'),
    steps: z.array(StepSchema).min(1).max(100),
    verify: VerifySchema,
  })
  .strict();

/** What a step waits for after sending when it names nothing else: a shell prompt (`$ ` or `# `). */
export const SHELL_PROMPT = '[$#] $';
/** A console asking who logs in. */
export const LOGIN_PROMPT = 'login: $';

export interface RunbookStepPlan {
  name: string;
  send: string | null;
  /** The console credential whose password this step sends, or null. */
  sendCredential: string | null;
  expect: string;
  fail: string | null;
  timeoutMs: number;
}

/** A checked runbook, ready to run. */
export interface Runbook {
  name: string;
  description: string;
  os: readonly OsFamily[] | null;
  login: boolean;
  credential: string;
  steps: RunbookStepPlan[];
  verify: { send: string | null; expect: string | null; timeoutMs: number; bootedVersion: string | null };
}

function toSchemaErrors(error: z.ZodError): SchemaError[] {
  return error.issues.map((issue) => ({
    keyword: issue.code === 'unrecognized_keys' ? 'false' : issue.code,
    instanceLocation: '#/' + [...issue.path, ...(issue.code === 'unrecognized_keys' ? [issue.keys[0]!] : [])].map(String).join('/'),
    error: issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message,
  }));
}

/** Problems with a runbook's text, each on its line; none means `parseRunbook` succeeds. */
export function runbookDiagnostics(text: string): ConfigDiagnostic[] {
  return schemaDiagnostics(text, (value) => {
    const parsed = RunbookSchema.safeParse(value);
    return parsed.success ? [] : toSchemaErrors(parsed.error);
  });
}

/** The runbook in a YAML text, or the first problem in plain words. */
export function parseRunbook(text: string): { ok: true; runbook: Runbook } | { ok: false; message: string } {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false, message: `Not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}` };
  const parsed = RunbookSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, message: `${issue.path.join('.') || 'The runbook'}: ${issue.message}` };
  }
  const r = parsed.data;
  const ms = (v: number | string | undefined) => (v === undefined ? DEFAULT_STEP_TIMEOUT_MS : parseDuration(v)!);
  return {
    ok: true,
    runbook: {
      name: r.name,
      description: r.description ?? '',
      os: r.os ?? null,
      login: r.login,
      credential: r.credential,
      steps: r.steps.map((s, i) => ({
        name: s.name ?? s.send ?? (s.sendCredential ? `send the ${s.sendCredential} password` : `step ${i + 1}`),
        send: s.send ?? null,
        sendCredential: s.sendCredential ?? null,
        expect: s.expect ?? SHELL_PROMPT,
        fail: s.fail ?? null,
        timeoutMs: ms(s.timeout),
      })),
      verify: { send: r.verify.send ?? null, expect: r.verify.expect ?? null, timeoutMs: ms(r.verify.timeout), bootedVersion: r.verify.bootedVersion ?? null },
    },
  };
}

/** Why a runbook cannot run on a node of that OS family, or null. */
export function runbookOsMismatch(runbook: Pick<Runbook, 'os' | 'name'>, family: string): string | null {
  if (!runbook.os || runbook.os.includes(family as OsFamily)) return null;
  return `${runbook.name} is for ${runbook.os.join(', ')}; this node runs ${family}`;
}

/** `{{name}}` filled in; a variable with no value is an error naming it. */
export function fillTemplate(template: string, values: Partial<Record<RunbookVariable, string>>): string {
  return template.replace(/\{\{\s*([\w-]+)\s*\}\}/g, (_, name: RunbookVariable) => {
    const value = values[name];
    if (value === undefined) throw new Error(`{{${name}}} has no value here${name === 'targetVersion' ? ' (only a rollback provides it)' : ''}`);
    return value;
  });
}

/** The console credentials a runbook uses: its login and every credential a step sends. */
export function runbookCredentials(runbook: Pick<Runbook, 'credential' | 'steps' | 'login'>): string[] {
  return [...new Set([...(runbook.login ? [runbook.credential] : []), ...runbook.steps.flatMap((s) => (s.sendCredential ? [s.sendCredential] : []))])];
}

/** Whether the runbook needs a value only a rollback gives. */
export function usesTargetVersion(text: string): boolean {
  return /\{\{\s*targetVersion\s*\}\}/.test(text);
}
