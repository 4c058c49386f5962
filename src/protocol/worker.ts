// Messages between a host (CLI, extension host) and the analysis worker (dist/worker.js).
import type { Report } from './report';

export type Provider = 'auto' | 'cpu' | 'cuda';
export type Precision = 'float32' | 'float64';

export interface AnalyzeOptions {
  /** Path of the checkpoint to analyse. */
  model: string;
  /** Roles file for state-dict checkpoints: {"tensor-name glob": "role"} (see src/checkpoint/roles.ts). */
  roles?: string;
  /** Initial/reference checkpoint, matched by layer name (then by order and shape). */
  init?: string;
  /** Probe data (.npz/.npy) for forward-pass measures, and an optional held-out test probe. */
  data?: string;
  testData?: string;
  /** Keys of inputs and labels inside the .npz, when not the usual x/y. */
  dataKeys?: { x?: string; y?: string };
  /** Number of training examples the model was trained on (bounds need it). */
  trainSize?: number;
  /** Execution provider for forward passes. Default auto. */
  provider?: Provider;
  /** Eigen-solver precision. Default float32 (f64 accumulation where it matters). */
  precision?: Precision;
  /** Conv spectra: the reshaped kernel (default), plus the exact operator spectrum when shapes are known. */
  convExact?: boolean;
  /** Randomization check: the ESD of each layer with its entries shuffled (every eigenvalue below a short side of 768, a block estimate above unless randomizeExact; default true). */
  randomize?: boolean;
  /**
   * Randomization check: every eigenvalue of every shuffled layer. Default false: layers with a short side
   * ≥ 768 get the shuffled ESD estimated from k diagonal blocks (a quarter of the work or less).
   */
  randomizeExact?: boolean;
  /** Also compute WeightWatcher's pooled kernel-slice conv spectrum. */
  convWeightWatcher?: boolean;
  /** Fold a BatchNormalization that follows a conv/Gemm into it before measuring (default true). */
  foldBatchNorm?: boolean;
  /** Seed for every random draw (default 0). */
  seed?: number;
  /** PAC-Bayes confidence δ (default 0.05). */
  delta?: number;
  /** Monte-Carlo draws per σ step in flatness searches (default 10). */
  mcDraws?: number;
  /** Loss-landscape grid points per axis (0 = off; default 21 for 1-D, 2-D off unless landscape2d). */
  landscapePoints?: number;
  landscape2d?: boolean;
  /** Skip forward passes even when data is given. */
  weightsOnly?: boolean;
  /** Worker threads for per-layer spectra (default: cores, at most 4). */
  threads?: number;
  /** Pinned sizes of dynamic graph inputs (name → dims), e.g. { images: [1, 3, 640, 640] }; shape inference runs from them. */
  inputShapes?: Record<string, number[]>;
  /** Keep at most this many eigenvalues per layer in the report's esd (default 2000; evenly subsampled). */
  esdMaxPoints?: number;
}

export interface Progress {
  phase: 'read' | 'layers' | 'aggregate' | 'forward' | 'flatness' | 'bounds' | 'landscape' | 'done';
  done: number;
  total: number;
  message: string;
  /** Layers phase: the layer just finished, and the estimated ms left (from the work done so far). */
  layer?: string;
  etaMs?: number;
  /** Layers phase, a layer measured: its own compute time on its worker thread (ms) and kernel phases (gram, tridiagonalize, ql, fit…, ms). */
  layerMs?: number;
  layerPhases?: Record<string, number>;
}

export type ToWorker =
  | { type: 'analyze'; id: number; options: AnalyzeOptions }
  | { type: 'cancel'; id: number }
  /** Start the layer pool now (onnxruntime and WebAssembly loaded in each worker), before the first analysis. */
  | { type: 'warm' };

export type FromWorker =
  | { type: 'progress'; id: number; progress: Progress }
  /** A complete report before the end (report.partial lists the phases still running); the result follows. */
  | { type: 'partial'; id: number; report: Report }
  | { type: 'result'; id: number; report: Report }
  /** message: one line naming the file (escaped, ≤ 300 characters); detail: the stack, for the Output channel only. */
  | { type: 'error'; id: number; message: string; cancelled?: boolean; detail?: string };
