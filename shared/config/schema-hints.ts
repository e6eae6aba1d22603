/**
 * Completion and hover from a JSON Schema: which keys belong at a place in the document, and what a
 * key means. Works on the YAML syntax tree (JSON is YAML too), following `$ref`, `allOf` and
 * `anyOf`/`oneOf` branches far enough to collect properties.
 */
import { isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node as YamlNode, type Pair } from 'yaml';

type Schema = Record<string, unknown>;

export interface KeyHint {
  label: string;
  detail: string;
  info: string;
}

export interface HoverHint {
  from: number;
  to: number;
  key: string;
  text: string;
}

function resolve(schema: Schema | undefined, root: Schema, depth = 0): Schema[] {
  if (!schema || depth > 12) return [];
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/')) {
    let target: unknown = root;
    for (const part of ref.slice(2).split('/')) target = (target as Schema | undefined)?.[decodeURIComponent(part.replace(/~1/g, '/').replace(/~0/g, '~'))];
    return [schema, ...resolve(target as Schema, root, depth + 1)];
  }
  const branches = ['allOf', 'anyOf', 'oneOf'].flatMap((k) => (Array.isArray(schema[k]) ? (schema[k] as Schema[]) : []));
  return [schema, ...branches.flatMap((b) => resolve(b, root, depth + 1))];
}

/**
 * Every property the schemas name, a key named by several kept as all of them: cloud-init's root
 * lists each key as an empty placeholder (`"packages": {}`) beside the module that describes it, and
 * taking the first alone left completion without a type or text and hover with nothing to say.
 */
function properties(schemas: Schema[]): Map<string, Schema> {
  const out = new Map<string, Schema>();
  for (const s of schemas) {
    for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
      const seen = out.get(k);
      out.set(k, seen ? { allOf: [seen, v] } : v);
    }
  }
  return out;
}

/** The schemas that describe the value at a key path. */
export function schemaAt(root: Schema, start: Schema, path: readonly (string | number)[]): Schema[] {
  let current = resolve(start, root);
  for (const part of path) {
    if (typeof part === 'number') current = current.flatMap((s) => resolve(s.items as Schema | undefined, root));
    else current = resolve(properties(current).get(part), root);
    if (current.length === 0) return [];
  }
  return current;
}

const describe = (schemas: Schema[]): string => {
  for (const s of schemas) {
    const text = (s.markdownDescription ?? s.description ?? s.title) as string | undefined;
    if (typeof text === 'string' && text.trim()) return text.trim();
  }
  return '';
};

const typeOf = (schemas: Schema[]): string => {
  for (const s of schemas) {
    if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
    if (typeof s.type === 'string') return s.type;
    if (Array.isArray(s.type)) return s.type.join(' | ');
  }
  return '';
};

interface Located {
  doc: Document;
  /** Key path of the innermost mapping around the offset. */
  mapPath: (string | number)[];
  map: YamlNode | null;
  /** The key under the offset, if any. */
  keyPath: (string | number)[] | null;
  keyNode: YamlNode | null;
}

