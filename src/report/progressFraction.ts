// Overall progress of an analysis (0…1) from the worker's phase progress, for the progress notification:
// each phase owns a slice of the bar, in the order analyze() runs them, and advances within its slice by
// done/total (per layer, per forward pass). Pure.
import type { Progress } from '../protocol/worker';

/** [start, end] of each phase's slice. Layers dominate weight-only runs, forward passes the others. */
export const PHASE_SLICES: Record<Progress['phase'], [number, number]> = {
  read: [0, 0.05],
  layers: [0.05, 0.5],
  aggregate: [0.5, 0.52],
  forward: [0.52, 0.62],
  flatness: [0.62, 0.85],
  bounds: [0.85, 0.92],
  landscape: [0.92, 1],
  done: [1, 1],
};

export function progressFraction(p: Progress): number {
  const [a, b] = PHASE_SLICES[p.phase] ?? [0, 0];
  const within = p.total > 0 ? Math.min(1, Math.max(0, p.done / p.total)) : 0;
  return a + (b - a) * within;
}

/**
 * Tracks the bar's position and returns the increment (in percent, as `withProgress` wants) for the
 * next message; never negative, so the bar only moves forward even if phases repeat.
 */
export class ProgressTracker {
  private percent = 0;

  next(p: Progress): number {
    const target = 100 * progressFraction(p);
    const inc = Math.max(0, target - this.percent);
    this.percent += inc;
    return inc;
  }

  get value(): number {
    return this.percent;
  }
}
