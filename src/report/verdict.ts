// The plain-language verdict: the few numbers that matter most for this model, one sentence each on what
// the number says and how far to trust it, citing the report's own reference for each measure. Names
// and references come from the report (the registry); the reading of each number is written here.
// Pure (no DOM): unit-tested in plain Node.
import type { BoundValue, MeasureValue, Report } from '../protocol/report';
import { bestBound } from './bestBound';
import { formatNumber as fmt } from './format';
import { probeSuspicion } from './probeSanity';

export interface VerdictItem {
  /** Which number this is about (a measure id, 'bound', 'gap', 'alpha'), for tests and anchors. */
  id: string;
  /** The number, stated: "Best certified bound on the test error: 0.412". */
  headline: string;
  /** One sentence: what it says, how far to trust it, the citation. */
  text: string;
  tone: 'good' | 'bad' | 'neutral';
}

export const NO_ROBUST_MEASURE =
  'No measure is robust everywhere: Jiang et al. 2020 ("Fantastic Generalization Measures and Where to Find Them", ICLR) and ' +
  'Dziugaite et al. 2020 ("In Search of Robust Measures of Generalization", NeurIPS) found that every measure they tested fails ' +
  'to predict generalization in some environment. Treat these numbers as evidence to weigh, not verdicts.';

const measure = (r: Report, id: string): MeasureValue | undefined => (r.measures[id]?.value != null ? r.measures[id] : undefined);

/** Reference of a measure with its equation number when it has one. */
export function citation(m: Pick<MeasureValue, 'reference' | 'equation'>): string {
  return m.equation ? `${m.reference}, eq. ${m.equation}` : m.reference;
}

/** Binomial standard error of a difference of two independent accuracies on n₁ and n₂ examples. */
export function gapStandardError(p1: number, n1: number, p2: number, n2: number): number {
  return Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
}

