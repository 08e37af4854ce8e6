/** Lets the event loop serve what waits (requests, timers) before going on: long work yields with it between its slices. */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
