// Accuracy, cross-entropy and margins from logits. Log-softmax in float64, stably (max subtracted).
import type { MarginSummary } from '../../protocol/report';

export interface Evaluation {
  accuracy: number;
  /** Mean natural-log cross-entropy. */
  crossEntropy: number;
  /** Signed margins f(x)_y − max_{j≠y} f(x)_j. */
  margins: Float64Array;
  errors: number;
}

export function evaluate(logits: Float32Array, classes: number, y: Int32Array): Evaluation {
  const n = y.length;
  let correct = 0;
  let ce = 0;
  const margins = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * classes;
    const label = y[i];
    if (label >= classes) throw new Error(`label ${label} of example ${i} is out of range for a model with ${classes} outputs`);
    let max = -Infinity;
    let arg = 0;
    let other = -Infinity;
    for (let j = 0; j < classes; j++) {
      const v = logits[o + j];
      if (v > max) {
        max = v;
        arg = j;
      }
      if (j !== label && v > other) other = v;
    }
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(logits[o + j] - max);
    ce += -(logits[o + label] - max - Math.log(sum));
    if (arg === label && logits[o + label] > other) correct++;
    margins[i] = classes > 1 ? logits[o + label] - other : logits[o + label];
  }
  return { accuracy: correct / n, crossEntropy: ce / n, margins, errors: n - correct };
}

/** Fraction of examples classified correctly (argmax = label; ties count as errors). */
export function accuracyOf(logits: Float32Array, classes: number, y: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < y.length; i++) {
    const o = i * classes;
    const t = logits[o + y[i]];
    let ok = true;
    for (let j = 0; j < classes; j++) if (j !== y[i] && logits[o + j] >= t) { ok = false; break; }
    if (ok) correct++;
  }
  return correct / y.length;
}

/** Percentile with linear interpolation between order statistics (numpy's default, method='linear'). */
export function percentile(values: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(values).sort();
  if (!s.length) return NaN;
  const pos = (q / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function marginSummary(margins: Float64Array, bins = 40): MarginSummary {
  let min = Infinity;
  let max = -Infinity;
  for (const m of margins) {
    if (m < min) min = m;
    if (m > max) max = m;
  }
  const width = (max - min) / bins || 1;
  const counts = new Array(bins).fill(0);
  for (const m of margins) counts[Math.min(bins - 1, Math.floor((m - min) / width))]++;
  const edges = Array.from({ length: bins + 1 }, (_, i) => min + i * width);
  return { edges, counts, p10: percentile(margins, 10), median: percentile(margins, 50), min, max };
}
