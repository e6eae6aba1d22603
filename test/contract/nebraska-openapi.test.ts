/**
 * Contract: the lab's update server and the Nebraska client against Nebraska's own documents in
 * ../shared/reference/nebraska: every REST exchange (what the client sends, what the lab answers)
 * against `nebraska-api.openapi.yaml`, and the Omaha endpoint against go-omaha's update_engine
 * fixtures. Skipped, with the reason in the test name, when the reference folder is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type RunningLab } from '../../electron/lab/lab';
import type { RecordedExchange } from '../../electron/lab/metal-api-server';
import { FLATCAR_APP_ID } from '../../electron/lab/updates/update-model';
import { INSTANCE_SORT, NebraskaClient, SORT_ORDER } from '../../electron/services/providers/nebraska/nebraska-client';
import { OpenApiValidator, type Json } from './openapi';

const NEBRASKA = path.resolve(__dirname, '../../../shared/reference/nebraska');
const SPEC = path.join(NEBRASKA, 'nebraska-api.openapi.yaml');
const FIXTURES = path.join(NEBRASKA, 'omaha-fixtures/fixtures/update-engine');
const available = existsSync(SPEC) && existsSync(FIXTURES);
const title = available
  ? 'Nebraska OpenAPI and Omaha contract'
  : `Nebraska OpenAPI and Omaha contract — SKIPPED: ${NEBRASKA} is absent (put ../shared/reference beside the project)`;
if (!available) console.warn(`[contract] ${title}`);

/**
 * The document's schemas use Go field names; the JSON on the wire uses the names given by
 * `x-oapi-codegen-extra-tags.json` (on the property, or on the schema a property refers to).
 * Two errata in the document are corrected, each visible here: `versionBreakdownEntry` requires
 * `instance` but declares `instances`, and `instanceStatusHistory` spells `version` as `verison`.
 */
function wireNames(spec: Json): Json {
  const schemas = (spec.components as Json).schemas as Record<string, Json>;
  const tagOf = (node: Json): string | undefined => {
    const own = (node['x-oapi-codegen-extra-tags'] as Json | undefined)?.json as string | undefined;
    if (own) return own.split(',')[0];
    const ref = node.$ref as string | undefined;
    if (ref) return tagOf(schemas[ref.split('/').pop()!]!);
    return undefined;
  };
  const rename = (schema: Json) => {
    const props = schema.properties as Record<string, Json> | undefined;
    if (!props) return;
    const renamed: Record<string, Json> = {};
    const map = new Map<string, string>();
    for (const [key, value] of Object.entries(props)) {
      const wire = tagOf(value) ?? key;
      map.set(key, wire);
      renamed[wire] = value;
      if (value.type === 'object') rename(value);
    }
    schema.properties = renamed;
    if (Array.isArray(schema.required)) schema.required = [...new Set((schema.required as string[]).map((k) => map.get(k) ?? k))];
  };
  for (const schema of Object.values(schemas)) rename(schema);
  schemas.versionBreakdownEntry!.required = ['version', 'instances', 'percentage'];
  const history = schemas.instanceStatusHistory!;
  (history.properties as Json).version = (history.properties as Json).verison;
  delete (history.properties as Json).verison;
  history.required = (history.required as string[]).map((k) => (k === 'verison' ? 'version' : k));
  return spec;
}

type Element = { name: string; attrs: string[]; children: Element[] };
/** An XML document as element names with their attribute names: the shape, not the values. */
function shape(xml: string): Element {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', preserveOrder: true });
  const walk = (node: Record<string, unknown>): Element => {
    const name = Object.keys(node).find((k) => k !== ':@')!;
    const attrs = Object.keys((node[':@'] as Record<string, string> | undefined) ?? {}).map((a) => a.slice(1).toLowerCase());
    const children = ((node[name] as Record<string, unknown>[]) ?? []).filter((c) => !('#text' in c)).map(walk);
    return { name, attrs, children };
  };
  const doc = (parser.parse(xml) as Record<string, unknown>[]).filter((n) => !('?xml' in n));
  return walk(doc[0]!);
}

/** Every element and attribute in `expected` appears in `actual` at the same place. */
function missingFrom(actual: Element, expected: Element, where = ''): string[] {
  const here = `${where}/${expected.name}`;
  const problems = expected.attrs.filter((a) => !actual.attrs.includes(a)).map((a) => `${here}@${a}`);
  for (const child of expected.children) {
    const match = actual.children.find((c) => c.name === child.name);
    problems.push(...(match ? missingFrom(match, child, here) : [`${here}/${child.name}`]));
  }
  return problems;
}

