/** Runs the calls with at most `limit` of them in flight at once; answers their results in order. */
export async function pooled<T>(calls: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(calls.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < calls.length) {
        const index = next++;
        results[index] = await calls[index]();
      }
    }),
  );
  return results;
}
