// Graph rewriting at the protobuf byte level, for forward passes with onnxruntime. Fields that do not
// change are copied verbatim (weights that stay are never re-encoded).
//  - weightsAsInputs: chosen initializers (or Constant-node tensors) become pure graph inputs. The
//    onnxruntime-node binding silently ignores a feed for a name that is both an initializer and a
//    graph input, so a perturbed weight must stop being an initializer to take effect.
//  - setOutputs: replaces the graph outputs (e.g. to read the logits before a trailing Softmax).
//  - externalDataFiles: the external-data files that initializers left in the model refer to, read
//    from disk, for onnxruntime's `externalData` session option (a model created from bytes has no
//    folder to resolve them against). Paths are checked to stay inside the model's folder.
import { readFileSync } from 'node:fs';
import { quoteName } from '../input/error';
import { fieldString, ProtoReader, ProtoWriter, WireType, type Field } from './protobuf';
import { resolveExternal } from './tensor';
import { CheckpointError, type Node, type ValueInfo } from './types';

/** ModelProto.graph, GraphProto fields, NodeProto/AttributeProto/TensorProto fields used here. */
const MODEL_GRAPH = 7;
const GRAPH = { node: 1, initializer: 5, input: 11, output: 12 } as const;
const NODE = { output: 2, opType: 4, attribute: 5 } as const;
const TENSOR = { dims: 1, dataType: 2, name: 8, externalData: 13, dataLocation: 14 } as const;

export interface TensorHead {
  name: string;
  dims: number[];
  /** ONNX TensorProto.DataType. */
  dataType: number;
  /** Stored in an external file (data_location = EXTERNAL). */
  external: boolean;
  location?: string;
}

/** Walks a message, giving each field with the span of the whole field (key included) for verbatim copies. */
function* fields(bytes: Uint8Array, start: number, end: number): Generator<{ f: Field; whole: Uint8Array }> {
  const r = new ProtoReader(bytes, start, end);
  while (!r.done) {
    const at = r.pos;
    const f = r.next()!;
    yield { f, whole: bytes.subarray(at, f.end) };
  }
}

/** Name, dims, type and storage of a TensorProto. */
export function tensorHead(bytes: Uint8Array, start: number, end: number): TensorHead {
  const h: TensorHead = { name: '', dims: [], dataType: 0, external: false };
  for (const { f } of fields(bytes, start, end)) {
    if (f.number === TENSOR.name) h.name = fieldString(bytes, f);
    else if (f.number === TENSOR.dataType && f.wireType === WireType.Varint) h.dataType = f.value;
    else if (f.number === TENSOR.dims) {
      if (f.wireType === WireType.Varint) h.dims.push(f.value);
      else for (const { f: d } of fieldsPacked(bytes, f)) h.dims.push(d);
    } else if (f.number === TENSOR.dataLocation && f.wireType === WireType.Varint) h.external = f.value === 1;
    else if (f.number === TENSOR.externalData) {
      let key = '';
      let value = '';
      for (const { f: e } of fields(bytes, f.start, f.end)) {
        if (e.number === 1) key = fieldString(bytes, e);
        else if (e.number === 2) value = fieldString(bytes, e);
      }
      if (key === 'location') h.location = value;
    }
  }
  return h;
}

function* fieldsPacked(bytes: Uint8Array, f: Field): Generator<{ f: number }> {
  const r = new ProtoReader(bytes, f.start, f.end);
  while (!r.done) yield { f: r.uint() };
}

function nameOf(bytes: Uint8Array, start: number, end: number, field = 1): string {
  for (const { f } of fields(bytes, start, end)) if (f.number === field) return fieldString(bytes, f);
  return '';
}

/** The graph message's span inside the model. */
function graphSpan(model: Uint8Array): Field {
  for (const { f } of fields(model, 0, model.length)) if (f.number === MODEL_GRAPH && f.wireType === WireType.LengthDelimited) return f;
  throw new Error('not an ONNX model: no graph');
}

/** Copies the model, rebuilding its graph with `build` (which gets every graph field in order). */
function rewriteGraph(model: Uint8Array, build: (g: ProtoWriter, graphFields: { f: Field; whole: Uint8Array }[]) => void): Uint8Array {
  const out = new ProtoWriter();
  for (const { f, whole } of fields(model, 0, model.length)) {
    if (f.number !== MODEL_GRAPH) out.raw(whole);
    else out.message(MODEL_GRAPH, (g) => build(g, [...fields(model, f.start, f.end)]));
  }
  return out.finish();
}

/** A ValueInfoProto with a tensor type: name, element type and (optionally) dims (numbers or symbols). */
function writeValueInfo(w: ProtoWriter, field: number, name: string, elemType: number | undefined, shape?: readonly (number | string | null)[] | null): void {
  w.message(field, (v) => {
    v.string(1, name);
    if (elemType === undefined) return;
    v.message(2, (t) => t.message(1, (tt) => {
      tt.int(1, elemType);
      if (shape) {
        tt.message(2, (sh) => {
          for (const d of shape) sh.message(1, (dd) => {
            if (typeof d === 'number') dd.int(1, d);
            else if (typeof d === 'string') dd.string(2, d);
          });
        });
      }
    }));
  });
}

/** Every initializer of the main graph (name, dims, type, storage). */
export function listInitializers(model: Uint8Array): TensorHead[] {
  const g = graphSpan(model);
  const out: TensorHead[] = [];
  for (const { f } of fields(model, g.start, g.end)) if (f.number === GRAPH.initializer) out.push(tensorHead(model, f.start, f.end));
  return out;
}

