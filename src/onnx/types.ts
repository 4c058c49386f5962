// Public types of the checkpoint reader. No vscode import anywhere under src/onnx.
import { InputError } from '../input/error';
import type { StoredSpan } from '../input/span';

/** ONNX TensorProto.DataType names. */
export type DType =
  | 'float32' | 'uint8' | 'int8' | 'uint16' | 'int16' | 'int32' | 'int64' | 'string' | 'bool'
  | 'float16' | 'float64' | 'uint32' | 'uint64' | 'complex64' | 'complex128' | 'bfloat16'
  | 'float8e4m3fn' | 'float8e4m3fnuz' | 'float8e5m2' | 'float8e5m2fnuz' | 'uint4' | 'int4';

/**
 * Thrown for every problem with a checkpoint file: names the file, the tensor (if any) and the problem,
 * as one escaped line of bounded length (see InputError).
 */
export class CheckpointError extends InputError {
  constructor(file: string, problem: string, tensor?: string) {
    super(file, problem, tensor || undefined);
    this.name = 'CheckpointError';
  }
}

/** Where a tensor's bytes live ('computed': evaluated from stored tensors through an op chain; not in the file as such). */
export type TensorSource = 'initializer' | 'constant' | 'sparse' | 'external' | 'computed';

/** A weight tensor, decoded lazily. Holding one does not hold a float copy of its values. */
export interface Tensor {
  readonly name: string;
  readonly dtype: DType;
  /** ONNX data_type number. */
  readonly dataType: number;
  readonly dims: readonly number[];
  readonly size: number;
  readonly source: TensorSource;
  /** For quantized weights feeding a DequantizeLinear: scale and zero point (per-tensor or per-axis). */
  readonly quant?: { scale: Float32Array; zeroPoint: Float32Array | null; axis: number };
  /** Values as float32 (dequantized when `quant` is set). A fresh array each call. */
  toFloat32(): Float32Array;
  /** Values as float64 (dequantized when `quant` is set). A fresh array each call. */
  toFloat64(): Float64Array;
  /** The stored element bytes (raw_data or external data), undecoded; null for typed-field storage. */
  storedBytes(): Uint8Array | null;
  /** Integer values (int32/int64/uint8/int8 tensors), e.g. shapes held in Constant nodes. */
  toNumbers(): number[];
}

export interface ValueInfo {
  name: string;
  dtype: DType | null;
  /** Dimensions: number, symbolic name, or null when unknown. */
  shape: (number | string | null)[] | null;
}

export type AttributeValue = number | string | number[] | string[] | Tensor | null;

export interface Node {
  /** Position in the file's node list. */
  readonly index: number;
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, AttributeValue>;
}

export type LayerRole = 'dense' | 'conv' | 'convTranspose' | 'embedding' | 'recurrentInput' | 'recurrentHidden';

export interface BatchNormParams {
  node: string;
  scale: Tensor;
  bias: Tensor;
  mean: Tensor;
  variance: Tensor;
  epsilon: number;
}

