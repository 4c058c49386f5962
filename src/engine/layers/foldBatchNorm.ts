// Folding an inference-mode BatchNormalization into the layer before it: y = γ(Wx + b − μ)/√(σ² + ε) + β
// = (diag(s)W)x + …, s = γ/√(σ² + ε). Only the weight matters for the measures, so each output row of
// the [out, in] matrix is scaled by its channel's s (Jiang et al. 2020 measure folded networks).
import type { Layer } from '../../onnx/types';

export type FoldResult = { ok: true; matrix: Float32Array } | { ok: false; reason: string };

export function foldBatchNorm(layer: Layer, matrix: Float32Array): FoldResult {
  const bn = layer.batchNorm;
  if (!bn) return { ok: false, reason: 'no BatchNorm' };
  const gamma = bn.scale.toFloat64();
  const variance = bn.variance.toFloat64();
  const [rows, cols] = layer.matrixShape;
  // Rows per output channel: 1 for Gemm/MatMul/Conv; kh·kw for ConvTranspose (rows are (c_out, kh, kw)).
  let rowsPerChannel = 1;
  if (layer.op === 'ConvTranspose') {
    if ((layer.conv?.group ?? 1) !== 1) return { ok: false, reason: 'grouped ConvTranspose' };
    rowsPerChannel = rows / gamma.length;
  }
  if (gamma.length * rowsPerChannel !== rows || variance.length !== gamma.length) {
    return { ok: false, reason: `BatchNorm has ${gamma.length} channels but the layer has ${rows} output rows` };
  }
  const out = new Float32Array(matrix.length);
  for (let r = 0; r < rows; r++) {
    const ch = Math.floor(r / rowsPerChannel);
    const s = gamma[ch] / Math.sqrt(variance[ch] + bn.epsilon);
    const o = r * cols;
    for (let c = 0; c < cols; c++) out[o + c] = matrix[o + c] * s;
  }
  return { ok: true, matrix: out };
}
