// The report: the JSON the CLI prints with --json and every view renders. Users script against it:
// extend it with new optional fields, never rename or remove one, and bump SCHEMA_VERSION when a
// field's meaning changes. Types only; imported by the engine, the CLI, the extension and the webview.

/**
 * 2: `randDistance` and `randSpectralNorm` of layers with a short side ≥ 768 are estimated from blocks by
 * default (settings.randomizeExact false; the layer's notes.randDistance says which), and the shuffle of
 * layers above 2²⁰ entries draws its bucket labels differently (so their exact values differ from 1's).
 */
export const SCHEMA_VERSION = 2;

/** What a measure needs before it can be computed. */
export type Need = 'weights' | 'init' | 'data' | 'testData' | 'trainSize' | 'runtime' | 'convInputShape';

export interface ModelInfo {
  path: string;
  fileName: string;
  /** Reader that read the file: onnx, safetensors, pytorch (absent in reports from before readers were added). */
  format?: string;
  /** String metadata stored in the file (safetensors `__metadata__`). */
  metadata?: Record<string, string>;
  /** Bytes of the file (of every shard, for a sharded checkpoint). */
  fileSize: number;
  producer: string | null;
  producerVersion: string | null;
  opset: number | null;
  irVersion: number | null;
  /** Trainable weight parameters of the layers the engine measures, plus their biases. */
  parameters: number;
  /** All parameters stored in the file (every float initializer, BatchNorm statistics included). */
  storedParameters: number;
  layerCount: number;
  inputs: { name: string; shape: (number | string | null)[]; dtype: string }[];
  outputs: { name: string; shape: (number | string | null)[]; dtype: string }[];
  /**
   * Present when the model has subgraphs (If branches, Loop/Scan bodies): the main graph (path '') and
   * each subgraph, with the float parameters it stores and the measured layers (and their parameters) in it.
   */
  graphs?: { path: string; storedParameters: number; parameters: number; layerCount: number }[];
}

export interface LayerReport {
  /** Initializer name of the weight (e.g. `layers.0.weight`, `onnx::Conv_32`). */
  name: string;
  /** ONNX op that consumes it: Gemm, MatMul, Conv, ConvTranspose, Gather, LSTM, GRU, RNN, ... */
  op: string;
  /** Name of that node (e.g. `/layers.0/Gemm`). */
  node: string;
  /** Framework module path where recoverable (`layers.0`, `conv1`), else null. */
  module: string | null;
  /** Sub-part of a packed weight (LSTM gate and direction, attention q/k/v), else absent. */
  part?: string;
  /** Path of the subgraph holding the consuming node (`/If_3/then_branch`); absent for the main graph. */
  graph?: string;
  /** Role of the weight: dense, conv, convTranspose, embedding, recurrentInput, recurrentHidden. */
  role: string;
  dtype: string;
  shape: number[];
  /** The matrix the metrics are computed on, as [rows, cols] = [out, in] (conv: [c_out, c_in·kh·kw]). */
  matrixShape: [number, number];
  parameters: number;
  /** Per-layer metric id → value; null when not applicable (see `notes`). */
  metrics: Record<string, number | null>;
  /** Why a metric is null or how it was computed, keyed by metric id (or '*' for the whole layer). */
  notes?: Record<string, string>;
  /** Flags the theory raises for this layer (e.g. alpha < 2). */
  flags?: LayerFlag[];
  /** Conv geometry, when the layer is a convolution. */
  conv?: {
    kernel: number[];
    group: number;
    strides: number[];
    pads: number[];
    dilations: number[];
    /** Spatial size of the conv's input from shape inference, or null if unknown. */
    inputSpatial: number[] | null;
  };
  /** Set when a following BatchNormalization was folded into this layer before measuring. */
  foldedBatchNorm?: string;
  /** Eigenvalues λ = σ² of WᵀW (ascending), kept for the ESD plot (may be subsampled; see esdNote). */
  esd?: number[];
  esdNote?: string;
}

export interface LayerFlag {
  id: string; // e.g. 'alpha<2'
  severity: 'info' | 'warning';
  message: string;
}

export interface MetricInfo {
  name: string;
  /** Short label for tables and hints (e.g. '‖W‖₂', 'α'). */
  symbol: string;
  formula: string;
  reference: string;
  group: string;
  /** Shown as a column of the CLI's text summary table. */
  table?: boolean;
  /** Position in the editor's inlay hint of a layer (1 = first), when the hint shows it. */
  hint?: number;
}

