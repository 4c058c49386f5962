// What could not be computed, grouped by the one step that enables it: for each missing input (probe
// data, init checkpoint, m, …) the measures and bounds waiting for it, the step in words, the setting to
// open and the picker to offer. A measure waiting for several inputs is listed under each, marked with
// the others. Measures that are undefined for the model (nothing to add) come last with their reason.
// Pure (no DOM): unit-tested in plain Node.
import type { Need, Report } from '../../src/protocol/report';

export interface MissingItem {
  /** Measure id, or `bound:<id>`. */
  id: string;
  name: string;
  /** The other inputs it also needs. */
  also: Need[];
  /** Why it is not defined (only for the 'undefined' step), without the "not defined for this model" prefix. */
  reason?: string;
}

/** The items of a step grouped by their reason, in first-seen order (the 'undefined' step lists each reason once). */
export function byReason(items: MissingItem[]): { reason: string; items: MissingItem[] }[] {
  const out = new Map<string, MissingItem[]>();
  for (const i of items) out.set(i.reason ?? '', [...(out.get(i.reason ?? '') ?? []), i]);
  return [...out].map(([reason, list]) => ({ reason, items: list }));
}

export interface MissingStep {
  need: Need | 'undefined' | 'pending';
  title: string;
  /** The step that enables these, in words (setting ids in backquotes). */
  step: string;
  setting?: string;
  action?: 'chooseInit' | 'chooseProbe';
  items: MissingItem[];
}

const NEED_LABEL: Record<Need, string> = {
  weights: 'weights', init: 'init checkpoint', data: 'probe data', testData: 'test probe', trainSize: 'm',
  runtime: 'onnxruntime', convInputShape: 'conv input size',
};

export const needLabel = (n: Need): string => NEED_LABEL[n] ?? n;

/** The step for one missing input, given what the report says about the run. */
function stepFor(need: Need, r: Report, firstReason: string | undefined): Omit<MissingStep, 'items' | 'need'> {
  const runtimeError = r.runtime?.error;
  switch (need) {
    case 'data':
      return r.data || runtimeError
        ? {
            title: 'Forward passes failed on the probe data',
            step: `${runtimeError ?? firstReason ?? 'the probe could not be used'}. Use a probe whose inputs match the model's input shape (keys through \`theoryLens.probeKeys\`), or choose another.`,
            setting: 'theoryLens.probeData', action: 'chooseProbe',
          }
        : {
            title: 'Needs probe data',
            step: 'Set `theoryLens.probeData`, or drop a `.npz` beside the checkpoint or in its parent folder (a name containing “train” is preferred).',
            setting: 'theoryLens.probeData', action: 'chooseProbe',
          };
    case 'testData':
      return { title: 'Needs a held-out test probe', step: 'Set `theoryLens.testData`, or put a `.npz` whose name contains “test” beside the checkpoint.', setting: 'theoryLens.testData' };
    case 'init':
      return {
        title: 'Needs the initial checkpoint',
        step: 'Put `NAME.init.onnx`, `init.onnx` or `epoch_00.onnx` beside the checkpoint, set `theoryLens.initPattern`, or choose one.',
        setting: 'theoryLens.initPattern', action: 'chooseInit',
      };
    case 'trainSize':
      return { title: 'Needs the training-set size m', step: 'Set `theoryLens.trainSize` to the number of examples the model was trained on.', setting: 'theoryLens.trainSize' };
    case 'runtime':
      return { title: 'Needs the model to run in onnxruntime', step: runtimeError ?? firstReason ?? 'onnxruntime could not run this model.' };
    case 'convInputShape':
      return { title: 'Needs the convolutions’ input size', step: firstReason ?? 'Shape inference could not tell the spatial size of a convolution’s input (export the model with static input shapes).' };
    default:
      return { title: `Needs ${need}`, step: firstReason ?? '' };
  }
}

const ORDER: Need[] = ['data', 'runtime', 'init', 'trainSize', 'testData', 'convInputShape', 'weights'];

export function missingSteps(r: Report): MissingStep[] {
  const missing: { id: string; name: string; needs: Need[]; reason?: string }[] = [
    ...Object.entries(r.measures).filter(([, m]) => m.value === null).map(([id, m]) => ({ id, name: m.name, needs: m.needs ?? [], reason: m.reason })),
    ...r.bounds.filter((b) => b.value === null).map((b) => ({ id: `bound:${b.id}`, name: b.name, needs: b.needs ?? [], reason: b.reason })),
  ];
  // a partial report: measures whose forward phase is still running say "pending: …" — not missing, coming
  const isPending = (m: { reason?: string }) => /^pending:/i.test(m.reason ?? '');
  const pendingHere = missing.filter(isPending);
  const waiting = missing.filter((m) => !isPending(m));
  const steps: MissingStep[] = [];
  const needs = [...new Set(waiting.flatMap((m) => m.needs))].sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99));
  for (const need of needs) {
    const list = waiting.filter((m) => m.needs.includes(need));
    steps.push({
      need, ...stepFor(need, r, list[0]?.reason),
      items: list.map((m) => ({ id: m.id, name: m.name, also: m.needs.filter((n) => n !== need) })),
    });
  }
  if (pendingHere.length) {
    steps.unshift({
      need: 'pending', title: 'Being computed now',
      step: `${(pendingHere[0].reason ?? '').replace(/^pending:\s*/i, '')}; they appear here when their phase finishes.`,
      items: pendingHere.map((m) => ({ id: m.id, name: m.name, also: [] })),
    });
  }
  const undefinedHere = waiting.filter((m) => !m.needs.length);
  if (undefinedHere.length) {
    // reasons read "not defined for this model (why)": keep the why, once per distinct reason
    const why = (m: { reason?: string }) => (m.reason ?? '').replace(/^not defined for this model\s*/i, '').replace(/^\((.*)\)$/, '$1');
    const reasons = [...new Set(undefinedHere.map(why).filter(Boolean))];
    steps.push({
      need: 'undefined', title: 'Not defined for this model',
      step: reasons.length === 1 ? `${reasons[0]}. Nothing to add: these measures do not apply here.`
        : reasons.length ? 'Nothing to add: these measures do not apply here, for the reasons listed.' : 'These measures do not apply to this model.',
      items: undefinedHere.map((m) => ({ id: m.id, name: m.name, also: [], reason: why(m) })),
    });
  }
  return steps;
}
