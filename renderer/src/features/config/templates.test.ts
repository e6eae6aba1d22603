import { describe, expect, it } from 'vitest';
import { checkDocument } from '../../../../shared/config/documents';
import { CONFIG_KINDS } from '../../../../shared/config/kinds';
import { formatDocument, TEMPLATES } from './templates';

describe('config templates and formatting', () => {
  it.each(CONFIG_KINDS)('the %s template is valid', (kind) => {
    expect(checkDocument(kind, TEMPLATES[kind]).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('re-indents without changing meaning: comments stay, octal modes stay octal, the Ignition is the same', () => {
    const messy =
      'variant: flatcar\nversion: 1.1.0\n# keep me\nstorage:\n    files:\n        - path: /a\n          mode: 0644\n          contents: {inline: "x"}\n';
    const formatted = formatDocument('butane', messy)!;
    expect(formatted).toContain('# keep me');
    expect(formatted).toContain('mode: 0644');
    expect(formatted).toContain('\n  files:\n    - path: /a');
    expect(checkDocument('butane', formatted).rendered).toBe(checkDocument('butane', messy).rendered);
    expect(formatDocument('ignition', '{"ignition":{"version":"3.4.0"}}')).toBe('{\n  "ignition": {\n    "version": "3.4.0"\n  }\n}\n');
    expect(formatDocument('talos', 'machine: [\n')).toBeNull();
  });
});
