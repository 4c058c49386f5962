// The post-hoc compression (Occam) certificate: the network quantised on a grid paid for in its code
// length, its error certified with kl⁻¹ (the search and code are in src/engine/forward/compression.ts).
import { COMPRESSION_INFO, compressionCertificate } from '../forward/compression';
import type { Bound } from './types';

export const compressionOccam: Bound = {
  id: COMPRESSION_INFO.id,
  info: { name: COMPRESSION_INFO.name, reference: COMPRESSION_INFO.reference },
  needs: ['data', 'runtime', 'trainSize'],
  compute: (c) =>
    compressionCertificate(c.model, c.train, c.w0, {
      m: c.data.m, delta: c.delta, seed: c.seed, classes: c.data.classes,
      onProgress: (msg) => c.progress(`compression certificate: ${msg}`),
    }),
};