function locate(text: string, offset: number): Located | null {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  const doc = list.find((d) => d.range[0] <= offset && offset <= d.range[2]) ?? list.at(-1);
  if (!doc) return null;
  // YAML mappings end at their last value; a cursor on the blank or half-typed line after one still
  // belongs to the mapping whose keys start in the cursor's column.
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const indent = /^ */.exec(text.slice(lineStart, offset))![0].length;
  const columnOf = (at: number) => at - (text.lastIndexOf('\n', at - 1) + 1);
  const candidates: { map: YamlNode; path: (string | number)[]; column: number; depth: number }[] = [];
  let keyPath: (string | number)[] | null = null;
  let keyNode: YamlNode | null = null;
  const walk = (node: unknown, path: (string | number)[]) => {
    if (isMap(node)) {
      const range = node.range;
      const first = (node.items[0]?.key as YamlNode | undefined)?.range?.[0];
      if (range && range[0] <= offset && (offset <= range[2] || text.slice(range[2], offset).trim() === '')) {
        candidates.push({ map: node, path, column: first === undefined ? -1 : columnOf(first), depth: path.length });
      }
      for (const pair of node.items as Pair[]) {
        const key = isScalar(pair.key) ? String(pair.key.value) : null;
        if (key === null) continue;
        const keyRange = (pair.key as YamlNode).range;
        if (keyRange && keyRange[0] <= offset && offset <= keyRange[1]) {
          keyPath = [...path, key];
          keyNode = pair.key as YamlNode;
        }
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    } else if (isPair(node)) walk(node.value, path);
  };
  walk(doc.contents, []);
  const byColumn = candidates.filter((c) => c.column === indent).sort((a, b) => b.depth - a.depth)[0];
  const innermost = candidates.sort((a, b) => b.depth - a.depth)[0];
  const chosen = byColumn ?? innermost;
  return { doc, mapPath: chosen?.path ?? [], map: chosen?.map ?? null, keyPath, keyNode };
}

/** Keys the schema allows in the mapping around `offset` that the document does not have yet. */
export function completeKeys(root: Schema, startFor: (doc: Record<string, unknown>) => Schema | null, text: string, offset: number): KeyHint[] {
  const at = locate(text, offset);
  if (!at) return [];
  const start = startFor((at.doc.toJS() ?? {}) as Record<string, unknown>);
  if (!start) return [];
  const present = new Set(isMap(at.map) ? (at.map.items as Pair[]).map((p) => (isScalar(p.key) ? String(p.key.value) : '')) : []);
  const props = properties(schemaAt(root, start, at.mapPath));
  return [...props]
    .filter(([key]) => !present.has(key) || (at.keyPath && at.keyPath.at(-1) === key))
    .map(([key, schema]) => {
      const resolved = resolve(schema, root);
      return { label: key, detail: typeOf(resolved), info: describe(resolved).slice(0, 600) };
    });
}

/** What the key under `offset` means, from its schema description. */
export function hoverKey(root: Schema, startFor: (doc: Record<string, unknown>) => Schema | null, text: string, offset: number): HoverHint | null {
  const at = locate(text, offset);
  if (!at?.keyPath || !at.keyNode?.range) return null;
  const start = startFor((at.doc.toJS() ?? {}) as Record<string, unknown>);
  if (!start) return null;
  const schemas = schemaAt(root, start, at.keyPath);
  const description = describe(schemas);
  const type = typeOf(schemas);
  if (!description && !type) return null;
  const key = String(at.keyPath.at(-1));
  return {
    from: at.keyNode.range[0],
    to: at.keyNode.range[1],
    key,
    text: `${key}${type ? ` (${type})` : ''}${description ? `\n\n${description.slice(0, 1200)}` : ''}`,
  };
}

/**
 * Keys the schema marks deprecated: cloud-init's `deprecated: true` (with `deprecated_description`),
 * or a description that says so, as Talos's do ("This feature is deprecated as…"). Warnings, on the key.
 */
const DEPRECATED_FIELD = /\b(this (feature|field|option|setting|section) is deprecated|^deprecated\b)/im;

export function deprecatedKeys(
  root: Schema,
  startFor: (doc: Record<string, unknown>) => Schema | null,
  text: string,
): { from: number; to: number; path: string; message: string }[] {
  const out: { from: number; to: number; path: string; message: string }[] = [];
  const docs = parseAllDocuments(text);
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0) continue;
    const start = startFor((doc.toJS() ?? {}) as Record<string, unknown>);
    if (!start) continue;
    const walk = (node: unknown, path: (string | number)[]) => {
      if (isMap(node)) {
        for (const pair of node.items as Pair[]) {
          if (!isScalar(pair.key)) continue;
          const keyPath = [...path, String(pair.key.value)];
          const schemas = schemaAt(root, start, keyPath);
          // "This feature is deprecated…" marks the field itself; a description that merely mentions a
          // deprecated *value* ("…is still supported but deprecated") does not.
          const flagged = schemas.find((sc) => sc.deprecated === true || DEPRECATED_FIELD.test(String(sc.description ?? '')));
          const range = (pair.key as YamlNode).range;
          if (flagged && range) {
            const why =
              typeof flagged.deprecated_description === 'string'
                ? flagged.deprecated_description
                : (/This (feature|field|option|setting|section) is deprecated[^\n]*/i.exec(String(flagged.description ?? ''))?.[0] ?? '');
            out.push({ from: range[0], to: range[1], path: keyPath.join('.'), message: `${keyPath.at(-1)} is deprecated${why ? `: ${why.trim()}` : ''}` });
          }
          walk(pair.value, keyPath);
        }
      } else if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...path, i]));
    };
    walk(doc.contents, []);
  }
  return out.slice(0, 100);
}
