// The model evaluated on one probe (or a subset of it) with its current parameters.
import { CancelledError } from '../../protocol/cancelled';
import type { ForwardModel } from '../runtime';
import { evaluate, type Evaluation } from './metrics';


export class ProbeEval {
  constructor(
    readonly model: ForwardModel,
    readonly x: Float32Array,
    readonly y: Int32Array,
    readonly perExample: number[],
    readonly signal?: AbortSignal,
  ) {}

  get n(): number {
    return this.y.length;
  }

  /** Logits with the current parameters; throws CancelledError when the signal was aborted. */
  async logits(): Promise<{ logits: Float64Array; classes: number }> {
    if (this.signal?.aborted) throw new CancelledError();
    return this.model.logits(this.x, this.n, this.perExample);
  }

  async evaluate(): Promise<Evaluation> {
    const { logits, classes } = await this.logits();
    return evaluate(logits, classes, this.y);
  }

  /** Error rates on several subsets of rows, from one pass. */
  async errorsOn(subsets: Int32Array[]): Promise<number[]> {
    const { logits, classes } = await this.logits();
    return subsets.map((rows) => 1 - evaluate(logits, classes, this.y, rows).accuracy);
  }

  /** A probe of the given rows (copied, so passes over it cost only those rows). */
  subset(rows: Int32Array): ProbeEval {
    const per = this.perExample.reduce((a, b) => a * b, 1);
    const x = new Float32Array(rows.length * per);
    const y = new Int32Array(rows.length);
    rows.forEach((r, i) => {
      x.set(this.x.subarray(r * per, (r + 1) * per), i * per);
      y[i] = this.y[r];
    });
    return new ProbeEval(this.model, x, y, this.perExample, this.signal);
  }
}
