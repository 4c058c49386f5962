// The one table of analysis defaults. The engine (analyze, forward passes), the CLI (its usage text
// too), the editor's settings reader and package.json's documented setting defaults all come from here;
// test/defaults.test.ts checks package.json against it. Internal option names are AnalyzeOptions'
// (src/protocol/worker.ts); the user-facing names (CLI flags, settings) are mapped below.
import type { Precision, Provider } from './protocol/worker';

export const DEFAULTS = {
  provider: 'auto' as Provider,
  precision: 'float32' as Precision,
  convExact: true,
  convWeightWatcher: false,
  foldBatchNorm: true,
  randomize: true,
  randomizeExact: false,
  seed: 0,
  /** PAC-Bayes / bound confidence δ. */
  delta: 0.05,
  /** Monte-Carlo draws per σ step of the flatness searches (and sharpness). */
  mcDraws: 10,
  /** Loss-landscape points per axis (0 = off). */
  landscapePoints: 21,
  landscape2d: false,
  weightsOnly: false,
  /** Eigenvalues kept per layer in the report's esd (evenly subsampled above). */
  esdMaxPoints: 2000,
  /** Largest short side whose full spectrum is computed (above: only Lanczos ‖W‖₂). */
  maxFullSpectrum: 4096,
  /** Most worker threads for per-layer spectra by default (fewer when the machine has fewer cores). */
  maxThreads: 4,
} as const;

/** The editor settings (theoryLens.*) whose default is an analysis default, by setting name. */
export const SETTING_DEFAULTS = {
  executionProvider: DEFAULTS.provider,
  precision: DEFAULTS.precision,
  probeData: '',
  testData: '',
  probeKeys: '',
  trainSize: 0,
  initPattern: '',
  convExact: DEFAULTS.convExact,
  seed: DEFAULTS.seed,
  delta: DEFAULTS.delta,
  mcDraws: DEFAULTS.mcDraws,
  landscapePoints: DEFAULTS.landscapePoints,
  landscape2d: DEFAULTS.landscape2d,
  forwardPasses: !DEFAULTS.weightsOnly,
  randomize: DEFAULTS.randomize,
  randomizeExact: DEFAULTS.randomizeExact,
  /** Pinned input dimensions by graph input name (none by default). */
  inputShapes: {} as Record<string, number[]>,
} as const;
