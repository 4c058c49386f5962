// Penultimate features (the input of the last weight layer) tapped with the graph rewrite
// (src/onnx/rewrite.ts setOutputs), and the representation measures computed from them
// (./representation.ts), plus label-wise mixup accuracy (Natekar & Sharma 2020) on the logits model.
import type { Checkpoint, Layer } from '../../onnx/types';
import { externalDataFiles, setOutputs } from '../../onnx/rewrite';
import { mulberry32 } from '../kernels/random';
import { loadOrt } from '../runtime/ort';
import { createSession } from '../runtime/session';
import type { ForwardModel } from '../runtime';
import { evaluate, percentile } from './metrics';
import { daviesBouldin, neuralCollapseNc1, normalisedMargins } from './representation';
import type { ProbeEval } from './probeEval';
import { FORWARD_TUNING } from './tuning';

export interface RepresentationQuantities {
  /** Name of the tapped penultimate value and its width D. */
  penultimate?: string;
  featureDim?: number;
  daviesBouldin?: number | null;
  nc1?: number | null;
  withinTrace?: number;
  betweenTrace?: number;
  /** Quartiles of Jiang et al. 2019's normalised margins at the penultimate layer. */
  hiddenMarginQ1?: number;
  hiddenMarginMedian?: number;
  hiddenMarginQ3?: number;
  /** Accuracy on label-wise mixup of the training probe (pairs within a class, λ = ½). */
  mixupAccuracy?: number;
  /** Why the feature-based ones are missing. */
  reason?: string;
}

/** The last layer, when the logits are an affine function of one value (Gemm, or MatMul [+ Add]). */
export function findHead(ckpt: Checkpoint, logitsName: string): { layer: Layer; input: string } | { reason: string } {
  const producer = new Map(ckpt.nodes.map((n) => [n.outputs[0], n]));
  let node = producer.get(logitsName);
  if (node?.opType === 'Add') {
    const mm = node.inputs.map((i) => producer.get(i)).find((p) => p?.opType === 'MatMul');
    if (mm) node = mm;
  }
  if (!node || (node.opType !== 'Gemm' && node.opType !== 'MatMul')) return { reason: `the logits '${logitsName}' are not the output of a Gemm or MatMul (${node?.opType ?? 'no producing node'})` };
  const layer = ckpt.layers.find((l) => l.node === node!.name);
  if (!layer) return { reason: `the last node ${node.name} has no weight the engine reads` };
  if (layer.gemm?.transA) return { reason: `the last Gemm ${node.name} transposes its input (transA = 1)` };
  const input = node.inputs.find((i) => i !== layer.name);
  if (!input) return { reason: `no feature input to ${node.name}` };
  return { layer, input };
}

/** Index pairs (a, b) within each class: a class's examples in a seeded random order, each paired with the next (cyclically). */
export function mixupPairs(y: ArrayLike<number>, n: number, seed: number): [number, number][] {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) byClass.set(y[i], [...(byClass.get(y[i]) ?? []), i]);
  const u = mulberry32(seed ^ 0x6d1f2a3b);
  const pairs: [number, number][] = [];
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const idx = byClass.get(c)!;
    if (idx.length < 2) continue;
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(u() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    for (let i = 0; i < idx.length; i++) pairs.push([idx[i], idx[(i + 1) % idx.length]]);
  }
  return pairs;
}

/** Accuracy of the model on x̃ = ½(x_a + x_b) with label y_a for the mixup pairs. */
export async function mixupAccuracy(model: ForwardModel, probe: ProbeEval, seed: number): Promise<number | null> {
  const pairs = mixupPairs(probe.y, probe.n, seed);
  if (!pairs.length) return null;
  const per = probe.perExample.reduce((a, b) => a * b, 1);
  const x = new Float32Array(pairs.length * per);
  const y = new Int32Array(pairs.length);
  pairs.forEach(([a, b], r) => {
    for (let j = 0; j < per; j++) x[r * per + j] = 0.5 * (probe.x[a * per + j] + probe.x[b * per + j]);
    y[r] = probe.y[a];
  });
  const { logits, classes } = await model.logits(x, pairs.length, probe.perExample);
  return evaluate(logits, classes, y).accuracy;
}

/** Runs the model once more over the probe with the penultimate value as an extra output. */
export async function representationMeasures(ckpt: Checkpoint, model: ForwardModel, probe: ProbeEval, classes: number, seed: number): Promise<RepresentationQuantities> {
  const out: RepresentationQuantities = {};
  out.mixupAccuracy = (await mixupAccuracy(model, probe, seed)) ?? undefined;
  const head = findHead(ckpt, model.tap.name);
  if ('reason' in head) return { ...out, reason: head.reason };
  if (model.input.dtype !== 'float32') return { ...out, reason: `features are tapped for float32 inputs only (this model's input is ${model.input.dtype})` };
  const [K, D] = head.layer.matrixShape;
  if (K !== classes) return { ...out, reason: `the last layer has ${K} outputs, the logits ${classes}` };
  const bytes = setOutputs(ckpt.readBytes(), [{ name: model.tap.name }, { name: head.input }]);
  const s = await createSession(bytes, { provider: 'cpu', spinning: FORWARD_TUNING.spinning, threads: FORWARD_TUNING.threads, externalData: externalDataFiles(bytes, ckpt.baseDir) });
  const ort = loadOrt();
  const n = probe.n;
  const per = probe.perExample.reduce((a, b) => a * b, 1);
  const h = new Float64Array(n * D);
  const logits = new Float64Array(n * K);
  try {
    const bs = 256;
    for (let start = 0; start < n; start += bs) {
      const count = Math.min(bs, n - start);
      const feed = { [model.input.name]: new ort.Tensor('float32', probe.x.subarray(start * per, (start + count) * per), [count, ...probe.perExample]) };
      const r = await s.session.run(feed, [model.tap.name, head.input]);
      const f = r[head.input];
      const l = r[model.tap.name];
      if (f.size !== count * D || l.size !== count * K) return { ...out, reason: `the tapped value '${head.input}' has ${f.size / count} values per example, the last layer reads ${D}` };
      const fd = f.data as Float32Array;
      const ld = l.data as Float32Array;
      for (let i = 0; i < count * D; i++) h[start * D + i] = fd[i];
      for (let i = 0; i < count * K; i++) logits[start * K + i] = ld[i];
    }
  } finally {
    await s.session.release();
  }
  const alpha = head.layer.gemm?.alpha ?? 1;
  const W = Float64Array.from(head.layer.matrix('float64'), (v) => v * alpha);
  const nc = neuralCollapseNc1(h, probe.y, n, D, classes);
  const margins = normalisedMargins(h, logits, probe.y, n, D, W, classes).filter(Number.isFinite);
  return {
    ...out, penultimate: head.input, featureDim: D, daviesBouldin: daviesBouldin(h, probe.y, n, D, classes),
    nc1: nc?.nc1 ?? null, ...(nc ? { withinTrace: nc.trW, betweenTrace: nc.trB } : {}),
    ...(margins.length ? { hiddenMarginQ1: percentile(margins, 25), hiddenMarginMedian: percentile(margins, 50), hiddenMarginQ3: percentile(margins, 75) } : {}),
  };
}
