import { describe, expect, it } from 'vitest';
import { fakeNode } from '../../../test/fakes/nodes';
import { reinstallStep, type ReinstallParams } from './reinstall-step';

const params: ReinstallParams = {
  operatingSystem: 'talos_v1_13',
  osName: 'Talos Linux 1.13',
  osVersion: '1.13.9',
  preserveData: true,
  userdata: null,
  configLabel: null,
  baseline: { state: 'active', updatedAt: '2026-12-07T10:00:00Z' },
};
// Sent a moment ago: within the while a reinstall never seen under way is given.
const sentAt = Date.now() - 5_000;
const after = (s: number) => new Date(sentAt + s * 1000).toISOString();
const on = (state: 'active' | 'reinstalling', version: string, updatedAt: string) =>
  fakeNode({ hostname: 'w-08', state, updatedAt, os: { ...fakeNode({ hostname: 'x' }).os, slug: 'talos_v1_13', name: 'Talos Linux 1.13', version } });

describe('the reinstall step judges the OS a node comes back with', () => {
  it('waits on a read from before the request reached the node (it moved for its own reasons), then fails a wrong OS once it was seen reinstalling', () => {
    const seen = { leftStart: true };
    // Active on the old version with a newer update time, never seen reinstalling: not judged yet.
    expect(reinstallStep.settle(on('active', '1.13.4', after(1)), params, sentAt, seen)).toBeNull();
    expect(reinstallStep.settle(on('reinstalling', '1.13.4', after(2)), params, sentAt, seen)).toBeNull();
    expect(reinstallStep.settle(on('active', '1.13.4', after(25)), params, sentAt, seen)).toEqual({
      outcome: 'failed',
      message: 'Reprovision w-08: active, but it runs Talos Linux 1.13 1.13.4, not Talos Linux 1.13 1.13.9.',
    });
  });

  it('judges a node never seen reinstalling on what it shows once the while has passed', () => {
    const long = Date.now() - 10 * 60_000;
    expect(reinstallStep.settle(on('active', '1.13.4', new Date(long + 1000).toISOString()), params, long, { leftStart: true })).toMatchObject({
      outcome: 'failed',
    });
  });

  it('succeeds on the chosen OS and version, seen reinstalling or not (a fast install can finish between two reads)', () => {
    expect(reinstallStep.settle(on('active', '1.13.9', after(25)), params, sentAt, { leftStart: true })).toMatchObject({ outcome: 'succeeded' });
  });
});
