// Every certified bound, in display order. The forward phase runs this list; bounds that cannot be
// computed are listed with the reason. Adding a bound = one file exporting a Bound + one line here.
import type { BoundValue, Need } from '../../protocol/report';
import { needReason, type Availability } from '../measures/registry';
import { bartlett } from './bartlett';
import { compressionOccam } from './compressionOccam';
import { dziugaiteRoy } from './dziugaiteRoy';
import { golowich } from './golowich';
import { neyshabur } from './neyshabur';
import type { Bound, BoundContext } from './types';

export const BOUNDS: readonly Bound[] = [dziugaiteRoy, bartlett, neyshabur, golowich, compressionOccam];

/** A bound listed without a value: what is missing and the step that enables it. */
export function unavailableBound(b: Bound, reason: string, needs?: Need[]): BoundValue {
  return { id: b.id, ...b.info, value: null, vacuous: null, assumptions: [], ...(needs?.length ? { needs } : {}), reason };
}

/** Every bound whose needs are met, in order; the others listed with the reason (from NEED_HINTS unless `why` says more). */
export async function evaluateBounds(ctx: BoundContext | null, avail: Availability, bounds: readonly Bound[] = BOUNDS): Promise<BoundValue[]> {
  const out: BoundValue[] = [];
  for (const b of bounds) {
    const missing = b.needs.filter((n) => !avail.have.has(n));
    if (missing.length || !ctx) {
      out.push(unavailableBound(b, needReason(missing.length ? missing : b.needs, avail), missing));
      continue;
    }
    out.push(await b.compute(ctx));
  }
  return out;
}
