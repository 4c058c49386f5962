// Metadata of every per-layer metric the engine computes, derived from the metric registry
// (src/engine/metrics/registry.ts). The report carries this table (report.metricInfo) so views render
// names, symbols and formulas without copies of their own.
import { metricInfo } from '../metrics/registry';

export const METRIC_INFO = metricInfo();
