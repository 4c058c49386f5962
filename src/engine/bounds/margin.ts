// Shared pieces of the margin bounds: the empirical margin loss and the "vacuous" threshold.

/** R̂_γ: the fraction of examples with margin f(x)_y − max_{j≠y} f(x)_j ≤ γ. */
export function marginLoss(margins: ArrayLike<number>, gamma: number): number {
  let c = 0;
  for (let i = 0; i < margins.length; i++) if (margins[i] <= gamma) c++;
  return c / margins.length;
}

/** A bound on the 0-1 error is vacuous when it is no better than guessing among K classes. */
export function isVacuous(value: number, classes: number): boolean {
  return value >= 1 - 1 / Math.max(2, classes);
}

/** Width of a layer for the bounds: the larger side of its (reshaped) matrix. */
export const layerWidth = (l: { rows: number; cols: number }) => Math.max(l.rows, l.cols);
