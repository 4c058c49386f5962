// ModelProto / GraphProto → the raw graph: nodes, stored tensors, inputs, outputs, value_info.
// Field numbers are those of onnx/onnx.proto (IR version 10).
import { LIMITS } from '../input/limits';
import { DTYPES } from './dtypes';
import { fieldFloat32, fieldInt64, fieldString, ProtoReader, readRepeated, WireType, type Field } from './protobuf';
import type { ByteSource } from './source';
import { parseTensor, sparseTensor, valuesTensor, type TensorContext, type TensorImpl } from './tensor';
import { CheckpointError, type AttributeValue, type Node, type ValueInfo } from './types';
import { SourceWalker } from './walker';

export interface RawGraph {
  name: string | null;
  nodes: Node[];
  tensors: Map<string, TensorImpl>;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  valueInfo: Map<string, ValueInfo>;
  /** Subgraphs held by this graph's nodes (If then/else branches, Loop and Scan bodies), nested ones inside theirs. */
  subgraphs: Subgraph[];
}

export interface Subgraph {
  /** The node that holds it (If, Loop, Scan, or any op with a graph attribute). */
  node: Node;
  /** The attribute that holds it: then_branch, else_branch, body, ... */
  attr: string;
  graph: RawGraph;
}

/** Deepest nesting of subgraphs read (If inside Loop inside If ...): deeper is an error, not a stack overflow. */
export const MAX_SUBGRAPH_DEPTH = LIMITS.maxSubgraphDepth;

export interface RawModel {
  irVersion: number | null;
  producer: string | null;
  producerVersion: string | null;
  opset: number | null;
  graph: RawGraph;
}

const str = (bytes: Uint8Array, f: Field) => fieldString(bytes, f);

export function parseValueInfo(bytes: Uint8Array, r: ProtoReader): ValueInfo {
  const v: ValueInfo = { name: '', dtype: null, shape: null };
  for (let f; (f = r.next()); ) {
    if (f.number === 1) v.name = str(bytes, f);
    else if (f.number === 2 && f.wireType === WireType.LengthDelimited) {
      const t = r.sub(f);
      for (let g; (g = t.next()); ) {
        if (g.number !== 1 || g.wireType !== WireType.LengthDelimited) continue; // tensor_type only
        const tt = t.sub(g);
        for (let h; (h = tt.next()); ) {
          if (h.number === 1 && h.wireType === WireType.Varint) v.dtype = DTYPES[h.value]?.name ?? null;
          else if (h.number === 2 && h.wireType === WireType.LengthDelimited) {
            v.shape = [];
            const sh = tt.sub(h);
            for (let d; (d = sh.next()); ) {
              if (d.number !== 1 || d.wireType !== WireType.LengthDelimited) continue;
              const dim = sh.sub(d);
              let val: number | string | null = null;
              for (let e; (e = dim.next()); ) {
                if (e.number === 1 && e.wireType === WireType.Varint) val = fieldInt64(e);
                else if (e.number === 2) val = str(bytes, e);
              }
              v.shape.push(val);
            }
          }
        }
      }
    }
  }
  return v;
}

class NodeImpl implements Node {
  constructor(
    readonly index: number,
    readonly name: string,
    readonly opType: string,
    readonly domain: string,
    readonly inputs: string[],
    readonly outputs: string[],
    readonly attributes: Map<string, AttributeValue>,
  ) {}
}

/**
 * AttributeProto (onnx.proto: name=1, f=2, i=3, s=4, t=5, g=6, floats=7, ints=8, strings=9, tensors=10,
 * graphs=11, type=20). A tensor attribute (a Constant's `value`) is recorded as a span of the file,
 * like an initializer, so Constant-node weights are not read during the parse either.
 */
