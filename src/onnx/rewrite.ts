// Graph rewriting at the byte level, for forward passes with onnxruntime:
//  - chosen initializers become pure graph inputs (onnxruntime-node silently ignores a feed for an
//    initializer that is also an input, so a perturbed weight must not remain an initializer);
//  - the graph outputs can be replaced (e.g. tap the logits before a trailing Softmax);
//  - initializers kept but stored in external files are inlined, so the model runs from memory.
// Unchanged fields are copied verbatim (no re-encoding of weights that stay).
import { fieldString, ProtoReader, ProtoWriter, WireType } from './protobuf';
import type { Checkpoint, DType } from './types';

const ELEM: Partial<Record<DType, number>> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, float16: 10, float64: 11, bfloat16: 16, bool: 9 };

export interface OutputSpec {
  name: string;
  elemType?: number;
}

export interface RewriteOptions {
  /** Initializer names to turn into graph inputs (fed at run time). */
  asInputs?: readonly string[];
  /** Replace the graph outputs by these values. */
  outputs?: readonly OutputSpec[];
}

function valueInfo(w: ProtoWriter, field: number, name: string, elemType: number, dims: readonly number[] | null): void {
  w.message(field, (v) => {
    v.string(1, name);
    v.message(2, (t) => t.message(1, (tt) => {
      tt.int(1, elemType);
      if (dims) tt.message(2, (sh) => { for (const d of dims) sh.message(1, (dd) => dd.int(1, d)); });
    }));
  });
}

/** The name of a TensorProto (field 8) and whether its data is external (data_location = 1). */
function tensorHead(bytes: Uint8Array, start: number, end: number): { name: string; external: boolean } {
  const r = new ProtoReader(bytes, start, end);
  let name = '';
  let external = false;
  for (let f; (f = r.next()); ) {
    if (f.number === 8) name = fieldString(bytes, f);
    else if (f.number === 14 && f.wireType === WireType.Varint) external = f.value === 1;
  }
  return { name, external };
}

export function rewriteModel(ckpt: Checkpoint, opts: RewriteOptions): Uint8Array {
  const bytes = ckpt.readBytes();
  const asInputs = new Set(opts.asInputs ?? []);
  for (const n of asInputs) if (!ckpt.tensors.has(n)) throw new Error(`rewrite: '${n}' is not a stored tensor of ${ckpt.path}`);
  const model = new ProtoWriter();
  const top = new ProtoReader(bytes);
  for (let f; (f = top.next()); ) {
    if (f.number !== 7) {
      model.raw(bytes.subarray(fieldStart(f), f.end));
      continue;
    }
    model.message(7, (g) => {
      const gr = top.sub(f);
      const removed: string[] = [];
      for (let h; (h = gr.next()); ) {
        const whole = bytes.subarray(fieldStart(h), h.end);
        if (h.number === 5) {
          const { name, external } = tensorHead(bytes, h.start, h.end);
          if (asInputs.has(name)) {
            removed.push(name);
            continue;
          }
          if (external) {
            const t = ckpt.tensors.get(name);
            const data = t?.storedBytes();
            if (!t || !data) throw new Error(`rewrite: cannot inline external tensor '${name}'`);
            g.message(5, (tp) => {
              tp.packedVarints(1, t.dims).int(2, t.dataType).string(8, name).bytes(9, data);
            });
            continue;
          }
        }
        if (h.number === 12 && opts.outputs) continue;
        // a graph input that names a rewritten initializer is replaced below
        if (h.number === 11) {
          const r = new ProtoReader(bytes, h.start, h.end);
          let name = '';
          for (let e; (e = r.next()); ) if (e.number === 1) name = fieldString(bytes, e);
          if (asInputs.has(name)) continue;
        }
        g.raw(whole);
      }
      for (const name of removed) {
        const t = ckpt.tensors.get(name)!;
        const elem = ELEM[t.dtype];
        if (!elem) throw new Error(`rewrite: tensor '${name}' of type ${t.dtype} cannot be fed`);
        valueInfo(g, 11, name, elem, t.dims);
      }
      if (opts.outputs) for (const o of opts.outputs) valueInfo(g, 12, o.name, o.elemType ?? 1, null);
    });
  }
  return model.finish();
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/**
 * Start offset of a whole field, key included (to copy it verbatim). For varints Field.start is the
 * key's offset already; otherwise it is the payload's, after the key (and the length prefix).
 * Assumes minimal varint encoding of keys and lengths, as every protobuf writer produces.
 */
function fieldStart(f: { number: number; wireType: number; start: number; end: number }): number {
  if (f.wireType === WireType.Varint) return f.start;
  let n = varintSize(f.number * 8 + f.wireType);
  if (f.wireType === WireType.LengthDelimited) n += varintSize(f.end - f.start);
  return f.start - n;
}

/**
 * Graph output names with a trailing Softmax/LogSoftmax (or ArgMax after one) removed: the values to
 * read logits from. Also says which outputs were tapped.
 */
export function logitOutputs(ckpt: Checkpoint): { names: string[]; tapped: string[] } {
  const producer = new Map<string, (typeof ckpt.nodes)[number]>();
  for (const n of ckpt.nodes) for (const o of n.outputs) producer.set(o, n);
  const names: string[] = [];
  const tapped: string[] = [];
  for (const out of ckpt.outputs) {
    let name = out.name;
    let p = producer.get(name);
    if (p && p.opType === 'ArgMax') {
      name = p.inputs[0];
      p = producer.get(name);
    }
    if (p && (p.opType === 'Softmax' || p.opType === 'LogSoftmax')) {
      tapped.push(`${out.name} ← ${p.opType}(${p.inputs[0]})`);
      name = p.inputs[0];
    }
    names.push(name);
  }
  return { names, tapped };
}
