// Operator knowledge as data: which inputs of which op are weights, how each is laid out, and where
// its bias is. The layer builder (layers.ts) reads this table; only recurrent gates and fused
// attention keep code of their own. Domains: '' is the default ONNX domain.
import type { LayerRole } from './types';

/**
 * How the stored tensor maps to the [out, in] matrix the measures need:
 * - gemmB: Y = A·B' (B' = transB ? Bᵀ : B, [in, out]); the matrix is B'ᵀ. transB from the op's attribute.
 * - gemmA: Y = A'·X with A' = transA ? Aᵀ : A ([out, in]); only when input 0 is the constant and input 1 is not.
 * - matmulB: Y = X·W with W [in, out]; a following Add of a constant [out] is its bias.
 * - matmulA: Y = W·X with W [out, in].
 * - conv: W [c_out, c_in/group, k…] → [c_out, c_in/group·Πk].
 * - convTranspose: W [c_in, c_out/group, k…]; the map's matrix is the transpose.
 * - embedding: a Gather table [vocab, dim] along axis 0 with non-constant indices; the map is one-hot → row, [dim, vocab].
 * - recurrent / attention: packed weights, handled in layers.ts.
 */
export type WeightLayout = 'gemmA' | 'gemmB' | 'matmulA' | 'matmulB' | 'conv' | 'convTranspose' | 'embedding' | 'recurrent' | 'attention';

export interface WeightInput {
  input: number;
  layout: WeightLayout;
  role: LayerRole;
  /** Input index of the bias, when the op takes one. */
  bias?: number;
  /** Attribute names of a transposition flag (Gemm/FusedMatMul). */
  trans?: string;
}

export interface OpInfo {
  /** Weight matrices the op consumes (one entry per possible position; the constant one is measured). */
  weights?: WeightInput[];
  /** Inputs that are per-channel parameters, not matrices (normalisation scales and shifts, statistics). */
  params?: number[];
}

export const OPS: Readonly<Record<string, Readonly<Record<string, OpInfo>>>> = {
  '': {
    Gemm: { weights: [{ input: 1, layout: 'gemmB', role: 'dense', bias: 2, trans: 'transB' }, { input: 0, layout: 'gemmA', role: 'dense', bias: 2, trans: 'transA' }] },
    MatMul: { weights: [{ input: 1, layout: 'matmulB', role: 'dense' }, { input: 0, layout: 'matmulA', role: 'dense' }] },
    Conv: { weights: [{ input: 1, layout: 'conv', role: 'conv', bias: 2 }] },
    ConvTranspose: { weights: [{ input: 1, layout: 'convTranspose', role: 'convTranspose', bias: 2 }] },
    Gather: { weights: [{ input: 0, layout: 'embedding', role: 'embedding' }] },
    LSTM: { weights: [{ input: 1, layout: 'recurrent', role: 'recurrentInput' }, { input: 2, layout: 'recurrent', role: 'recurrentHidden' }], params: [3] },
    GRU: { weights: [{ input: 1, layout: 'recurrent', role: 'recurrentInput' }, { input: 2, layout: 'recurrent', role: 'recurrentHidden' }], params: [3] },
    RNN: { weights: [{ input: 1, layout: 'recurrent', role: 'recurrentInput' }, { input: 2, layout: 'recurrent', role: 'recurrentHidden' }], params: [3] },
    BatchNormalization: { params: [1, 2, 3, 4] },
    InstanceNormalization: { params: [1, 2] },
    LayerNormalization: { params: [1, 2] },
    GroupNormalization: { params: [1, 2] },
    RMSNormalization: { params: [1] },
    PRelu: { params: [1] },
  },
  'com.microsoft': {
    FusedMatMul: { weights: [{ input: 1, layout: 'gemmB', role: 'dense', trans: 'transB' }] },
    Attention: { weights: [{ input: 1, layout: 'attention', role: 'dense' }], params: [2] },
    SkipLayerNormalization: { params: [2, 3, 4] },
    SkipSimplifiedLayerNormalization: { params: [2] },
    SimplifiedLayerNormalization: { params: [1] },
    LayerNormalization: { params: [1, 2] },
    EmbedLayerNormalization: { weights: [{ input: 2, layout: 'embedding', role: 'embedding' }, { input: 3, layout: 'embedding', role: 'embedding' }, { input: 4, layout: 'embedding', role: 'embedding' }], params: [5, 6] },
  },
};

export function opInfo(domain: string, op: string): OpInfo | undefined {
  return OPS[domain === 'ai.onnx' ? '' : domain]?.[op];
}

/** Ops that only rearrange, convert or rescale a constant (the chain evaluator's ops). */
export const CHAIN_OPS: ReadonlySet<string> = new Set([
  'Identity', 'Cast', 'Transpose', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Slice', 'Split', 'Concat', 'Gather',
  'DequantizeLinear', 'Mul', 'Div', 'Add', 'Sub', 'Pow', 'Sqrt', 'Neg', 'Reciprocal', 'Abs', 'ReduceL2', 'ReduceSum', 'ReduceSumSquare',
]);