function parseAttribute(w: SourceWalker, ctx: TensorContext, nodeName: string, depth: number): [string, AttributeValue, RawGraph[]] {
  let name = '';
  let value: AttributeValue = null;
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: string[] = [];
  let type = 0;
  const graphs: RawGraph[] = [];
  let tensorField: Field | null = null;
  for (let f; (f = w.next()); ) {
    switch (f.number) {
      case 1: name = w.string(f); break;
      case 2: {
        const { bytes } = w.load(f);
        value = fieldFloat32(bytes, { ...f, start: 0, end: bytes.length });
        break;
      }
      case 3: value = fieldInt64(f); break;
      case 4: value = w.string(f); break;
      case 5: tensorField = f; break;
      case 6: case 11:
        if (f.wireType !== WireType.LengthDelimited) break;
        if (depth + 1 > MAX_SUBGRAPH_DEPTH) throw new CheckpointError(ctx.file, `subgraphs nested deeper than ${MAX_SUBGRAPH_DEPTH} levels (at node '${nodeName}')`);
        graphs.push(parseGraph(w.sub(f), ctx, depth + 1));
        break;
      case 7: case 8: {
        if (f.wireType === WireType.Varint) {
          ints.push(fieldInt64(f));
          break;
        }
        const { bytes } = w.load(f);
        const local = { ...f, start: 0, end: bytes.length };
        if (f.number === 7) readRepeated(bytes, local, 'float', (v) => floats.push(v));
        else readRepeated(bytes, local, 'sint', (v) => ints.push(v));
        break;
      }
      case 9: strings.push(w.string(f)); break;
      case 20: type = f.value; break;
      default: break;
    }
  }
  if (tensorField) value = parseTensor(w, tensorField, ctx, 'constant', `${nodeName}:${name}`);
  if (type === 6 || floats.length) value = floats;
  else if (type === 7 || ints.length) value = ints;
  else if (type === 8 || strings.length) value = strings;
  return [name, value, graphs];
}

function parseNode(w: SourceWalker, index: number, ctx: TensorContext, graph: RawGraph, depth: number): NodeImpl {
  let name = '';
  let op = '';
  let domain = '';
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attrs = new Map<string, AttributeValue>();
  const attrFields: Field[] = [];
  for (let f; (f = w.next()); ) {
    switch (f.number) {
      case 1: inputs.push(w.string(f)); break;
      case 2: outputs.push(w.string(f)); break;
      case 3: name = w.string(f); break;
      case 4: op = w.string(f); break;
      case 7: domain = w.string(f); break;
      case 5: attrFields.push(f); break;
      default: break;
    }
  }
  const subgraphs: [string, RawGraph][] = [];
  for (const f of attrFields) {
    const [k, v, graphs] = parseAttribute(w.sub(f), ctx, name || `${op}#${index}`, depth);
    attrs.set(k, v);
    for (const g of graphs) subgraphs.push([k, g]);
  }
  const node = new NodeImpl(index, name, op, domain === 'ai.onnx' ? '' : domain, inputs, outputs, attrs);
  for (const [attr, g] of subgraphs) graph.subgraphs.push({ node, attr, graph: g });
  return node;
}

/** SparseTensorProto: values=1, indices=2, dims=3; densified on demand. */
function parseSparse(walker: SourceWalker, f: Field, ctx: TensorContext): TensorImpl {
  const w = walker.sub(f);
  let values: TensorImpl | null = null;
  let indices: TensorImpl | null = null;
  const dims: number[] = [];
  for (let g; (g = w.next()); ) {
    if (g.number === 1) values = parseTensor(w, g, ctx, 'sparse');
    else if (g.number === 2) indices = parseTensor(w, g, ctx, 'sparse');
    else if (g.number === 3) {
      if (g.wireType === WireType.LengthDelimited) {
        const { bytes } = w.load(g);
        readRepeated(bytes, { ...g, start: 0, end: bytes.length }, 'sint', (v) => dims.push(v));
      } else dims.push(fieldInt64(g));
    }
  }
  if (!values || !indices) throw new CheckpointError(ctx.file, 'sparse initializer without values or indices', values?.name);
  return sparseTensor(values, indices, dims, ctx);
}

/** Tensors a Constant node holds (value, value_float(s), value_int(s)), keyed by its output name. */
function constantTensor(node: NodeImpl, ctx: TensorContext): TensorImpl | null {
  const out = node.outputs[0];
  if (!out) return null;
  for (const [k, v] of node.attributes) {
    if (k === 'value' && v && typeof v === 'object' && !Array.isArray(v)) {
      return (v as TensorImpl).renamed(out, 'constant');
    }
    if (k === 'value_float' && typeof v === 'number') return valuesTensor(out, 1, [], Float64Array.of(v), 'constant', ctx.file);
    if (k === 'value_floats' && Array.isArray(v)) return valuesTensor(out, 1, [v.length], Float64Array.from(v as number[]), 'constant', ctx.file);
    if (k === 'value_int' && typeof v === 'number') return valuesTensor(out, 7, [], Float64Array.of(v), 'constant', ctx.file);
    if (k === 'value_ints' && Array.isArray(v)) return valuesTensor(out, 7, [v.length], Float64Array.from(v as number[]), 'constant', ctx.file);
  }
  return null;
}

