// Per-thread time spent in each phase of the spectral pipeline (Gram, tridiagonalization, QL, power-law
// fit, randomization check, …), for the per-phase profile of `npm run bench` and the report's timings.
// Each thread (the main thread, every pool worker) has its own accumulator; takeProfile() returns and
// clears it. A phase entered while another is running is recorded under both its own name prefixed by
// the outer one ("randomize.gram") and inside the outer phase's total, so the unprefixed phases never
// overlap and sum to the time they cover. Wall-clock ms (performance.now()).

const totals = new Map<string, number>();
const stack: string[] = [];

function record(phase: string, ms: number): void {
  totals.set(phase, (totals.get(phase) ?? 0) + ms);
}

/** Runs f, adding its duration to `phase` on this thread. */
export function timed<T>(phase: string, f: () => T): T {
  const key = stack.length ? `${stack[stack.length - 1]}.${phase}` : phase;
  stack.push(key);
  const t = performance.now();
  try {
    return f();
  } finally {
    stack.pop();
    record(key, performance.now() - t);
  }
}

/** timed() for an async f. Phases of concurrent async calls on one thread may interleave (time counted in both). */
export async function timedAsync<T>(phase: string, f: () => Promise<T>): Promise<T> {
  const key = stack.length ? `${stack[stack.length - 1]}.${phase}` : phase;
  stack.push(key);
  const t = performance.now();
  try {
    return await f();
  } finally {
    const i = stack.lastIndexOf(key);
    if (i >= 0) stack.splice(i, 1);
    record(key, performance.now() - t);
  }
}

/** The phases recorded on this thread since the last call (ms), and a fresh start. */
export function takeProfile(): Record<string, number> {
  const out = Object.fromEntries(totals);
  totals.clear();
  return out;
}

/** Adds profile b into a (in place) and returns a. */
export function addProfile(a: Record<string, number>, b: Readonly<Record<string, number>>): Record<string, number> {
  for (const [k, v] of Object.entries(b)) a[k] = (a[k] ?? 0) + v;
  return a;
}
