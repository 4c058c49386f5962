// A checkpoint prepared for forward passes: its weights and biases turned into graph inputs (so
// perturbed copies can be fed), the logits tapped before a trailing Softmax, and batched evaluation.
import type { Checkpoint } from '../../onnx/types';
import { logitOutputs, rewriteModel } from '../../onnx/rewrite';
import type { Provider } from '../../protocol/worker';
import { loadOrt, openSession, type Session } from './runtime';

/** One perturbable parameter tensor (a layer's weight or bias), float32. */
export interface Param {
  name: string;
  dims: number[];
  values: Float32Array;
  /** 'weight' rows are the filters/neurons used for filter normalization; biases are not perturbed in landscapes. */
  kind: 'weight' | 'bias';
  /** For weights: elements per output filter/neuron (row length in the stored layout), for filter normalization. */
  rowSize: number;
}

export class ForwardModel {
  private constructor(
    readonly session: Session,
    readonly provider: 'cpu' | 'cuda',
    readonly providerNote: string | undefined,
    readonly params: Param[],
    readonly inputName: string,
    readonly inputShape: (number | string | null)[] | null,
    readonly outputName: string,
    readonly tapped: string[],
    /** Parameters that could not be made inputs (non-float32): perturbation measures leave them unperturbed. */
    readonly frozen: string[],
  ) {}

  passes = 0;

  static async open(ckpt: Checkpoint, provider: Provider): Promise<ForwardModel> {
    if (ckpt.inputs.length !== 1) {
      throw new Error(`the model has ${ckpt.inputs.length} inputs (${ckpt.inputs.map((i) => i.name).join(', ')}); forward passes support single-input classifiers`);
    }
    const params: Param[] = [];
    const frozen: string[] = [];
    const seen = new Set<string>();
    for (const l of ckpt.layers) {
      for (const [t, kind] of [[l.weight, 'weight'], [l.bias, 'bias']] as const) {
        if (!t || seen.has(t.name)) continue;
        seen.add(t.name);
        if (!ckpt.tensors.has(t.name) || t.dtype !== 'float32' || t.quant) {
          frozen.push(t.name);
          continue;
        }
        const dims = [...t.dims];
        params.push({ name: t.name, dims, values: t.toFloat32(), kind, rowSize: kind === 'weight' ? rowSizeOf(l.op, dims, l.gemm?.transB ?? 1) : 1 });
      }
    }
    const { names, tapped } = logitOutputs(ckpt);
    if (names.length < 1) throw new Error('the model has no outputs');
    const bytes = rewriteModel(ckpt, { asInputs: params.map((p) => p.name), outputs: [{ name: names[0] }] });
    const s = await openSession(bytes, provider);
    const input = ckpt.inputs[0];
    if (input.dtype && input.dtype !== 'float32') throw new Error(`model input '${input.name}' is ${input.dtype}; forward passes feed float32 probe data`);
    return new ForwardModel(s.session, s.provider, s.note, params, input.name, input.shape, names[0], tapped, frozen);
  }

  /** Largest batch the model's first input dimension allows (fixed batch dims are honoured). */
  private batchSize(n: number): number {
    const b = this.inputShape?.[0];
    return typeof b === 'number' && b > 0 ? b : Math.min(n, 1024);
  }

  /**
   * Logits for n examples of x (per-example shape `perExample`), with `override` replacing parameter
   * values (perturbed copies). Returns a row-major [n, K] Float32Array and K.
   */
  async logits(x: Float32Array, n: number, perExample: number[], override?: ReadonlyMap<string, Float32Array>): Promise<{ logits: Float32Array; classes: number }> {
    const ort = loadOrt();
    const per = perExample.reduce((a, b) => a * b, 1);
    const feeds: Record<string, import('onnxruntime-node').Tensor> = {};
    for (const p of this.params) feeds[p.name] = new ort.Tensor('float32', override?.get(p.name) ?? p.values, p.dims);
    const bs = this.batchSize(n);
    const fixed = typeof this.inputShape?.[0] === 'number';
    let out: Float32Array | null = null;
    let classes = 0;
    for (let start = 0; start < n; start += bs) {
      const count = Math.min(bs, n - start);
      let data = x.subarray(start * per, (start + count) * per);
      if (fixed && count < bs) {
        const padded = new Float32Array(bs * per);
        padded.set(data);
        data = padded;
      }
      feeds[this.inputName] = new ort.Tensor('float32', data, [fixed ? bs : count, ...perExample]);
      const r = await this.session.run(feeds, [this.outputName]);
      this.passes++;
      const t = r[this.outputName];
      const vals = t.data as Float32Array;
      const rows = fixed ? bs : count;
      const k = vals.length / rows;
      if (!Number.isInteger(k) || k < 1) throw new Error(`output '${this.outputName}' has shape [${t.dims.join(', ')}]; expected [batch, classes]`);
      if (!out) {
        classes = k;
        out = new Float32Array(n * k);
      } else if (k !== classes) throw new Error('inconsistent number of classes between batches');
      out.set(vals.subarray(0, count * k), start * k);
    }
    return { logits: out ?? new Float32Array(0), classes };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Elements per output filter/neuron in the stored layout (row of a Gemm transB=1 / conv filter). */
function rowSizeOf(op: string, dims: number[], transB: number): number {
  if (op === 'Conv') return dims.slice(1).reduce((a, b) => a * b, 1);
  if (op === 'Gemm' && transB === 1 && dims.length === 2) return dims[1];
  // MatMul [in, out] and Gemm transB=0: neurons are columns; normalize per row of the stored array as
  // a close stand-in (documented in the landscape note).
  return dims.length >= 2 ? dims.slice(1).reduce((a, b) => a * b, 1) : dims[0] ?? 1;
}
