import { describe, expect, it } from 'vitest';
import type { FleetNode } from '../../../shared/model';
import { bootOverrideStep, type BootOverrideParams } from './boot-override-step';

const node = { hostname: 'rig-01' } as FleetNode;
const settle = (params: BootOverrideParams) => bootOverrideStep.settle(node, params, 0, { leftStart: true });

describe('the boot override step judges what the BMC read back', () => {
  it('fails when the BMC calls the flags invalid, whatever device it names (ipmi_sim does)', () => {
    expect(settle({ target: 'Hdd', mode: 'Continuous', readBack: { target: 'Hdd', enabled: 'Disabled' } })).toEqual({
      outcome: 'failed',
      message: 'Boot device of rig-01: asked for Disk (every boot), but the BMC reports its boot flags invalid, so no override is in effect.',
    });
  });

  it('says when the BMC keeps another persistence, and ✓ only when both match', () => {
    expect(settle({ target: 'Hdd', mode: 'Continuous', readBack: { target: 'Hdd', enabled: 'Once' } })).toMatchObject({
      outcome: 'succeeded',
      message: expect.stringMatching(/keeps it Once instead of Continuous/),
    });
    expect(settle({ target: 'Pxe', mode: 'Once', readBack: { target: 'Pxe', enabled: 'Once' } })).toMatchObject({
      outcome: 'succeeded',
      message: expect.stringMatching(/✓ \(read back from the BMC\)/),
    });
  });
});
