/**
 * Per-node variables in a config document: `{{ hostname }}`, `{{ public_ipv4 }}`, … are replaced by
 * each node's own values when the config is rendered for it (preview, apply, drift). An unknown name
 * is an error at its place; checks run on a rendering with example values, so a variable in a
 * value position (`hostname: {{ hostname }}`) never reads as YAML flow syntax.
 */
import type { ConfigDiagnostic } from './diagnostics';

export interface VariableNode {
  hostname: string;
  metro: { code: string } | null;
  facility: { code: string } | null;
  plan: string | null;
  ips: readonly { address: string; family: 4 | 6; public: boolean }[];
  vlans: readonly number[];
  tags: readonly string[];
}

export const VARIABLES: Record<string, { describe: string; of(node: VariableNode): string; example: string }> = {
  hostname: { describe: "the node's hostname", of: (n) => n.hostname, example: 'node-01' },
  metro: { describe: 'the metro code (am, da, sv…)', of: (n) => n.metro?.code ?? '', example: 'am' },
  facility: { describe: 'the facility code (am6…)', of: (n) => n.facility?.code ?? '', example: 'am6' },
  plan: { describe: 'the hardware plan', of: (n) => n.plan ?? '', example: 'c3.small.x86' },
  public_ipv4: {
    describe: 'the first public IPv4 address, or empty',
    of: (n) => n.ips.find((ip) => ip.public && ip.family === 4)?.address ?? '',
    example: '198.51.100.7',
  },
  private_ipv4: {
    describe: 'the first private IPv4 address, or empty',
    of: (n) => n.ips.find((ip) => !ip.public && ip.family === 4)?.address ?? '',
    example: '10.0.10.7',
  },
  public_ipv6: {
    describe: 'the first public IPv6 address, or empty',
    of: (n) => n.ips.find((ip) => ip.public && ip.family === 6)?.address ?? '',
    example: '2001:db8::7',
  },
  vlans: { describe: 'the VLAN ids (VXLAN), comma-separated', of: (n) => n.vlans.join(','), example: '1200,1201' },
  tags: { describe: "the node's tags, comma-separated", of: (n) => n.tags.join(','), example: 'k8s,worker' },
};

const PATTERN = /\{\{\s*([A-Za-z0-9_.-]*)\s*\}\}/g;

export function usesVariables(text: string): boolean {
  PATTERN.lastIndex = 0;
  return PATTERN.test(text);
}

/** The document for one node (or, without one, with the example values), and the unknown names with their places. */
export function renderVariables(text: string, node: VariableNode | null): { text: string; unknown: { name: string; from: number; to: number }[] } {
  const unknown: { name: string; from: number; to: number }[] = [];
  const rendered = text.replace(PATTERN, (match, name: string, offset: number) => {
    const variable = VARIABLES[name];
    if (!variable) {
      unknown.push({ name, from: offset, to: offset + match.length });
      return match;
    }
    return node ? variable.of(node) : variable.example;
  });
  return { text: rendered, unknown };
}

/** Unknown variables as diagnostics on the original text. */
export function variableDiagnostics(text: string): ConfigDiagnostic[] {
  const { unknown } = renderVariables(text, null);
  return unknown.map(({ name, from, to }) => {
    const before = text.slice(0, from);
    const line = before.split('\n').length;
    const column = from - before.lastIndexOf('\n');
    return {
      severity: 'error' as const,
      message: name
        ? `unknown variable “${name}”; the variables are ${Object.keys(VARIABLES).join(', ')}`
        : 'an empty {{ }}; write a variable name inside, e.g. {{ hostname }}',
      path: '',
      from,
      to,
      line,
      column,
    };
  });
}

/**
 * The text with example values, and a function that moves a diagnostic found in it back onto the
 * original text (offsets shift where a `{{ name }}` and its example differ in length).
 */
export function renderForCheck(text: string): { text: string; mapBack(d: ConfigDiagnostic): ConfigDiagnostic } {
  const segments: { srcFrom: number; srcTo: number; outFrom: number; outTo: number }[] = [];
  let shift = 0;
  const rendered = text.replace(PATTERN, (match, name: string, offset: number) => {
    const value = VARIABLES[name]?.example ?? match;
    segments.push({ srcFrom: offset, srcTo: offset + match.length, outFrom: offset + shift, outTo: offset + shift + value.length });
    shift += value.length - match.length;
    return value;
  });
  const toSource = (out: number) => {
    let delta = 0;
    for (const seg of segments) {
      if (out < seg.outFrom) break;
      if (out < seg.outTo) return seg.srcFrom; // inside a replaced value: its variable
      delta = seg.srcTo - seg.outTo;
    }
    return out + delta;
  };
  return {
    text: rendered,
    mapBack(d) {
      if (segments.length === 0) return d;
      const from = toSource(d.from);
      const to = Math.max(from, toSource(d.to));
      const before = text.slice(0, from);
      return { ...d, from, to, line: before.split('\n').length, column: from - before.lastIndexOf('\n') };
    },
  };
}
