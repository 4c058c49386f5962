// A certified bound is one object {id, info, needs, compute}; the registry (registry.ts) lists them in
// display order and the forward phase runs it. Bounds whose needs are not met are listed with the one
// step that enables them (NEED_HINTS), never silently left out.
import type { BoundValue, Need } from '../../protocol/report';
import type { DataQuantities, LayerQuantities } from '../measures/types';
import type { ForwardModel } from '../runtime';
import type { ProbeEval } from '../forward/probeEval';

export interface BoundInfo {
  name: string;
  reference: string;
}

/** Everything a bound may combine: per-layer quantities, probe quantities and, for searched bounds, the model. */
export interface BoundContext {
  layers: LayerQuantities[];
  /** Forward-pass quantities (data.m is the training-set size, validated ≥ 2 and ≥ the probe size). */
  data: DataQuantities & { m: number };
  /** Signed margins f(x)_y − max_{j≠y} f(x)_j on the training probe. */
  margins: ArrayLike<number>;
  delta: number;
  seed: number;
  /** Monte-Carlo draws per step (the searches' setting). */
  draws: number;
  /** Forward passes on the training probe, for bounds that perturb the weights. */
  model: ForwardModel;
  train: ProbeEval;
  /** Initial values per perturbed parameter (null where the init has none), or null without an init. */
  w0: (Float32Array | null)[] | null;
  progress(message: string): void;
}

export interface Bound {
  /** BoundValue.id in report.bounds. */
  id: string;
  info: BoundInfo;
  /** What must be present; missing ones list the bound with NEED_HINTS' step. */
  needs: Need[];
  compute(ctx: BoundContext): BoundValue | Promise<BoundValue>;
}