function layerList(names: string[]): string {
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

/** Training-probe error at or below which a model "fits its training data" (the interpolation regime the stock remarks about vacuous bounds are about). */
export const FITS_TRAIN_ERROR = 0.05;

/** How the model does on its training probe, as the verdict reads it: fits it, does not, or the probe is suspect. */
export type ProbeFit = { kind: 'fits' | 'underfits' | 'suspect'; accuracy: number; why?: string } | { kind: 'unknown' };

export function probeFit(r: Report): ProbeFit {
  const tr = measure(r, 'trainAccuracy');
  if (!tr || !r.data) return { kind: 'unknown' };
  const te = measure(r, 'testAccuracy');
  const s = probeSuspicion({ trainAccuracy: tr.value!, trainExamples: r.data.examples, testAccuracy: te?.value, testExamples: r.testData?.examples }, (v) => fmt(v, 3));
  if (s) return { kind: 'suspect', accuracy: tr.value!, why: s.why };
  return { kind: 1 - tr.value! <= FITS_TRAIN_ERROR + 1e-12 ? 'fits' : 'underfits', accuracy: tr.value! };
}

/** The sentence after "this bound is vacuous", chosen by how the model does on its training probe. */
function vacuousReading(fit: ProbeFit, m: number | undefined): string {
  const at = m ? ` at m = ${fmt(m)} training examples` : '';
  switch (fit.kind) {
    case 'fits':
      return `This model fits its training probe (accuracy ${fmt(fit.accuracy, 3)}), and vacuous bounds are the rule for networks that fit their training data${at}: this says more about the bound than about the model.`;
    case 'underfits':
      return `This model gets ${fmt(1 - fit.accuracy, 3)} of its training probe wrong; the bound adds its complexity term to that training error, and together they exceed chance${at}.`;
    case 'suspect':
      return 'Its empirical-error term comes from a training probe that may not carry the labels the model was trained on (see the probe warning), so it is not this model’s training error either.';
    default:
      return m ? `Its complexity term is too large for m = ${fmt(m)} training examples.` : '';
  }
}

export function verdictItems(r: Report): VerdictItem[] {
  const items: VerdictItem[] = [];
  const fit = probeFit(r);

  // 1. A certified bound — the only number here with a guarantee.
  const best = bestBound(r);
  if (best) {
    const k = r.data?.classes;
    const chance = k ? `no better than guessing among ${k} classes (error ≥ 1 − 1/${k} = ${fmt(1 - 1 / k, 3)})` : 'no better than guessing';
    const delta = typeof r.settings?.delta === 'number' ? r.settings.delta : null;
    items.push(best.vacuous
      ? {
          id: 'bound', tone: 'bad', headline: `Best certified bound on the test error: ${fmt(best.value, 3)} — vacuous`,
          text: `${best.name} (${best.reference}) is ${chance}, so it certifies nothing about this model. ${vacuousReading(fit, r.trainSize ?? undefined)}`.trim(),
        }
      : {
          id: 'bound', tone: 'good', headline: `Best certified bound on the test error: ${fmt(best.value, 3)} — non-vacuous`,
          text: `${best.name} (${best.reference}): with probability at least ${delta !== null ? fmt(1 - delta, 3) : '1 − δ'} over the draw of the training set, the test error is below this, under the assumptions listed in the Bounds table (read them: e.g. a PAC-Bayes bound holds for the randomised classifier, not for w itself).`,
        });
  } else if (r.bounds.length) {
    items.push({ id: 'bound', tone: 'neutral', headline: 'No certified bound', text: `${r.bounds[0].reason ?? 'none of the bounds could be computed'}.` });
  } else if (r.runtime?.error) {
    items.push({ id: 'bound', tone: 'neutral', headline: 'No certified bound', text: 'Bounds on the test error need forward passes on the probe data, and those failed (see above); the weight-only measures are unaffected.' });
  } else if (!r.data || !r.trainSize) {
    items.push({ id: 'bound', tone: 'neutral', headline: 'No certified bound', text: 'Bounds on the test error need probe data and the training-set size m; see “Not computed” below for how to add them.' });
  }

  // 2. The observed gap between training and test probes — direct evidence, limited by probe size.
  const tr = measure(r, 'trainAccuracy');
  const te = measure(r, 'testAccuracy');
  if (fit.kind === 'suspect' && r.data) {
    // the observed difference is not the generalization gap when the probe's labels are not the training labels
    items.push({
      id: 'probe', tone: 'bad',
      headline: `Training-probe accuracy ${fmt(fit.accuracy, 3)}: the probe may not carry the labels the model was trained on`,
      text: `${fit.why![0].toUpperCase()}${fit.why!.slice(1)}. If the model was trained on other labels (noisy or relabelled ones), point the probe at them — \`theoryLens.probeKeys\` picks the label array inside the .npz, or choose a probe with the training labels. Until then the train–test difference on these probes is not the generalization gap, and it is left out here.`,
    });
  } else if (tr && te && r.data && r.testData) {
    const se = gapStandardError(tr.value!, r.data.examples, te.value!, r.testData.examples);
    items.push({
      id: 'gap', tone: 'neutral',
      headline: `Probe accuracy ${fmt(tr.value, 3)} (train) vs ${fmt(te.value, 3)} (test)`,
      text: `An observed generalization gap of ${fmt(tr.value! - te.value!, 3)} ± ${fmt(se, 2)} (one binomial standard error on ${r.data.examples} + ${r.testData.examples} examples): the most direct evidence here; every measure below is an attempt to predict this without test data.`,
    });
  } else if (tr && r.data) {
    items.push({
      id: 'gap', tone: 'neutral', headline: `Training-probe accuracy ${fmt(tr.value, 3)}`,
      text: `On ${r.data.examples} probe examples. Add a held-out test probe (theoryLens.testData, or a .npz with “test” in its name beside the checkpoint) to see the generalization gap itself.`,
    });
  }

  // 3. Heavy-tailed spectra (WeightWatcher).
  const a = measure(r, 'wwMeanAlpha');
  if (a) {
    const ah = measure(r, 'wwMeanAlphaWeighted');
    const label = (l: Report['layers'][number]) => l.module ?? l.name;
    const low = r.layers.filter((l) => l.metrics.alpha != null && l.metrics.alpha < 2).map(label);
    const high = r.layers.filter((l) => l.metrics.alpha != null && l.metrics.alpha > 6).map(label);
    const where = [
      low.length ? `${low.length} layer(s) below 2 (very heavy-tailed, read as over-trained: ${layerList(low)})` : '',
      high.length ? `${high.length} above 6 (close to random, read as under-trained: ${layerList(high)})` : '',
    ].filter(Boolean).join('; ');
    items.push({
      id: 'alpha', tone: low.length || high.length ? 'bad' : 'good',
      headline: `Mean power-law exponent α ${fmt(a.value, 3)}${ah ? `, weighted α̂ ${fmt(ah.value, 3)}` : ''}`,
      text: `Heavy-tailed self-regularization (${a.reference}): layers of well-trained networks typically have 2 ≤ α ≤ 6; ${where || 'every fitted layer is in that range'}. α̂ tracked test accuracy across families of pretrained models, but it is comparative — rank checkpoints or models with it — not a calibrated prediction, and fits on small layers are noisy (see the α σ column).`,
    });
  }

  // 4. Flatness (PAC-Bayes-inspired sharpness of the minimum).
  const flat = measure(r, 'magFlatness') ?? measure(r, 'pacbayesFlatness');
  if (flat) {
    items.push({
      id: r.measures.magFlatness?.value != null ? 'magFlatness' : 'pacbayesFlatness', tone: 'neutral',
      headline: `${flat.name} = ${fmt(flat.value, 3)}${flat.stderr !== undefined ? ` ± ${fmt(flat.stderr, 2)}` : ''}`,
      text: `How large a random weight perturbation the training-probe accuracy survives (${citation(flat)}); flatness measures were among the best-correlated with generalization in that study, but the value depends on the probe and the search, so compare it across checkpoints of one run rather than reading it alone.`,
    });
  }

  // 5. The spectral-norm product behind norm-based bounds.
  const lps = measure(r, 'logProdSpec');
  if (lps) {
    items.push({
      id: 'logProdSpec', tone: 'neutral',
      headline: `${lps.name} = ${fmt(lps.value, 3)}`,
      text: `The product of layer spectral norms that drives the spectrally-normalized margin bounds (${citation(lps)}). It grows with depth and width, and in Jiang et al.'s 2020 study it correlated negatively with generalization across architectures: compare it only within one architecture and training run.`,
    });
  }

  return items;
}