/** One weight matrix as the engine measures it, tied to the op that uses it. */
export interface Layer {
  /** Initializer (or Constant output) name of the weight. */
  readonly name: string;
  readonly op: string;
  /** Name of the consuming node. */
  readonly node: string;
  /** Framework module path recovered from names (`layers.0`, `conv1`), else null. */
  readonly module: string | null;
  /** For packed weights split into several matrices: `gate=i,dir=0`, `q`, ... */
  readonly part?: string;
  readonly role: LayerRole;
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  /** The stored tensor's shape. */
  readonly shape: readonly number[];
  /** [out, in] of the matrix returned by `matrix()` (conv: [c_out, c_in/group·kh·kw]). */
  readonly matrixShape: readonly [number, number];
  /** Gemm attributes / MatMul orientation. */
  readonly gemm?: { transA: number; transB: number; alpha: number; beta: number };
  readonly conv?: {
    kernel: number[];
    group: number;
    strides: number[];
    pads: number[];
    dilations: number[];
    /** Spatial size of the conv's input (from shape inference), or null when unknown. */
    inputSpatial: number[] | null;
    /** When inputSpatial is null: why (which input dims are dynamic, or which op stopped inference) and how to fix it. */
    inputSpatialReason?: string;
    /** ConvTranspose: output padding. */
    outputPadding?: number[];
  };
  /** A BatchNormalization that directly follows this layer's output (foldable). */
  readonly batchNorm?: BatchNormParams;
  /** Topological position of the consuming node (0 = nearest the input). */
  readonly order: number;
  /** '' for the main graph, else the path of the subgraph holding the consuming node (`/If_3/then_branch`). */
  readonly graph: string;
  /**
   * What the reader knows about this layer, keyed like the report's notes ('*' = the whole layer): the
   * op chain the weight was computed through, other nodes that use the same weight, and so on; state dicts:
   * `role` = how the role was decided from the name and shape.
   */
  readonly notes: Readonly<Record<string, string>>;
  /**
   * The weight as a row-major float matrix of shape matrixShape = [out, in]: Gemm transB handled,
   * MatMul weights transposed to [out, in], conv kernels reshaped to (c_out, c_in·kh·kw), LSTM/GRU
   * gate blocks sliced. Dequantized. A fresh array each call (one layer at a time).
   */
  matrix(precision?: 'float32'): Float32Array;
  matrix(precision: 'float64'): Float64Array;
  /**
   * The same matrix in the orientation it is stored in, float32, without the transposition `matrix()`
   * makes: `data` is W (row-major [out, in]) when `transposed` is false, Wᵀ (row-major [in, out]) when
   * true (MatMul weights, embedding tables, ConvTranspose kernels). Spectra, norms and distances do
   * not need W's orientation (the Gram of the short side is the same product either way), so the
   * engine skips a full-matrix transposition where the metrics allow. A fresh array each call.
   */
  storedMatrix?(): { data: Float32Array; transposed: boolean };
  /**
   * Where storedMatrix()'s values lie in a file when they are one contiguous little-endian span of a
   * float type (a pool worker then reads them itself, off the main thread); null when they are not
   * (typed fields, quantized or computed weights, strided blocks, LoRA products).
   */
  storedSpan?(): { span: StoredSpan; transposed: boolean } | null;
}

/** Checkpoint file formats (src/checkpoint/readers.ts registers one reader each). */
export type CheckpointFormat = 'onnx' | 'safetensors' | 'pytorch';

export interface Checkpoint {
  readonly path: string;
  /** The reader that produced it; absent means ONNX. Only ONNX has a graph for forward passes. */
  readonly format?: CheckpointFormat;
  /** Free-form string metadata stored in the file (safetensors `__metadata__`). */
  readonly metadata?: Readonly<Record<string, string>>;
  readonly fileSize: number;
  readonly irVersion: number | null;
  readonly producer: string | null;
  readonly producerVersion: string | null;
  readonly opset: number | null;
  readonly graphName: string | null;
  /** Graph inputs that are not initializers. */
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** Every named tensor stored in the model: initializers, Constant outputs, sparse initializers. */
  readonly tensors: ReadonlyMap<string, Tensor>;
  /** Nodes in topological order (input to output). */
  readonly nodes: readonly Node[];
  /** Measurable weights in topological order. */
  readonly layers: readonly Layer[];
  /** Shape inference results for intermediate values, where known. */
  readonly valueShapes: ReadonlyMap<string, (number | string | null)[]>;
  /** Total number of float parameters stored (every float initializer/constant, subgraphs included). */
  readonly storedParameters: number;
  /** The main graph ('') and every subgraph, with the float parameters each stores. */
  readonly graphs: readonly { path: string; storedParameters: number }[];
  readonly warnings: readonly string[];
  /** Reads the whole model file (for graph rewriting and onnxruntime sessions); external data is not included. */
  readBytes(): Uint8Array;
  /** Folder that external data resolves against. */
  readonly baseDir: string;
}

export interface LoadOptions {
  /** Folder that external data must resolve inside (default: the model's folder). */
  baseDir?: string;
  /** Pinned sizes of dynamic graph inputs (name → dims); shape inference runs from them. */
  inputShapes?: Readonly<Record<string, readonly number[]>>;
}
