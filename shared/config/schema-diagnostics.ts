/**
 * JSON Schema results placed on the document: a validator reports `instanceLocation`s ("#/machine/
 * install/disk"); this finds that node in the YAML (JSON is YAML too) and gives its exact range,
 * keeping only the errors that say something (the leaves, not "a subschema had errors").
 */
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node as YamlNode, type Pair } from 'yaml';
import type { ConfigDiagnostic } from './diagnostics';

/** What @cfworker/json-schema (and most validators) report per problem. */
export interface SchemaError {
  keyword: string;
  instanceLocation: string;
  error: string;
}

export type ValidateFn = (instance: unknown, document: { index: number; value: Record<string, unknown> }) => SchemaError[];

/** Container keywords whose children carry the real problem. */
const NOT_A_LEAF = new Set([
  '$ref',
  'properties',
  'items',
  'prefixItems',
  'allOf',
  'additionalProperties',
  'unevaluatedProperties',
  'patternProperties',
  'dependentSchemas',
  'if',
  'then',
  'else',
  '$dynamicRef',
]);

export function pathOf(instanceLocation: string): string[] {
  return instanceLocation
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map((part) => decodeURIComponent(part.replace(/~1/g, '/').replace(/~0/g, '~')));
}

function words(error: SchemaError, path: string[]): string {
  const field = path.at(-1) ?? 'the document';
  switch (error.keyword) {
    case 'false':
      return `unknown field “${field}”`;
    case 'type': {
      const expected = /Expected (.*)\.$/.exec(error.error)?.[1]?.replace(/"/g, '') ?? 'another type';
      const found = /Instance type "(\w+)"/.exec(error.error)?.[1] ?? 'something else';
      return `${field} must be ${expected.replace(/, null$/, '')}, not ${found}`;
    }
    case 'required':
      return error.error.replace(/^Instance does not have required property "(.*)"\.$/, 'missing required field “$1”');
    case 'enum':
    case 'const':
      return `${field}: ${error.error.replace(/^Instance does not match any of /, 'must be one of ').replace(/\.$/, '')}`;
    default:
      return `${field}: ${error.error.replace(/\.$/, '')}`;
  }
}

/** The node at a path, or the deepest container on the way when the path does not exist. */
function locate(doc: Document, path: string[]): YamlNode | null {
  let node = doc.contents as YamlNode | null;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === part) as Pair | undefined;
      if (!pair) return node;
      node = (pair.value as YamlNode | null) ?? (pair.key as YamlNode | null) ?? node;
    } else if (isSeq(node)) {
      const next = node.items[Number(part)] as YamlNode | undefined;
      if (!next) return node;
      node = next;
    } else return node;
  }
  return node;
}

function rangeOf(target: YamlNode | null): [number, number] {
  return target?.range ? [target.range[0], target.range[1]] : [0, 0];
}

/**
 * Validates every document of the text (Talos configs are multi-document; the rest have one) and
 * returns the problems with their ranges; an unknown field is underlined on its key.
 */
export function schemaDiagnostics(text: string, validate: ValidateFn): ConfigDiagnostic[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines });
  const out: ConfigDiagnostic[] = [];
  const list = Array.isArray(docs) ? docs : [docs];
  for (const [index, doc] of list.entries()) {
    if (doc.errors.length > 0) continue; // the parse errors are reported by the parser already
    const value = doc.toJS() as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    const seen = new Set<string>();
    for (const error of validate(value, { index, value: value as Record<string, unknown> })) {
      if (NOT_A_LEAF.has(error.keyword)) continue;
      const path = pathOf(error.instanceLocation);
      const key = `${error.instanceLocation}|${error.keyword}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const target = error.keyword === 'false' ? keyPair(doc, path) : locate(doc, path);
      const [from, to] = rangeOf(target);
      const { line, col } = lines.linePos(from);
      out.push({ severity: 'error', message: words(error, path), path: path.join('.'), from, to, line, column: col });
      if (out.length >= 200) return out;
    }
  }
  return out;
}

/** For an unknown field, its key (underlining the whole value would hide what is wrong). */
function keyPair(doc: Document, path: string[]): YamlNode | null {
  const parent = locate(doc, path.slice(0, -1));
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === path.at(-1)) as Pair | undefined;
    if (pair?.key) return pair.key as YamlNode;
  }
  return locate(doc, path);
}
