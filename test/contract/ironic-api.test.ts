/**
 * Contract: every node field and list parameter the Ironic client uses exists at the microversion
 * it sends, read from Ironic itself (Debian's python3-ironic 21.4: the API's own version gates in
 * `ironic.api.controllers.v1.utils.VERSIONED_FIELDS` and `versions.MINOR_*`, the node object's
 * fields, and the list controller's parameters), the code the published API reference describes.
 * Skipped, saying why, where python3-ironic is not installed.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLIENT_MAX_VERSION, FEATURE_VERSIONS, REQUIRED_VERSION } from '../../electron/services/providers/ironic/ironic-client';
import { NODE_FIELDS } from '../../electron/services/providers/ironic/wire';

const PROBE = `
import inspect, json
from ironic.api.controllers.v1 import utils, versions, node
from ironic.objects import node as onode
print(json.dumps({
  "versioned": {k: v for k, v in utils.VERSIONED_FIELDS.items()},
  "objectFields": sorted(onode.Node.fields),
  "listParams": list(inspect.signature(node.NodesController.get_all).parameters),
  "invalidSortKeys": node.NodesController.invalid_sort_key_list,
  "minors": {"names": versions.MINOR_5_NODE_NAME, "fields": versions.MINOR_8_FETCHING_SUBSET_OF_FIELDS,
             "rescue": versions.MINOR_38_RESCUE_INTERFACE, "jsonConfigdrive": versions.MINOR_56_BUILD_CONFIGDRIVE,
             "history": versions.MINOR_78_NODE_HISTORY, "max": versions.MINOR_MAX_VERSION},
}))`;
const probe = spawnSync('/usr/bin/python3', ['-c', PROBE], { encoding: 'utf8' });
const missing = probe.status === 0 ? null : 'Debian python3-ironic (apt-get install python3-ironic)';
const title = missing ? `Ironic API contract — SKIPPED: install ${missing}` : 'Ironic API contract (against python3-ironic 21.4)';
if (missing) console.warn(`[contract] ${title}`);

const minor = (version: string) => Number(version.split('.')[1]);

describe.skipIf(!!missing)(title, () => {
  const api = missing
    ? null
    : (JSON.parse(probe.stdout) as {
        versioned: Record<string, number>;
        objectFields: string[];
        listParams: string[];
        invalidSortKeys: string[];
        minors: Record<keyof typeof FEATURE_VERSIONS | 'max', number>;
      });

  it('each microversion a feature is gated on is Ironic’s own', () => {
    for (const [feature, version] of Object.entries(FEATURE_VERSIONS))
      expect(minor(version), feature).toBe(api!.minors[feature as keyof typeof FEATURE_VERSIONS]);
    expect(minor(CLIENT_MAX_VERSION)).toBeLessThanOrEqual(api!.minors.max);
  });

  it('every field asked for with fields= is a node field, available at the lowest version Ironpane accepts', () => {
    for (const field of NODE_FIELDS) {
      expect(api!.objectFields, field).toContain(field);
      expect(api!.versioned[field] ?? 0, `${field} needs 1.${api!.versioned[field]}`).toBeLessThanOrEqual(minor(REQUIRED_VERSION));
    }
    // `fields=` needs 1.8, below what Ironpane requires.
    expect(api!.minors.fields).toBeLessThanOrEqual(minor(REQUIRED_VERSION));
  });

  it('the list and delta parameters are the list controller’s, and updated_at is a key it sorts by', () => {
    for (const parameter of ['fields', 'limit', 'marker', 'sort_key', 'sort_dir', 'detail']) expect(api!.listParams).toContain(parameter);
    expect(api!.objectFields).toContain('updated_at');
    expect(api!.invalidSortKeys).not.toContain('updated_at');
  });
});