export interface MeasureValue {
  value: number | null;
  name: string;
  formula: string;
  reference: string;
  /** Jiang et al. 2020 equation number, when the measure is one of theirs. */
  equation?: string;
  /** Present when value is null: what is missing and the one step that enables it. */
  needs?: Need[];
  reason?: string;
  /** Monte-Carlo standard error, when the value is an estimate. */
  stderr?: number;
  /** Group for display: 'norm', 'spectral', 'heavyTailed', 'margin', 'flatness', 'accuracy', ... */
  group?: string;
  /** Whether larger values predict worse generalization (+1), better (-1), or neither (0): the sign its source predicts. */
  direction?: 1 | -1 | 0;
  /** True when the value is computed from the held-out test probe: it describes the outcome and is never ranked as a predictor. */
  usesTestData?: boolean;
}

export interface BoundValue {
  id: string;
  name: string;
  /** Upper bound on the test 0-1 error (or null if not computable). */
  value: number | null;
  /** True when the bound is no better than guessing: value ≥ 1 − 1/K for K classes. */
  vacuous: boolean | null;
  assumptions: string[];
  reference: string;
  /** How the bound was obtained (search over posterior scales, constants used, ...). */
  details?: Record<string, number | string | boolean | null>;
  needs?: Need[];
  reason?: string;
}

/**
 * The held-out (test-set) certificate (Langford 2005): an upper bound on the true 0-1 error of this
 * network from its errors on the test probe alone. Not a training-set bound: it is kept out of `bounds`
 * and repeated as `details.heldOutCertificate` beside each training-set bound.
 */
export interface HeldOutSummary {
  value: number;
  vacuous: boolean;
  testErrors: number;
  testExamples: number;
  testError: number;
  /** The Chernoff relaxation kl⁻¹(ê, ln(1/δ)/n). */
  klBound: number;
  delta: number;
  reference: string;
  assumptions: string[];
  /** One line on how it differs from the training-set bounds. */
  explanation: string;
}

export interface DataSummary {
  path: string;
  examples: number;
  inputKey: string;
  labelKey: string;
  classes: number;
}

export interface RuntimeInfo {
  provider: 'cpu' | 'cuda' | null;
  /** Why CUDA was not used when it was asked for (auto/cuda). */
  providerNote?: string;
  forwardPassesPerSecond?: number;
  seed?: number;
  error?: string;
}

export interface MarginSummary {
  /** Histogram of signed margins f(x)_y − max_{j≠y} f(x)_j on the training probe. */
  edges: number[];
  counts: number[];
  p10: number;
  median: number;
  min: number;
  max: number;
}

export interface LandscapeSummary {
  /** 1-D: alphas and loss; 2-D: alphas × betas grid of loss (row-major, betas outer). */
  alphas: number[];
  loss1d: number[];
  betas?: number[];
  loss2d?: number[];
  note: string;
}

export interface Report {
  schemaVersion: number;
  tool: { name: 'theory-lens'; version: string };
  createdAt: string;
  /** Wall time of the whole analysis, ms. */
  elapsedMs: number;
  settings: Record<string, string | number | boolean | null>;
  model: ModelInfo;
  init?: { path: string; matchedLayers: number };
  data?: DataSummary;
  testData?: DataSummary;
  trainSize?: number | null;
  runtime?: RuntimeInfo;
  /** Metadata of every per-layer metric id that can appear in layers[].metrics (name, formula, reference). */
  metricInfo: Record<string, MetricInfo>;
  layers: LayerReport[];
  measures: Record<string, MeasureValue>;
  bounds: BoundValue[];
  /** Present when a test probe was given: the held-out certificate (see HeldOutSummary). */
  heldOut?: HeldOutSummary;
  margins?: MarginSummary;
  landscape?: LandscapeSummary;
  warnings: string[];
  /**
   * Per-phase timings, ms: read, convert (weights to float32 matrices, BatchNorm folding), layers (wall
   * time of the per-layer stage), assemble, aggregate, forward…; and `spectra.<phase>` = the per-layer
   * kernel phases (gram, tridiagonalize, ql, jacobi, fit, randomize, …) summed over every layer and thread.
   */
  timings?: Record<string, number>;
  /** Per thread that measured layers: how many, their total ms, and the kernel phases (ms) — see timings. */
  workerTimings?: { thread: number; layers: number; ms: number; phases: Record<string, number> }[];
  /**
   * Set when the report is not the complete analysis. Not every layer measured: cancelled (CLI Ctrl-C) or a
   * layer failed to read/measure; such layers have empty metrics, a '*' note and a 'notMeasured' flag, and
   * aggregates over all layers are left out. `pending`: a report sent before the analysis ended
   * (AnalyzeHooks.partial, the worker's 'partial' message) lists the forward phases still running; measures
   * waiting for them are null with the reason.
   */
  partial?: { measuredLayers: number; totalLayers: number; cancelled: boolean; pending?: string[] };
}
