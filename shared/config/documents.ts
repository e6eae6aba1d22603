/**
 * The kinds of node config Ironpane keeps, and the checks every one of them gets before it is
 * saved or applied. Butane is translated by Ironpane's own translator; the others are parsed here
 * (schema validation against the upstream JSON Schemas comes on top, in main).
 */
import { LineCounter, parseAllDocuments, parseDocument, isMap } from 'yaml';
import { translateButane } from './butane';
import type { ConfigDiagnostic } from './diagnostics';
import type { ConfigKind } from './kinds';
import { renderForCheck, usesVariables, variableDiagnostics } from './variables';
import { runbookDiagnostics } from '../runbooks/runbook';

export { CONFIG_KINDS, CONFIG_KIND_LABELS, MAX_CONFIG_BYTES, type ConfigKind } from './kinds';

export interface CheckResult {
  diagnostics: ConfigDiagnostic[];
  /** What provisioning receives: Ignition JSON for Butane, the text itself for the rest. */
  rendered: string | null;
}

function at(lines: LineCounter, from: number, to: number, severity: ConfigDiagnostic['severity'], message: string, path = ''): ConfigDiagnostic {
  const { line, col } = lines.linePos(from);
  return { severity, message, path, from, to, line, column: col };
}

/**
 * Every check for a document. A document with `{{ variables }}` is checked as rendered with example
 * values, each problem placed back on the original text; unknown variables are errors of their own.
 */
export function checkDocument(kind: ConfigKind, text: string): CheckResult {
  // A runbook's {{ variables }} are its own (filled when it runs), not the per-node config variables.
  if (kind === 'script' || kind === 'runbook' || !usesVariables(text)) return checkPlain(kind, text);
  const forCheck = renderForCheck(text);
  const result = checkPlain(kind, forCheck.text);
  return { diagnostics: [...variableDiagnostics(text), ...result.diagnostics.map(forCheck.mapBack)], rendered: result.rendered };
}

function checkPlain(kind: ConfigKind, text: string): CheckResult {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines.addNewLine(i + 1);
  if (text.trim() === '') return { diagnostics: [at(lines, 0, 0, 'error', 'The document is empty.')], rendered: null };
  switch (kind) {
    case 'butane': {
      const result = translateButane(text);
      return { diagnostics: result.diagnostics, rendered: result.ignitionText };
    }
    case 'ignition': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        const offset = Number(/position (\d+)/.exec(String(error))?.[1] ?? 0);
        return { diagnostics: [at(lines, offset, offset + 1, 'error', `Not valid JSON: ${(error as Error).message}`)], rendered: null };
      }
      const version = (parsed as { ignition?: { version?: unknown } } | null)?.ignition?.version;
      if (typeof version !== 'string' || !/^3\.\d+\.\d+/.test(version)) {
        return {
          diagnostics: [
            at(lines, 0, 1, 'error', 'An Ignition config needs "ignition": {"version": "3.x.y"} (spec 3; Flatcar reads 3.3.0 and 3.4.0).', 'ignition.version'),
          ],
          rendered: null,
        };
      }
      return { diagnostics: [], rendered: text };
    }
    case 'cloud-config': {
      if (!text.startsWith('#cloud-config')) {
        return {
          diagnostics: [
            at(lines, 0, text.indexOf('\n') >>> 0, 'error', 'cloud-init reads this as cloud-config only if the first line is exactly "#cloud-config".'),
          ],
          rendered: null,
        };
      }
      const doc = parseDocument(text, { uniqueKeys: true });
      const diagnostics = doc.errors.map((e) => at(lines, e.pos[0], e.pos[1], 'error', e.message.split('\n')[0]!));
      if (diagnostics.length === 0 && doc.contents !== null && !isMap(doc.contents))
        diagnostics.push(at(lines, 0, 0, 'error', 'A cloud-config is a YAML mapping of module settings.'));
      return { diagnostics, rendered: diagnostics.length ? null : text };
    }
    case 'talos': {
      const docs = parseAllDocuments(text, { uniqueKeys: true });
      const diagnostics: ConfigDiagnostic[] = [];
      for (const doc of Array.isArray(docs) ? docs : [docs]) {
        for (const e of doc.errors) diagnostics.push(at(lines, e.pos[0], e.pos[1], 'error', e.message.split('\n')[0]!));
        if (doc.errors.length === 0 && doc.contents !== null && !isMap(doc.contents)) {
          const start = doc.range[0];
          diagnostics.push(
            at(lines, start, start, 'error', 'Each document of a Talos machine config is a mapping (v1alpha1 Config, or one with apiVersion and kind).'),
          );
        }
      }
      return { diagnostics, rendered: diagnostics.length ? null : text };
    }
    case 'runbook': {
      const doc = parseDocument(text, { uniqueKeys: true });
      const diagnostics = doc.errors.map((e) => at(lines, e.pos[0], e.pos[1], 'error', e.message.split('\n')[0]!));
      if (diagnostics.length === 0 && !isMap(doc.contents)) diagnostics.push(at(lines, 0, 0, 'error', 'A runbook is a YAML mapping: name, steps and verify.'));
      if (diagnostics.length === 0) diagnostics.push(...runbookDiagnostics(text));
      return { diagnostics, rendered: diagnostics.length ? null : text };
    }
    case 'script':
      return {
        diagnostics: text.startsWith('#!') ? [] : [at(lines, 0, 0, 'warning', 'A user-data script usually starts with "#!" (for example #!/bin/bash).')],
        rendered: text,
      };
  }
}
