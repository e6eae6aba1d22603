import { describe, expect, it } from 'vitest';
import { fakeNode } from '../../test/fakes/nodes';
import { checkDocument } from './documents';
import { renderVariables, variableDiagnostics } from './variables';

describe('config variables', () => {
  const node = fakeNode({ hostname: 'am6-worker-07', vlans: [1200, 1201], tags: ['k8s', 'worker'] });

  it('fills in each node’s values', () => {
    const { text, unknown } = renderVariables('hostname: {{ hostname }}\nmetro: {{metro}}\nip: {{ public_ipv4 }}\nvlans: "{{ vlans }}"\n', node);
    expect(text).toBe('hostname: am6-worker-07\nmetro: sv\nip: 198.51.0.2\nvlans: "1200,1201"\n');
    expect(unknown).toEqual([]);
  });

  it('checks a document with variables as rendered, and places problems on the original text', () => {
    const doc = '#cloud-config\nhostname: {{ hostname }}\nfqdn: {{ hostnme }}.example\npackages: [chrony\n';
    const { diagnostics } = checkDocument('cloud-config', doc);
    expect(diagnostics[0]).toMatchObject({ severity: 'error', line: 3, column: 7, message: expect.stringMatching(/^unknown variable “hostnme”/) });
    expect(diagnostics.some((d) => d.line === 4 || d.line === 5)).toBe(true); // the unclosed flow sequence, after the variables
    const butane =
      'variant: flatcar\nversion: 1.1.0\nstorage:\n  files:\n    - path: /etc/hostname\n      mode: 0644\n      contents:\n        inline: "{{ hostname }}"\n';
    const result = checkDocument('butane', butane);
    expect(result.diagnostics).toEqual([]);
    expect(result.rendered).toContain('data:,node-01');
    expect(variableDiagnostics('x: {{ }}')[0]!.message).toMatch(/empty \{\{ \}\}/);
  });
});