/** The Constant node producing `output`, if any: its tensor head (from the `value` attribute). */
function constantNodeTensor(model: Uint8Array, node: Field): TensorHead | null {
  let op = '';
  let output = '';
  let value: TensorHead | null = null;
  for (const { f } of fields(model, node.start, node.end)) {
    if (f.number === NODE.opType) op = fieldString(model, f);
    else if (f.number === NODE.output && !output) output = fieldString(model, f);
    else if (f.number === NODE.attribute) {
      let name = '';
      let t: Field | null = null;
      for (const { f: a } of fields(model, f.start, f.end)) {
        if (a.number === 1) name = fieldString(model, a);
        else if (a.number === 5) t = a;
      }
      if (name === 'value' && t) value = tensorHead(model, t.start, t.end);
    }
  }
  return op === 'Constant' && value ? { ...value, name: output } : null;
}

/**
 * Turns the named initializers (or Constant-node outputs) into graph inputs of the same element type
 * and dims. Everything else is copied verbatim. Throws when a name is neither.
 */
export function weightsAsInputs(model: Uint8Array, names: readonly string[]): Uint8Array {
  const wanted = new Set(names);
  const found = new Map<string, TensorHead>();
  const out = rewriteGraph(model, (g, graphFields) => {
    for (const { f, whole } of graphFields) {
      if (f.number === GRAPH.initializer) {
        const h = tensorHead(model, f.start, f.end);
        if (wanted.has(h.name)) {
          found.set(h.name, h);
          continue;
        }
      } else if (f.number === GRAPH.node) {
        const c = constantNodeTensor(model, f);
        if (c && wanted.has(c.name)) {
          found.set(c.name, c);
          continue;
        }
      } else if (f.number === GRAPH.input && wanted.has(nameOf(model, f.start, f.end))) {
        continue; // re-declared below with the tensor's own type and dims
      }
      g.raw(whole);
    }
    for (const name of names) {
      const h = found.get(name);
      if (h) writeValueInfo(g, GRAPH.input, name, h.dataType, h.dims);
    }
  });
  const missing = names.filter((n) => !found.has(n));
  if (missing.length) throw new Error(`weightsAsInputs: not an initializer or Constant output of the graph: ${missing.join(', ')}`);
  return out;
}

export interface OutputSpec {
  name: string;
  /** ONNX element type (1 = float32, 10 = float16, 11 = float64). Omitted: left to type inference. */
  elemType?: number;
  shape?: readonly (number | string | null)[];
}

/** Replaces the graph outputs by `outputs`. */
export function setOutputs(model: Uint8Array, outputs: readonly OutputSpec[]): Uint8Array {
  if (!outputs.length) throw new Error('setOutputs: at least one output is needed');
  return rewriteGraph(model, (g, graphFields) => {
    for (const { f, whole } of graphFields) if (f.number !== GRAPH.output) g.raw(whole);
    for (const o of outputs) writeValueInfo(g, GRAPH.output, o.name, o.elemType, o.shape);
  });
}

/**
 * Reads the external-data files that the model's remaining initializers point to, for onnxruntime's
 * `externalData: [{ path, data }]` session option. `baseDir` is the model's folder. Every location goes
 * through the reader's own check (resolveExternal: no absolute path, nothing outside the folder, no
 * symbolic link out of it, a regular file), so the forward pass reads exactly what the reader would.
 */
export function externalDataFiles(model: Uint8Array, baseDir: string, file: string = baseDir): { path: string; data: Uint8Array }[] {
  const locations = new Map<string, string>();
  for (const t of listInitializers(model)) if (t.external) locations.set(t.location ?? '', t.name);
  return [...locations].map(([location, tensor]) => {
    const real = resolveExternal(location, { file, baseDir }, tensor);
    try {
      return { path: location, data: readFileSync(real) };
    } catch (e) {
      throw new CheckpointError(file, `external data ${quoteName(location)} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, tensor);
    }
  });
}

export interface LogitTap {
  /** Value to read logits from. */
  name: string;
  /** The graph output it stands for. */
  output: string;
  /** Ops walked back over (e.g. ['ArgMax', 'Softmax']), empty when the output is already the logits. */
  skipped: string[];
}

const PASS_THROUGH = new Set(['Identity']);
const NORMALIZERS = new Set(['Softmax', 'LogSoftmax']);

/**
 * Where the logits are: walks back from each graph output over a trailing ArgMax, then a Softmax or
 * LogSoftmax (and Identity ops between them), to the value that feeds them.
 */
export function findLogits(graph: { nodes: readonly Node[]; outputs: readonly ValueInfo[] }): LogitTap[] {
  const producer = new Map<string, Node>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);
  return graph.outputs.map((out) => {
    let name = out.name;
    const skipped: string[] = [];
    const step = (ops: Set<string>) => {
      let p = producer.get(name);
      while (p && PASS_THROUGH.has(p.opType)) {
        name = p.inputs[0];
        p = producer.get(name);
      }
      if (p && ops.has(p.opType) && p.inputs[0]) {
        skipped.push(p.opType);
        name = p.inputs[0];
        return true;
      }
      return false;
    };
    step(new Set(['ArgMax']));
    step(NORMALIZERS);
    return { name, output: out.name, skipped };
  });
}
