// How the forward analysis spends its passes. Not user settings: every field only changes how fast the
// same estimates are reached (see each field for what stays identical). PREVIOUS_TUNING is the code path
// before the speed work, kept so that `npm run bench -- forward` prints both in one run and
// test/engine/forward/tuning.test.ts checks that they give the same estimates. Tests and the bench may
// assign FORWARD_TUNING; the analysis only reads it.
export interface ForwardTuning {
  /**
   * Stop a Monte-Carlo estimate once its decision is certain whatever the remaining draws give (each
   * draw's accuracy or error lies in [0, 1]); the decision, and so every reported value, is unchanged.
   */
  earlyStop: boolean;
  /**
   * Whether onnxruntime's intra-op threads spin between parallel sections. Spinning threads burn CPU
   * while waiting for each other; with other processes on the cores (an editor, a build) that CPU is taken
   * from the work. Results are the same either way (same threads, same partition of the work).
   */
  spinning: boolean;
  /** onnxruntime intra-op threads (0: its default, one per physical core). */
  threads: number;
  /**
   * Keep the normals of the draws a search reuses (σ′ searches, Dziugaite–Roy search) instead of
   * regenerating them per step (./noise.ts NoiseCache, at most 64 MiB per search): bit-identical draws.
   */
  noiseCache: boolean;
  /** Draw the normals with kernels/random.ts fillGaussian (the same values as gaussian(), about 2× faster). */
  fastNormals: boolean;
}

export const PREVIOUS_TUNING: Readonly<ForwardTuning> = Object.freeze({ earlyStop: false, spinning: true, threads: 0, noiseCache: false, fastNormals: false });

export const FORWARD_TUNING: ForwardTuning = { earlyStop: true, spinning: false, threads: 0, noiseCache: true, fastNormals: true };