describe.skipIf(!available)(title, () => {
  let lab: RunningLab;
  let validator: OpenApiValidator;
  const exchanges: RecordedExchange[] = [];
  const omaha = async (xml: string) => {
    const response = await fetch(`${lab.updates.baseUrl}/v1/update`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: xml });
    return { status: response.status, text: await response.text() };
  };

  beforeAll(async () => {
    validator = new OpenApiValidator(SPEC, wireNames);
    lab = await startLab({ nodeCount: 60, timeScale: 0.001, failureRate: 0, onUpdateExchange: (e) => exchanges.push(e) });
  });
  afterAll(() => lab.stop());

  const fresh = () => exchanges.splice(0);
  const problems = (list: RecordedExchange[]) => list.flatMap((e) => validator.validate(e, ''));

  it('can fail: a wrong shape, a camelCase field name and an undeclared parameter are caught', () => {
    const base = { method: 'GET', query: {}, requestBody: undefined, status: 200, responseBytes: 0 };
    expect(
      validator.validate(
        { ...base, path: `/api/apps/${FLATCAR_APP_ID}/groups/g/instances_stats`, query: { duration: '1d' }, responseBody: { total: 'many' } },
        '',
      ),
    ).not.toEqual([]);
    expect(
      validator.validate({ ...base, path: `/api/apps/${FLATCAR_APP_ID}/groups/g/version_breakdown`, responseBody: [{ version: '1', instances: 1 }] }, ''),
    ).not.toEqual([]);
    expect(
      validator.validate(
        { ...base, path: '/api/activity', query: { start: 'a', end: 'b', colour: 'red' }, responseBody: { totalCount: 0, count: 0, activities: [] } },
        '',
      ),
    ).not.toEqual([]);
    // Go names instead of wire names: `createdTs` is not what Nebraska sends.
    const group = { id: 'g', name: 'n', description: '', createdTs: 'x' };
    expect(validator.validate({ ...base, path: `/api/apps/${FLATCAR_APP_ID}/groups/g`, responseBody: group }, '')).not.toEqual([]);
  });

  it('every request the client sends and every answer the lab gives while reading and changing matches the spec', async () => {
    const client = new NebraskaClient({ baseUrl: lab.updates.baseUrl, app: lab.updates.app, token: lab.updates.token });
    fresh();
    await client.apps();
    const groups = await client.groups();
    const channels = await client.channels();
    const packages = await client.packages();
    for (const group of groups) {
      const instances = await client.allInstances(group.id, '30d');
      await client.stats(group.id, '1d');
      await client.versionBreakdown(group.id);
      await client.statusTimeline(group.id, '1d');
      await client.versionTimeline(group.id, '7d');
      await client.instances(group.id, {
        duration: '1h',
        status: 4,
        searchFilter: 'All',
        searchValue: 'sv',
        sortFilter: INSTANCE_SORT.alias,
        sortOrder: SORT_ORDER.ascending,
        page: 1,
        perpage: 10,
      });
      // What a sync between full lists reads: the newest check-ins, one status, one instance.
      await client.instancesCheckedSince(group.id, Date.now() - 60_000, '1h');
      await client.instancesInStatus(group.id, 7);
      if (instances[0]) {
        await client.statusHistory(group.id, instances[0].id, 10);
        await client.instance(group.id, instances[0].id);
      }
    }
    await client.group(groups[0]!.id);
    const stable = groups.find((g) => g.track === 'stable')!;
    await client.updateGroup(stable.id, {
      name: stable.name,
      description: stable.description,
      channel_id: stable.channel_id ?? '',
      track: stable.track,
      policy_updates_enabled: true,
      policy_safe_mode: true,
      policy_office_hours: true,
      policy_timezone: 'Europe/Berlin',
      policy_period_interval: '2 hours',
      policy_max_updates_per_period: 3,
      policy_update_timeout: '1 days',
    });
    const channel = channels.find((c) => c.name === 'stable')!;
    await client.updateChannel(channel.id, {
      application_id: channel.application_id,
      arch: channel.arch,
      color: channel.color,
      name: channel.name,
      package_id: packages[0]!.id,
    });
    await client.activity({ start: new Date(0).toISOString(), end: new Date(Date.now() + 60_000).toISOString(), perpage: 50 });
    const recorded = fresh();
    expect(recorded.length).toBeGreaterThan(20);
    expect(recorded.every((e) => e.status === 200)).toBe(true);
    expect(problems(recorded)).toEqual([]);
  });

  it('bad changes get Nebraska-shaped 400s and change nothing', async () => {
    const client = new NebraskaClient({ baseUrl: lab.updates.baseUrl, app: lab.updates.app, token: lab.updates.token });
    const groups = await client.groups();
    const beta = groups.find((g) => g.track === 'beta')!;
    const config = {
      name: beta.name,
      channel_id: beta.channel_id ?? '',
      policy_timezone: 'UTC',
      policy_period_interval: '1 hours',
      policy_max_updates_per_period: 2,
      policy_update_timeout: '1 days',
    };
    fresh();
    await expect(client.updateGroup(beta.id, { ...config, policy_period_interval: '-1 hours' })).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringMatching(/Period must be a positive/),
    });
    await expect(client.updateGroup(beta.id, { ...config, policy_office_hours: true, policy_timezone: 'Mars/Olympus' })).rejects.toMatchObject({
      message: expect.stringMatching(/Time zone/),
    });
    await expect(client.updateGroup(beta.id, { ...config, channel_id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({
      message: expect.stringMatching(/channel_id/),
    });
    const channel = (await client.channels())[0]!;
    await expect(
      client.updateChannel(channel.id, {
        application_id: channel.application_id,
        arch: channel.arch,
        color: channel.color,
        name: channel.name,
        package_id: 'not-a-package',
      }),
    ).rejects.toMatchObject({ code: 'invalid' });
    const recorded = fresh();
    expect(recorded.map((e) => e.status)).toEqual([400, 400, 400, 200, 400]);
    expect(await client.group(beta.id)).toMatchObject({
      policy_period_interval: beta.policy_period_interval,
      policy_timezone: beta.policy_timezone,
      channel_id: beta.channel_id,
    });
  });

  it('answers an update check with everything update_engine requires, in the fixture response’s shape', async () => {
    const fixture = readFileSync(path.join(FIXTURES, 'update/request.xml'), 'utf8');
    // The fixture is ChromeOS's; as Nebraska does, the lab refuses an application it does not serve…
    const foreign = await omaha(fixture);
    expect(foreign.status).toBe(200);
    expect(foreign.text).toMatch(/status="error-unknownApplicationOrGroup"/);
    // …and answers the same request for Flatcar with an update ("ForcedUpdate" is below any version).
    // Alpha: a group no other case here changes (stable's policy was set to office hours above).
    const flatcar = fixture.replace('{87efface-864d-49a5-9bb3-4b050a7c227a}', `{${FLATCAR_APP_ID}}`).replace('track="dev-channel"', 'track="alpha"');
    const answer = await omaha(flatcar);
    expect(answer.status).toBe(200);
    const expected = shape(readFileSync(path.join(FIXTURES, 'update/response.xml'), 'utf8'));
    const actual = shape(answer.text);
    expect(missingFrom(actual, expected)).toEqual([]);
    const check = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(answer.text).response.app.updatecheck;
    expect(check.status).toBe('ok');
    expect(check.urls.url.codebase).toMatch(/^http/);
    expect(check.manifest.packages.package.name).toBe('flatcar_production_update.gz');
    expect(Number(check.manifest.packages.package.size)).toBeGreaterThan(0);
    expect(check.manifest.actions.action.event).toBe('postinstall');
    expect(check.manifest.actions.action.sha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('answers noupdate to a node that is current, and 400 to malformed XML', async () => {
    const target = (await new NebraskaClient({ baseUrl: lab.updates.baseUrl, app: lab.updates.app, token: lab.updates.token }).channels()).find(
      (c) => c.name === 'beta',
    )!.package!.version;
    const current = readFileSync(path.join(FIXTURES, 'update/request.xml'), 'utf8')
      .replace('{87efface-864d-49a5-9bb3-4b050a7c227a}', `{${FLATCAR_APP_ID}}`)
      .replace('track="dev-channel"', 'track="beta"')
      .replace('version="ForcedUpdate"', `version="${target}"`)
      .replace('{8BDE4C4D-9083-4D61-B41C-3253212C0C37}', '{0F0F0F0F-9083-4D61-B41C-3253212C0C37}');
    const answer = await omaha(current);
    expect(answer.text).toMatch(/<updatecheck status="noupdate">/);
    expect((await omaha('<request protocol="3.0"><app')).status).toBe(400);
    expect((await omaha('not xml at all')).status).toBe(400);
    const noMachine = await omaha(`<request protocol="3.0"><app appid="{${FLATCAR_APP_ID}}" version="1.0.0" track="stable"><updatecheck/></app></request>`);
    expect(noMachine.text).toMatch(/status="error-instanceRegistrationFailed"/);
    // The no-update fixture's response is itself malformed XML upstream (`<response" protocol`); its
    // request (an event, no update check) gets an event acknowledgement and no updatecheck.
    const event = readFileSync(path.join(FIXTURES, 'no-update/request.xml'), 'utf8')
      .replace('{87efface-864d-49a5-9bb3-4b050a7c227a}', `{${FLATCAR_APP_ID}}`)
      .replace('track=""', 'track="stable"');
    const ack = await omaha(event);
    expect(ack.status).toBe(200);
  });

  it('the lab’s machines send requests of the fixture request’s shape', async () => {
    const sent: string[] = [];
    const server = lab.updates.server;
    const original = server.omaha.bind(server);
    server.omaha = (xml, ip) => (sent.push(xml), original(xml, ip));
    const deadline = Date.now() + 20_000;
    while (!sent.some((x) => x.includes('<updatecheck')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    server.omaha = original;
    const expected = shape(readFileSync(path.join(FIXTURES, 'update/request.xml'), 'utf8'));
    const check = sent.find((x) => x.includes('<updatecheck') && x.includes('<ping'))!;
    expect(check).toBeDefined();
    // The fixture's event child is only sent with events; compare the rest of the shape.
    const withoutEvent = {
      ...expected,
      children: expected.children.map((c) => (c.name === 'app' ? { ...c, children: c.children.filter((k) => k.name !== 'event') } : c)),
    };
    expect(missingFrom(shape(check), withoutEvent)).toEqual([]);
  });
});
