/**
 * What a kind of connection asks for and offers, as data: each provider folder in main describes
 * itself with this (electron/services/providers/<kind>/index.ts), main sends the list to the window
 * (`connections.kinds`), and the window draws the add form, checks it as it is typed and says why a
 * node cannot do something, all from the same description. Main checks the same rules again
 * (providers/descriptor.ts builds the zod schema from these fields), so what the form accepts main
 * accepts too. Free of schema code, so the renderer can use it.
 */
import type { Capability } from './capabilities';
import { baseUrlProblem } from './endpoint';
import { isAbsolutePath } from './forms';

export type ConnectionFieldType = 'text' | 'password' | 'url' | 'number' | 'select' | 'path';

export interface ConnectionField {
  /** The settings key; a secret's vault key is `account/<id>/<key>`. */
  key: string;
  label: string;
  type: ConnectionFieldType;
  placeholder?: string;
  /** A line under the field that says what goes in it. */
  hint?: string;
  /** What a new form starts with. */
  initial?: string;
  options?: { value: string; label: string }[];
  /** Kept in the vault only: never in the connections file, never sent back to the window. */
  secret?: boolean;
  /** The words when it is left empty; absent: the field may stay empty. */
  required?: string;
  maxLength?: number;
  /** Numbers: whole numbers from min to max, else `rangeMessage`. */
  min?: number;
  max?: number;
  rangeMessage?: string;
  /** A regular expression (source) the trimmed value must match, else `patternMessage`. */
  pattern?: string;
  patternMessage?: string;
  /** URLs: what would cross the network if the URL were plain http ("API token", "BMC password"). */
  carries?: string;
  /** Set by a flow rather than typed (the certificate fingerprint a user accepted): never drawn. */
  hidden?: boolean;
  mono?: boolean;
}

export interface ConnectionKindInfo {
  kind: string;
  /** "Metal API", "Redfish BMC": the kind's name on cards and in the picker. */
  label: string;
  /** The add form's title ("Add a Redfish BMC"). */
  title: string;
  /** What the connection is and what Ironpane does with it, above the form. */
  intro: string;
  /** False for a kind Ironpane registers itself (the embedded lab). */
  addable: boolean;
  fields: ConnectionField[];
  /** What its nodes can ever offer; a node may offer less. */
  capabilities: Capability[];
  /** Why a node of this kind cannot do something, in words that say what to do. */
  whyNot: Partial<Record<Capability, string>>;
}

/** Settings as the form sends them: text, trimmed by the rules below (secrets are taken as typed). */
export type SettingsDraft = Record<string, string>;
export type SettingValue = string | number;

/** Why this value cannot be used for the field, or null. */
export function fieldProblem(field: ConnectionField, raw: string): string | null {
  const value = field.secret ? raw : raw.trim();
  if (value === '') return field.required ?? null;
  if (field.maxLength !== undefined && value.length > field.maxLength)
    return `${field.label} can be at most ${field.maxLength} characters (this one has ${value.length}).`;
  if (field.type === 'number') {
    const n = Number(value);
    const inRange = Number.isInteger(n) && (field.min === undefined || n >= field.min) && (field.max === undefined || n <= field.max);
    if (!inRange)
      return (
        field.rangeMessage ??
        `${field.label} is a whole number${field.min !== undefined && field.max !== undefined ? ` from ${field.min} to ${field.max}` : ''}.`
      );
  }
  if (field.type === 'url') {
    const problem = baseUrlProblem(value, field.placeholder);
    if (problem) return field.carries ? problem.replace(/API token/g, field.carries) : problem;
  }
  if (field.type === 'path' && !isAbsolutePath(value)) return 'Write the full path of the file, e.g. /home/ops/fleet.yaml.';
  if (field.type === 'select' && field.options && !field.options.some((o) => o.value === value))
    return `Choose one of: ${field.options.map((o) => o.label).join(', ')}.`;
  if (field.pattern && !new RegExp(field.pattern).test(value)) return field.patternMessage ?? `${field.label} is not in the expected form.`;
  return null;
}

/** Every field's problem (hidden ones too: a flow sets them), keyed by field. */
export function settingsProblems(info: ConnectionKindInfo, draft: SettingsDraft): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const field of info.fields) {
    const problem = fieldProblem(field, draft[field.key] ?? '');
    if (problem) problems[field.key] = problem;
  }
  return problems;
}

/** The settings a good draft stands for: numbers as numbers, text trimmed, empty optional fields left out. */
export function settingsOf(info: ConnectionKindInfo, draft: SettingsDraft): Record<string, SettingValue> {
  const settings: Record<string, SettingValue> = {};
  for (const field of info.fields) {
    const raw = draft[field.key] ?? '';
    const value = field.secret ? raw : raw.trim();
    if (value === '') continue;
    settings[field.key] = field.type === 'number' ? Number(value) : value;
  }
  return settings;
}

/** A new form's draft: each field's initial value. */
export function emptyDraft(info: ConnectionKindInfo): SettingsDraft {
  return Object.fromEntries(info.fields.map((f) => [f.key, f.initial ?? ''])) as SettingsDraft;
}
