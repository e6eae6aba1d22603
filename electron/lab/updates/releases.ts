/**
 * Flatcar releases the lab's update server knows: the versions its machines were seeded with, and
 * newer ones that appear as packages over lab time (docs/architecture.md#the-embedded-lab).
 * Versions follow Flatcar's MAJOR.CHANNEL.PATCH scheme (MAJOR = days since 2013-07-01).
 */
import { createHash } from 'node:crypto';

export interface LabRelease {
  channel: 'stable' | 'beta' | 'alpha';
  version: string;
  /** Lab-time offset from the lab's start when the package appears (≤ 0: there from the start). */
  appearsAfterMs: number;
}

const HOUR = 3_600_000;

export const LAB_RELEASES: LabRelease[] = [
  { channel: 'stable', version: '4081.2.1', appearsAfterMs: -90 * 24 * HOUR },
  { channel: 'stable', version: '4152.2.3', appearsAfterMs: -40 * 24 * HOUR },
  { channel: 'stable', version: '4230.2.3', appearsAfterMs: -9 * 24 * HOUR },
  // Published but not yet promoted: what an operator rolls out first.
  { channel: 'stable', version: '4230.2.4', appearsAfterMs: -6 * HOUR },
  { channel: 'stable', version: '4285.2.0', appearsAfterMs: 12 * HOUR },
  { channel: 'stable', version: '4285.2.1', appearsAfterMs: 5 * 24 * HOUR },
  { channel: 'beta', version: '4262.1.1', appearsAfterMs: -30 * 24 * HOUR },
  { channel: 'beta', version: '4285.1.0', appearsAfterMs: -8 * 24 * HOUR },
  { channel: 'beta', version: '4285.1.1', appearsAfterMs: 8 * HOUR },
  { channel: 'alpha', version: '4312.0.0', appearsAfterMs: -3 * 24 * HOUR },
];

/** What the channel points at when the lab starts: the newest release older than the unpromoted ones. */
export const LAB_CHANNEL_TARGETS: Record<LabRelease['channel'], string> = { stable: '4230.2.3', beta: '4285.1.0', alpha: '4312.0.0' };

/** A payload's size and hashes, stable per version, shaped like the real update payload's. */
export function payloadOf(version: string) {
  const digest = (algo: 'sha1' | 'sha256') => createHash(algo).update(`flatcar_production_update.gz ${version}`).digest('base64');
  const size = 440_000_000 + (createHash('sha1').update(version).digest().readUInt32BE(0) % 60_000_000);
  return { filename: 'flatcar_production_update.gz', size, sha1: digest('sha1'), sha256: digest('sha256') };
}
