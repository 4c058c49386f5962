// Does the training probe look like the data the model was trained on? A trained classifier fits its
// own training data well; a training probe it gets mostly wrong more likely carries other labels
// (clean labels for a model trained on noisy ones, another split, shuffled keys) than measures this
// model's training error. Then the observed "gap" and every bound built on the training-probe error
// are not about this model's training set. Pure: used by the engine (report warning) and the verdict.
import type { Report } from '../protocol/report';
import { formatNumber } from './number';

/** Below this training-probe accuracy a trained classifier is suspect (issue 11: "far below what a trained classifier reaches"). */
export const SUSPECT_TRAIN_ACCURACY = 0.8;

export interface ProbeSanityInput {
  trainAccuracy: number;
  trainExamples: number;
  testAccuracy?: number | null;
  testExamples?: number | null;
}

export interface ProbeSuspicion {
  /** Why, in one clause: "accuracy 0.708 on the training probe is below 0.8". */
  why: string;
  /** The warning, in full (the report's warnings list carries it). */
  warning: string;
}

/**
 * Null when the training probe looks fine; else why it is suspect: its accuracy is below
 * SUSPECT_TRAIN_ACCURACY, or below the test probe's by more than two binomial standard errors of the
 * difference (a model does better on data it was fitted to, not worse).
 */
export function probeSuspicion(p: ProbeSanityInput, fmt: (v: number) => string = (v) => String(Math.round(v * 1000) / 1000)): ProbeSuspicion | null {
  const tr = p.trainAccuracy;
  if (!Number.isFinite(tr)) return null;
  let why: string | null = null;
  if (tr < SUSPECT_TRAIN_ACCURACY) {
    why = `the model gets only ${fmt(tr)} of the training probe right (a trained classifier typically fits its training data far better, ≥ ${SUSPECT_TRAIN_ACCURACY})`;
  } else if (p.testAccuracy != null && Number.isFinite(p.testAccuracy) && p.testExamples && p.trainExamples) {
    const te = p.testAccuracy;
    const se = Math.sqrt((tr * (1 - tr)) / p.trainExamples + (te * (1 - te)) / p.testExamples);
    if (te - tr > 2 * se) why = `the model does worse on the training probe (${fmt(tr)}) than on the test probe (${fmt(te)}), by more than two standard errors`;
  }
  if (!why) return null;
  return {
    why,
    warning:
      `The training probe may not carry the labels the model was trained on: ${why}. ` +
      'If the model was trained on other labels (e.g. noisy or relabelled ones), point the probe at them: `theoryLens.probeKeys` (CLI --data-keys X,Y) picks the label array inside the .npz, or choose a probe file that has the training labels; ' +
      'otherwise the generalization gap and the bounds below use an empirical error that is not this model’s training error.',
  };
}

/** The warning for a report whose training probe looks like the wrong labels (null when it looks fine or was not run). */
export function probeWarning(r: Pick<Report, 'measures' | 'data' | 'testData'>): string | null {
  const tr = r.measures.trainAccuracy?.value;
  if (tr == null || !r.data) return null;
  const te = r.measures.testAccuracy?.value;
  return probeSuspicion({ trainAccuracy: tr, trainExamples: r.data.examples, testAccuracy: te, testExamples: r.testData?.examples }, formatNumber)?.warning ?? null;
}