function parseGraph(walker: SourceWalker, ctx: TensorContext, depth = 0): RawGraph {
  const g: RawGraph = { name: null, nodes: [], tensors: new Map(), inputs: [], outputs: [], valueInfo: new Map(), subgraphs: [] };
  let entries = 0;
  for (let f; (f = walker.next()); ) {
    // Budget: the number of objects built from the graph, checked before each is built.
    if ((f.number === 1 || (f.number >= 5 && f.number <= 15)) && ++entries > LIMITS.maxGraphEntries) {
      throw new CheckpointError(ctx.file, `the graph has more than ${LIMITS.maxGraphEntries} nodes, initializers and value infos (the limit)`);
    }
    switch (f.number) {
      case 1:
        g.nodes.push(parseNode(walker.sub(f), g.nodes.length, ctx, g, depth));
        break;
      case 2:
        g.name = walker.string(f);
        break;
      case 5: {
        const t = parseTensor(walker, f, ctx, 'initializer');
        g.tensors.set(t.name, t);
        break;
      }
      case 15: {
        const t = parseSparse(walker, f, ctx);
        g.tensors.set(t.name, t);
        break;
      }
      case 11: case 12: case 13: {
        const { bytes, reader } = walker.load(f);
        const v = parseValueInfo(bytes, reader);
        if (f.number === 11) g.inputs.push(v);
        else if (f.number === 12) g.outputs.push(v);
        else g.valueInfo.set(v.name, v);
        break;
      }
      default:
        break;
    }
  }
  for (const n of g.nodes) {
    if (n.opType === 'Constant' && n.domain === '') {
      const t = constantTensor(n as NodeImpl, ctx);
      if (t) g.tensors.set(t.name, t);
    }
  }
  return g;
}

/** Parses a ModelProto from a byte source (positional: weight payloads are not read). */
export function parseModel(src: ByteSource, ctx: TensorContext): RawModel {
  const w = new SourceWalker(src, 0, src.size);
  const m: RawModel = { irVersion: null, producer: null, producerVersion: null, opset: null, graph: null as unknown as RawGraph };
  let sawGraph = false;
  for (let f; (f = w.next()); ) {
    switch (f.number) {
      case 1:
        if (f.wireType !== WireType.Varint) throw new CheckpointError(ctx.file, 'not an ONNX model: ir_version is not an integer');
        m.irVersion = f.value;
        break;
      case 2: case 3: {
        if (f.wireType !== WireType.LengthDelimited) throw new CheckpointError(ctx.file, 'not an ONNX model: producer is not a string');
        const s = w.string(f);
        if (f.number === 2) m.producer = s;
        else m.producerVersion = s;
        break;
      }
      case 7:
        if (f.wireType !== WireType.LengthDelimited) throw new CheckpointError(ctx.file, 'not an ONNX model: graph is not a message');
        m.graph = parseGraph(w.sub(f), ctx);
        sawGraph = true;
        break;
      case 8: {
        if (f.wireType !== WireType.LengthDelimited) throw new CheckpointError(ctx.file, 'not an ONNX model: opset_import is not a message');
        const { bytes, reader } = w.load(f);
        let domain = '';
        let version: number | null = null;
        for (let g; (g = reader.next()); ) {
          if (g.number === 1) domain = fieldString(bytes, g);
          else if (g.number === 2 && g.wireType === WireType.Varint) version = g.value;
        }
        if ((domain === '' || domain === 'ai.onnx') && version !== null) m.opset = version;
        break;
      }
      default:
        break;
    }
  }
  if (!sawGraph) throw new CheckpointError(ctx.file, 'not an ONNX model: it has no graph');
  if (m.irVersion === null) throw new CheckpointError(ctx.file, 'not an ONNX model: it has no ir_version');
  return m;
}
