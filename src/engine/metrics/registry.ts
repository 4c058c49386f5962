// Every per-layer metric, in display order. measureLayer runs this list on each layer; the report's
// metricInfo, the CLI's `measures` listing, the tables and the hints read ids and metadata from it.
// Adding a metric = one file exporting a LayerMetric + one line here.
import type { MetricInfo } from '../../protocol/report';
import { distFrobeniusInit, distSpectralInit, deltaAlpha, deltaStableRank } from './init';
import { l1Norm } from './l1';
import { spectralNormExact, wwPooledAlpha } from './conv';
import { entropy, logNorm, logSpectralNorm, mpBulkMax, mpSoftrank, numSpikes } from './marchenkoPastur';
import { conditionNumber, effectiveRank, frobeniusNorm, l21Norm, nuclearNorm, spectralNorm, stableRank } from './norms';
import { alpha, alphaSigma, alphaWeighted, ksDistance, logAlphaNorm, xmin } from './powerLaw';
import { randDistance, randSpectralNorm } from './randomization';
import type { LayerMetric } from './types';

export const LAYER_METRICS: readonly LayerMetric[] = [
  frobeniusNorm, spectralNorm, nuclearNorm, stableRank, conditionNumber, l21Norm,
  l1Norm,
  effectiveRank,
  alpha, alphaSigma, xmin, ksDistance, alphaWeighted, logNorm, logSpectralNorm, logAlphaNorm, entropy,
  mpBulkMax, numSpikes, mpSoftrank,
  randDistance, randSpectralNorm,
  spectralNormExact,
  distFrobeniusInit, distSpectralInit, deltaAlpha, deltaStableRank,
  wwPooledAlpha,
];

/** report.metricInfo: id → metadata, in display order. */
export function metricInfo(metrics: readonly LayerMetric[] = LAYER_METRICS): Record<string, MetricInfo> {
  return Object.fromEntries(metrics.map((m) => [m.id, m.info]));
}
