// Path-norm (Neyshabur, Tomioka & Srebro 2015; Jiang et al. 2020 eq. 44): Σ f_{w²}(1) — every
// parameter squared, one forward pass of an all-ones input of the model's per-example shape, the
// outputs (logits) summed. As in Jiang et al.'s reference code (`param.abs_().pow_(2)` over all
// parameters), the biases are squared too. For a bias-free ReLU network this is Σ over input→output
// paths of Π w², the quantity the theory is about; biases add the paths that start at a bias.
//
// It is only meaningful when the network is positively homogeneous/linear between parameters: with
// squared (non-negative) weights and a positive input every pre-activation is ≥ 0, so ReLU, LeakyReLU,
// PRelu and max-pooling act as the identity, and the pass multiplies weights along paths. Any other
// nonlinearity (Tanh, Sigmoid, a Softmax inside the network, an unfolded BatchNormalization, input
// normalization by Sub/Div) breaks that, and path-norm is reported as null with the reason.
import type { Checkpoint } from '../../onnx/types';
import type { ForwardModel } from '../runtime';

const ALLOWED = new Set([
  'Gemm', 'MatMul', 'Conv', 'ConvTranspose', 'Relu', 'LeakyRelu', 'PRelu', 'MaxPool', 'AveragePool', 'GlobalAveragePool',
  'GlobalMaxPool', 'Add', 'Sum', 'Flatten', 'Reshape', 'Identity', 'Dropout', 'Transpose', 'Pad', 'Constant', 'Shape', 'Gather',
  'Unsqueeze', 'Squeeze', 'Concat', 'Slice', 'Cast', 'Expand',
]);
const TRAILING = new Set(['Softmax', 'LogSoftmax', 'ArgMax']);

/** Why path-norm is not defined for this graph, or null when it is. */
export function pathNormUndefinedReason(ckpt: Checkpoint, model: ForwardModel): string | null {
  const skipped = new Set(model.tap.skipped);
  const bad = new Set<string>();
  for (const n of ckpt.nodes) {
    if (ALLOWED.has(n.opType)) continue;
    if (TRAILING.has(n.opType) && skipped.has(n.opType)) continue; // after the logits: not evaluated
    bad.add(n.opType === 'BatchNormalization' ? 'BatchNormalization (not folded into the preceding layer)' : TRAILING.has(n.opType) ? `${n.opType} inside the network` : n.opType);
  }
  if (bad.size) return `not defined for networks with ${[...bad].join(', ')}: path-norm needs ReLU-type (positively homogeneous) activations and linear layers`;
  if (model.frozen.length) return `parameters that cannot be squared and fed (${model.frozen.join(', ')})`;
  return null;
}

export async function pathNorm(ckpt: Checkpoint, model: ForwardModel, perExample: number[]): Promise<{ value: number | null; reason?: string }> {
  const reason = pathNormUndefinedReason(ckpt, model);
  if (reason) return { value: null, reason };
  for (const p of model.params) for (let i = 0; i < p.values.length; i++) p.current[i] = p.values[i] * p.values[i];
  try {
    const per = perExample.reduce((a, b) => a * b, 1);
    const { logits } = await model.logits(new Float32Array(per).fill(1), 1, perExample);
    let s = 0;
    for (const v of logits) s += v;
    if (!Number.isFinite(s)) return { value: null, reason: `the all-ones pass with squared weights overflowed (${s}) in the model's precision` };
    return { value: s };
  } finally {
    model.restore();
  }
}
