// Certified bounds on the test error. Each returns a BoundValue (value, vacuous, assumptions,
// reference, details); the norm-based ones are usually vacuous for real networks and say so.
import type { BoundValue } from '../../protocol/report';
import { BOUNDS } from './registry';

export { klBernoulli, klInverseLower, klInverseUpper } from './kl';
export { BOUNDS, evaluateBounds, unavailableBound } from './registry';
export type { Bound, BoundContext, BoundInfo } from './types';
export { bestPrior, drCertify, drObjective, DR_GRID, DR_INFO, gaussianKl, pacBayesComplexity, type DrCertificate, type DrInput } from './pacbayes';
export { bartlettBound, bestGamma } from './bartlett';
export { neyshaburBound } from './neyshabur';
export { golowichBound, golowichRademacher } from './golowich';
export { isVacuous, marginLoss } from './margin';

/** Every bound the engine computes (id, name, reference), from the registry. */
export const BOUND_INFO: Pick<BoundValue, 'id' | 'name' | 'reference'>[] = BOUNDS.map((b) => ({ id: b.id, ...b.info }));
