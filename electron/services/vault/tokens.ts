/** Comparing a presented secret with the expected one without leaking, through timing, how much matched. */
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant time in the content and the length: both sides are hashed to 32 bytes first, because
 * `timingSafeEqual` needs equal lengths and an early length check would tell an attacker the length.
 * A header sent twice (an array) or missing never matches.
 */
export function tokensMatch(expected: string, presented: string | readonly string[] | undefined): boolean {
  if (typeof presented !== 'string') return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(presented)) && expected.length > 0;
}
