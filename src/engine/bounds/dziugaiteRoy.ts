// Dziugaite & Roy 2017: the PAC-Bayes bound with a Gaussian posterior searched by forward passes
// (the search and certificate are in src/engine/forward/drSearch.ts and pacbayes.ts).
import { dziugaiteRoyBound } from '../forward/drSearch';
import { DR_INFO } from './pacbayes';
import type { Bound } from './types';

export const dziugaiteRoy: Bound = {
  id: DR_INFO.id,
  info: { name: DR_INFO.name, reference: DR_INFO.reference },
  needs: ['data', 'runtime', 'trainSize'],
  compute: (c) =>
    dziugaiteRoyBound(c.model, c.train, c.w0, {
      m: c.data.m, delta: c.delta, seed: c.seed, classes: c.data.classes, draws: Math.max(2, Math.ceil(c.draws / 2)),
      onProgress: (msg) => c.progress(`Dziugaite–Roy bound: ${msg}`),
    }),
};
