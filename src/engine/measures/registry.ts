// The registry: every aggregate measure the engine knows, in display order. Views render whatever
// it lists (through the report), so adding a measure means adding one object to a list here.
import type { MeasureValue, Need } from '../../protocol/report';
import { dataMeasures } from './data';
import { predictionMeasures } from './prediction';
import type { Measure, MeasureContext } from './types';
import { weightMeasures } from './weight';

export const MEASURES: readonly Measure[] = [...weightMeasures, ...dataMeasures, ...predictionMeasures];

/** The one step that enables a measure that needs `need`, shown when it could not be computed. */
export const NEED_HINTS: Record<Need, string> = {
  weights: 'needs weight layers the engine can measure',
  init: 'needs the initial checkpoint: --init INIT.onnx (CLI), or an X.init.onnx / init.onnx beside the checkpoint (setting theoryLens.initPattern)',
  data: 'needs probe data: --data PROBE.npz (CLI), or set theoryLens.probeData / drop a .npz beside the checkpoint',
  testData: 'needs a held-out test probe: --test-data TEST.npz (CLI) or theoryLens.testData',
  trainSize: 'needs the training-set size m: --train-size M (CLI) or theoryLens.trainSize',
  runtime: 'needs a forward pass, and onnxruntime could not run this model',
  convInputShape: 'needs the convolution input size (shape inference could not determine it)',
};

export interface Availability {
  have: ReadonlySet<Need>;
  /** Why something is missing when the generic hint is not the whole story (e.g. the runtime error). */
  why?: Partial<Record<Need, string>>;
}

/** Computes every registered measure; the ones whose needs are not met are listed with the reason. */
export function evaluateMeasures(ctx: MeasureContext, avail: Availability, measures: readonly Measure[] = MEASURES): Record<string, MeasureValue> {
  const out: Record<string, MeasureValue> = {};
  for (const m of measures) {
    const base: MeasureValue = {
      value: null, name: m.name, formula: m.formula, reference: m.reference, group: m.group, direction: m.direction,
      ...(m.equation ? { equation: m.equation } : {}),
      ...(m.needs.includes('testData') ? { usesTestData: true } : {}),
    };
    const missing = m.needs.filter((n) => !avail.have.has(n));
    if (missing.length) {
      out[m.id] = { ...base, needs: missing, reason: missing.map((n) => avail.why?.[n] ?? NEED_HINTS[n]).join('; ') };
      continue;
    }
    let value: number | null;
    try {
      value = m.compute(ctx);
    } catch (e) {
      out[m.id] = { ...base, reason: `could not be computed: ${(e as Error).message}` };
      continue;
    }
    if (value !== null && !Number.isFinite(value)) value = null;
    const entry: MeasureValue = { ...base, value };
    if (value === null) entry.reason = 'not defined for this model (a zero or non-finite norm, or no layer where it applies)';
    const se = m.stderr?.(ctx);
    if (se !== undefined && Number.isFinite(se)) entry.stderr = se;
    out[m.id] = entry;
  }
  return out;
}
