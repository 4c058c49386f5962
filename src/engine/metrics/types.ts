// A per-layer metric is one object {id, info, compute(ctx)}; the registry (registry.ts) lists them in
// display order and measureLayer runs it. Heavy shared work (the spectrum, the power-law fit, the
// update W − W⁰) is computed once per layer through ctx.once and shared by the metrics that need it.
import type { LayerFlag, MetricInfo } from '../../protocol/report';
import type { Precision } from '../../protocol/worker';
import type { LayerTask } from '../layers/measureLayer';

/**
 * What compute returns: a number; null (not defined: give a note) or {value, note}; undefined when the
 * metric does not apply to this layer at all (e.g. conv metrics on a dense layer) and is left out.
 */
export type MetricOutput = number | null | undefined | { value: number | null; note?: string };

export interface LayerMetric {
  /** Key in layers[].metrics and report.metricInfo. */
  id: string;
  /** Name, symbol, formula, reference and display group (report.metricInfo[id]). */
  info: MetricInfo;
  compute(ctx: LayerContext): MetricOutput | Promise<MetricOutput>;
}

/** One layer's inputs plus a per-layer memo for work several metrics share. */
export class LayerContext {
  readonly rows: number;
  readonly cols: number;
  /** Short side min(rows, cols). */
  readonly k: number;
  /** Precision the spectra are solved in: float64 for small layers (k ≤ 512), else the setting. */
  readonly precision: Precision;
  readonly flags: LayerFlag[] = [];
  /** Notes not owned by one metric ('*', 'esd', 'precision'). */
  readonly notes: Record<string, string> = {};
  private memo = new Map<string, unknown>();

  /** Rows and columns of task.matrix as stored: [rows, cols], or [cols, rows] when it holds Wᵀ. */
  readonly stored: { rows: number; cols: number };

  constructor(readonly task: LayerTask) {
    this.rows = task.rows;
    this.cols = task.cols;
    this.stored = task.transposed ? { rows: task.cols, cols: task.rows } : { rows: task.rows, cols: task.cols };
    this.k = Math.min(task.rows, task.cols);
    this.precision = this.k <= 512 ? 'float64' : task.options.precision;
  }

  get options(): LayerTask['options'] {
    return this.task.options;
  }

  /** The value of `f` computed once per layer under `key` (a thrown error is rethrown to every caller). */
  once<T>(key: string, f: () => T): T {
    if (!this.memo.has(key)) {
      try {
        this.memo.set(key, { ok: f() });
      } catch (e) {
        this.memo.set(key, { err: e });
      }
    }
    const m = this.memo.get(key) as { ok?: T; err?: unknown };
    if ('err' in m) throw m.err;
    return m.ok as T;
  }

  flag(f: LayerFlag): void {
    this.flags.push(f);
  }
}
