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
}

export const PREVIOUS_TUNING: Readonly<ForwardTuning> = Object.freeze({ earlyStop: false });

export const FORWARD_TUNING: ForwardTuning = { earlyStop: false };
