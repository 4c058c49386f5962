// Accuracy, cross-entropy and margins from logits, in float64. Log-softmax is computed stably:
// ln softmax(z)_y = z_y − max z − ln Σⱼ exp(zⱼ − max z).
import type { MarginSummary } from '../../protocol/report';

export interface Evaluation {
  /** Fraction with the label's logit strictly the largest (ties count as errors; see margins). */
  accuracy: number;
  /** Mean natural-log cross-entropy −ln softmax(f(x))_y. */
  crossEntropy: number;
  /** Signed margins f(x)_y − max_{j≠y} f(x)_j: an example is correct exactly when its margin is > 0. */
  margins: Float64Array;
  errors: number;
}

/** Per-example correctness and losses of row-major [n, K] logits against labels y. */
export function evaluate(logits: ArrayLike<number>, classes: number, y: Int32Array, rows?: Int32Array): Evaluation {
  const n = rows ? rows.length : y.length;
  let correct = 0;
  let ce = 0;
  const margins = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const i = rows ? rows[r] : r;
    const o = i * classes;
    const label = y[i];
    if (label >= classes) throw new Error(`label ${label} of example ${i} is out of range for a model with ${classes} outputs`);
    let max = -Infinity;
    let other = -Infinity;
    for (let j = 0; j < classes; j++) {
      const v = logits[o + j];
      if (v > max) max = v;
      if (j !== label && v > other) other = v;
    }
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(logits[o + j] - max);
    ce -= logits[o + label] - max - Math.log(sum);
    // K = 1: no other class; the margin is the logit itself (a binary score)
    const margin = classes > 1 ? logits[o + label] - other : logits[o + label];
    margins[r] = margin;
    if (margin > 0) correct++;
  }
  return { accuracy: correct / n, crossEntropy: ce / n, margins, errors: n - correct };
}

/**
 * The q-th percentile with linear interpolation between order statistics — numpy.percentile's default
 * (method='linear'): position h = (n − 1)·q/100, value x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎).
 */
export function percentile(values: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(values).sort();
  if (!s.length) return NaN;
  const pos = (q / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Histogram (equal-width bins over [min, max]) and order statistics of the margins. */
export function marginSummary(margins: Float64Array, bins = 40): MarginSummary {
  let min = Infinity;
  let max = -Infinity;
  for (const m of margins) {
    if (m < min) min = m;
    if (m > max) max = m;
  }
  const width = max > min ? (max - min) / bins : 1;
  const counts = new Array<number>(bins).fill(0);
  for (const m of margins) counts[Math.min(bins - 1, Math.floor((m - min) / width))]++;
  const edges = Array.from({ length: bins + 1 }, (_, i) => min + i * width);
  return { edges, counts, p10: percentile(margins, 10), median: percentile(margins, 50), min, max };
}
