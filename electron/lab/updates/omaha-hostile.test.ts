/**
 * The lab's Omaha endpoint against a hostile client: entity expansion, external entities and deep
 * nesting are refused with a 400 naming the problem (they used to answer 500), and a client inventing
 * machine ids is held to a trickle of registrations (20,000 fake ids became 19,878 instances).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { writeOmahaRequest } from './omaha-xml';
import { FLATCAR_APP_ID, REGISTRATION_BURST, UpdateModel } from './update-model';
import { LabUpdateServer } from './update-server';

const server = () => new LabUpdateServer({ model: new UpdateModel({ timeScale: 1, updatesEnabled: true }), token: 't' });
const request = (machineId: string) =>
  writeOmahaRequest({
    appId: FLATCAR_APP_ID,
    version: '4152.2.3',
    track: 'stable',
    machineId,
    machineAlias: 'x',
    oem: 'packet',
    alephVersion: '4081.2.1',
    bootId: randomUUID(),
    ping: true,
    updateCheck: true,
    events: [],
  });

describe('the lab Omaha endpoint under hostile requests', () => {
  it('answers 400, naming the problem, to entity expansion, external entities and deep nesting', () => {
    const lab = server();
    const laughs = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><request protocol="3.0">&b;</request>`;
    const external = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><request protocol="3.0">&x;</request>`;
    const deep = `<request protocol="3.0">${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</request>`;
    for (const xml of [laughs, external])
      expect(lab.omaha(xml, '127.0.0.1')).toEqual({ status: 400, body: 'omaha: request is malformed: DTDs and entity declarations are not allowed\n' });
    expect(lab.omaha(deep, '127.0.0.1')).toEqual({
      status: 400,
      body: 'omaha: request is malformed: elements are nested 5001 deep; an Omaha request has at most 8 levels\n',
    });
  });

  it('holds one address to a trickle of new machine ids, and never refuses a machine it knows', () => {
    const lab = server();
    const known = randomUUID().replace(/-/g, '');
    expect(lab.omaha(request(known), '10.0.0.1').body).toMatch(/<app [^>]*status="ok"/);
    let refused = 0;
    for (let i = 0; i < 2000; i++) if (/instanceRegistrationFailed/.test(lab.omaha(request(randomUUID().replace(/-/g, '')), '10.0.0.1').body)) refused++;
    expect(lab.model.instances.size).toBe(REGISTRATION_BURST);
    expect(refused).toBe(2000 - (REGISTRATION_BURST - 1));
    // The machine that registered first still checks in; another address still registers.
    expect(lab.omaha(request(known), '10.0.0.1').body).toMatch(/<app [^>]*status="ok"/);
    expect(lab.omaha(request(randomUUID().replace(/-/g, '')), '10.0.0.2').body).toMatch(/<app [^>]*status="ok"/);
  });
});
