// Certified bounds on the test error. Each returns a BoundValue (value, vacuous, assumptions,
// reference, details); the norm-based ones are usually vacuous for real networks and say so.
import type { BoundValue } from '../../protocol/report';
import { BARTLETT_INFO } from './bartlett';
import { GOLOWICH_INFO } from './golowich';
import { NEYSHABUR_INFO } from './neyshabur';

export { klBernoulli, klInverseLower, klInverseUpper } from './kl';
export { bestPrior, drCertify, drObjective, DR_GRID, gaussianKl, pacBayesComplexity, type DrCertificate, type DrInput } from './pacbayes';
export { bartlettBound, bestGamma } from './bartlett';
export { neyshaburBound } from './neyshabur';
export { golowichBound, golowichRademacher } from './golowich';
export { isVacuous, marginLoss } from './margin';

export const DR_INFO = {
  id: 'dziugaiteRoy2017', name: 'PAC-Bayes bound (Gaussian posterior, searched)', reference: 'Dziugaite & Roy 2017 (UAI); Langford & Caruana 2002 (Monte-Carlo step)',
} as const;

/** Every bound the engine computes, listed (with what is missing) even when it cannot be computed. */
export const BOUND_INFO: Pick<BoundValue, 'id' | 'name' | 'reference'>[] = [DR_INFO, BARTLETT_INFO, NEYSHABUR_INFO, GOLOWICH_INFO];
