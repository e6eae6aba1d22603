/**
 * Validation problems in words a person can act on, naming the field and the entry: "Jump hosts:
 * at most 5 entries", "Jump hosts, entry 3: enter user@host[:port]". Used as zod's per-parse error
 * map, so a message a schema spells out itself still wins; and by the renderer's forms, which
 * validate before anything crosses to main. Everything here is bounded: an error never repeats
 * more than a few of the keys or values it was given (a request with 40,000 unknown keys once got a
 * 938 KB error back).
 */
import type { core } from 'zod';

const MAX_LISTED = 5;
const MAX_MESSAGE = 200;

/** "jumpHosts" → "Jump hosts", "baseUrl" → "Base URL", ['settings', 'jumpHosts', 2] → "Jump hosts, entry 3". */
export function fieldLabel(path: readonly PropertyKey[]): string {
  const names = path.filter((p): p is string => typeof p === 'string');
  const last = names.at(-1);
  const index = path.at(-1);
  const base = last === undefined ? 'The request' : humanise(last);
  return typeof index === 'number' ? `${base}, entry ${index + 1}` : base;
}

const WORDS: Record<string, string> = { url: 'URL', id: 'id', ssh: 'SSH', ms: '(ms)' };

function humanise(key: string): string {
  const words = key
    .slice(0, 60)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_-]+/)
    .filter(Boolean)
    .map((w) => WORDS[w.toLowerCase()] ?? w.toLowerCase());
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function listSome(values: readonly unknown[]): string {
  const shown = values.slice(0, MAX_LISTED).map((v) => truncate(String(v), 40));
  const more = values.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

export function truncate(text: string, max = MAX_MESSAGE): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** zod's per-parse error map: plain words for the built-in checks, nothing else changed. */
export const plainWordsErrorMap: core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') return `at most ${max} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `at most ${max} ${max === 1 ? 'entry' : 'entries'}`;
      return `at most ${max}`;
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') return min <= 1 ? 'required' : `at least ${min} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `at least ${min} ${min === 1 ? 'entry' : 'entries'}`;
      return `at least ${min}`;
    }
    case 'invalid_type':
      return issue.input === undefined ? 'required' : `must be ${article(issue.expected)}`;
    case 'unrecognized_keys':
      return `${issue.keys.length === 1 ? 'unknown field' : `${issue.keys.length} unknown fields`}: ${listSome(issue.keys)}`;
    case 'invalid_format':
      return issue.format === 'url' ? 'must be a URL such as https://api.example.com/metal/v1' : `must be a valid ${issue.format}`;
    case 'invalid_value':
      return `must be one of: ${listSome(issue.values)}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return undefined;
  }
};

function article(expected: string): string {
  if (expected === 'int') return 'a whole number';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** One issue as "Field: problem". */
export function describeIssue(issue: { path: readonly PropertyKey[]; message: string }): string {
  return truncate(`${fieldLabel(issue.path)}: ${issue.message}`);
}
