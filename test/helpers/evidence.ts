// Tests that need evidence from outside the repository (../shared fixtures, python3 with numpy/scipy,
// a built dist/) skip where it is missing on a developer machine, but FAIL under CI=true: a clone
// without the evidence must not be green. Use as `{ skip: requireEvidence(have || 'what is missing') }`.
import { test } from 'node:test';

const reported = new Set<string>();

/** `true` (have it) → no skip; a reason → skip locally, or under CI=true run the test and add one failing test saying what is missing. */
export function requireEvidence(have: true | string | false, what = 'required evidence'): string | false {
  if (have === true) return false;
  const reason = typeof have === 'string' ? have : what;
  if (process.env.CI !== 'true') return reason;
  if (!reported.has(reason)) {
    reported.add(reason);
    test(`CI=true: ${reason}`, () => {
      throw new Error(`missing in CI: ${reason} (tests that need it fail instead of skipping)`);
    });
  }
  return false;
}
