// Path-norm (Neyshabur, Tomioka & Srebro 2015; Jiang et al. 2020 eq. 44): square every weight and bias,
// feed an all-ones input, sum the outputs: Σ f_{w²}(1). For a ReLU network without biases this is
// Σ over input→output paths of Π w², the quantity the theory is about; with biases it is Jiang's
// reference definition (their code squares every parameter). Only defined when every op is positively
// homogeneous or linear: other activations (Tanh, Sigmoid, …) make it meaningless, so it is not reported.
import type { Checkpoint } from '../../onnx/types';
import type { ForwardModel } from './model';

const ALLOWED = new Set([
  'Gemm', 'MatMul', 'Conv', 'ConvTranspose', 'Relu', 'LeakyRelu', 'PRelu', 'MaxPool', 'AveragePool', 'GlobalAveragePool',
  'GlobalMaxPool', 'Add', 'Flatten', 'Reshape', 'Identity', 'Dropout', 'Transpose', 'Pad', 'Constant', 'Shape', 'Gather',
  'Unsqueeze', 'Squeeze', 'Concat', 'Slice', 'Cast', 'Softmax', 'LogSoftmax',
]);

export async function pathNorm(ckpt: Checkpoint, model: ForwardModel, perExample: number[]): Promise<{ value: number | null; reason?: string }> {
  const outputs = new Set(ckpt.outputs.map((o) => o.name));
  const bad = new Set<string>();
  for (const n of ckpt.nodes) {
    if (!ALLOWED.has(n.opType)) bad.add(n.opType);
    // a Softmax is allowed only as the final op (its input is what we read)
    if ((n.opType === 'Softmax' || n.opType === 'LogSoftmax') && !n.outputs.some((o) => outputs.has(o))) bad.add(`${n.opType} (inside the network)`);
  }
  if (bad.size) return { value: null, reason: `not defined for networks with ${[...bad].join(', ')} (path-norm needs ReLU-type, positively homogeneous operations)` };
  if (model.frozen.length) return { value: null, reason: `parameters that are not float32 initializers cannot be squared: ${model.frozen.join(', ')}` };
  const squared = new Map<string, Float32Array>();
  for (const p of model.params) squared.set(p.name, p.values.map((v) => v * v));
  const per = perExample.reduce((a, b) => a * b, 1);
  const { logits } = await model.logits(new Float32Array(per).fill(1), 1, perExample, squared);
  let s = 0;
  for (const v of logits) s += v;
  return { value: s };
}
