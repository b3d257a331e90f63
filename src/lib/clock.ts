/** Time as a dependency, so tests can move it (rate-limit windows, token expiry). */
export type Clock = { now(): number };

export const systemClock: Clock = { now: () => Date.now() };
