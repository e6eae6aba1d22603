/** Editor helpers per kind: the language mode and formatting; the templates live in shared/. */
import { parseAllDocuments } from 'yaml';
import type { ConfigKind } from '../../../../shared/config/kinds';

export { TEMPLATES } from '../../../../shared/config/templates';

export const languageOf = (kind: ConfigKind): 'yaml' | 'json' | 'text' => (kind === 'ignition' ? 'json' : kind === 'script' ? 'text' : 'yaml');

/** The document re-indented, or null when it does not parse. Comments and a leading #cloud-config survive. */
export function formatDocument(kind: ConfigKind, text: string): string | null {
  if (kind === 'script') return text;
  if (kind === 'ignition') {
    try {
      return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
    } catch {
      return null;
    }
  }
  // Butane is YAML 1.1 (go-yaml): `0644` is octal and must stay written so.
  const docs = parseAllDocuments(text, kind === 'butane' ? { version: '1.1' } : {});
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.some((d) => d.errors.length > 0)) return null;
  const body = list.map((d) => d.toString({ indent: 2, lineWidth: 0 })).join('---\n');
  return kind === 'cloud-config' && !body.startsWith('#cloud-config') ? `#cloud-config\n${body}` : body;
}
