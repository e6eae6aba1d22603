/** Bounded concurrency: the one way the project runs many slow calls a few at a time. */

/**
 * Runs `task` for every item, at most `limit` at once, starting them in the items' order. Rejects
 * with the first failure; tasks already started run on, no new ones start.
 */
export async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let cursor = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && cursor < items.length) {
      const index = cursor++;
      try {
        await task(items[index]!, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
