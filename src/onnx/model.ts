// ModelProto / GraphProto → the raw graph: nodes, stored tensors, inputs, outputs, value_info.
// Field numbers are those of onnx/onnx.proto (IR version 10).
import { DTYPES } from './dtypes';
import { fieldFloat32, fieldInt64, fieldString, ProtoReader, readRepeated, WireType, type Field } from './protobuf';
import type { ByteSource } from './source';
import { parseTensor, parseTensorBytes, valuesTensor, type TensorContext, type TensorImpl } from './tensor';
import { CheckpointError, type AttributeValue, type Node, type ValueInfo } from './types';
import { SourceWalker } from './walker';

export interface RawGraph {
  name: string | null;
  nodes: Node[];
  tensors: Map<string, TensorImpl>;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  valueInfo: Map<string, ValueInfo>;
  /** Nodes carrying subgraphs (If/Loop/Scan): their weights are not measured. */
  subgraphNodes: string[];
}

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

function parseAttribute(bytes: Uint8Array, r: ProtoReader, ctx: TensorContext, nodeName: string): [string, AttributeValue, boolean] {
  let name = '';
  let value: AttributeValue = null;
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: string[] = [];
  let type = 0;
  let hasGraph = false;
  let tensorField: Field | null = null;
  for (let f; (f = r.next()); ) {
    switch (f.number) {
      case 1: name = str(bytes, f); break;
      case 2: value = fieldFloat32(bytes, f); break;
      case 3: value = fieldInt64(f); break;
      case 4: value = str(bytes, f); break;
      case 5: tensorField = f; break;
      case 6: case 11: hasGraph = true; break;
      case 7: readRepeated(bytes, f, 'float', (v) => floats.push(v)); break;
      case 8: readRepeated(bytes, f, 'sint', (v) => ints.push(v)); break;
      case 9: strings.push(str(bytes, f)); break;
      case 20: type = f.value; break;
      default: break;
    }
  }
  if (tensorField) value = parseTensorBytes(bytes.slice(tensorField.start, tensorField.end), ctx, 'constant', `${nodeName}:${name}`);
  if (type === 6 || floats.length) value = floats;
  else if (type === 7 || ints.length) value = ints;
  else if (type === 8 || strings.length) value = strings;
  return [name, value, hasGraph];
}

function parseNode(bytes: Uint8Array, index: number, ctx: TensorContext, graph: RawGraph): NodeImpl {
  const r = new ProtoReader(bytes);
  let name = '';
  let op = '';
  let domain = '';
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attrs = new Map<string, AttributeValue>();
  const attrFields: Field[] = [];
  for (let f; (f = r.next()); ) {
    switch (f.number) {
      case 1: inputs.push(str(bytes, f)); break;
      case 2: outputs.push(str(bytes, f)); break;
      case 3: name = str(bytes, f); break;
      case 4: op = str(bytes, f); break;
      case 7: domain = str(bytes, f); break;
      case 5: attrFields.push(f); break;
      default: break;
    }
  }
  for (const f of attrFields) {
    const [k, v, hasGraph] = parseAttribute(bytes, r.sub(f), ctx, name || `${op}#${index}`);
    attrs.set(k, v);
    if (hasGraph) graph.subgraphNodes.push(name || `${op}#${index}`);
  }
  return new NodeImpl(index, name, op, domain === 'ai.onnx' ? '' : domain, inputs, outputs, attrs);
}

/** Densifies a SparseTensorProto (values + linear or coordinate indices). */
function parseSparse(walker: SourceWalker, f: Field, ctx: TensorContext): TensorImpl {
  const w = walker.sub(f);
  let values: TensorImpl | null = null;
  let indices: TensorImpl | null = null;
  const dims: number[] = [];
  for (let g; (g = w.next()); ) {
    if (g.number === 1) values = parseTensor(w, g, ctx, 'sparse');
    else if (g.number === 2) indices = parseTensor(w, g, ctx, 'sparse');
    else if (g.number === 3) {
      const { bytes } = g.wireType === WireType.LengthDelimited ? w.load(g) : { bytes: new Uint8Array(0) };
      if (g.wireType === WireType.LengthDelimited) readRepeated(bytes, { ...g, start: 0, end: bytes.length }, 'sint', (v) => dims.push(v));
      else dims.push(fieldInt64(g));
    }
  }
  if (!values || !indices) throw new CheckpointError(ctx.file, 'sparse initializer without values or indices', values?.name);
  const name = values.name;
  const size = dims.reduce((a, b) => a * b, 1);
  const v = values.toFloat64();
  const idx = indices.toNumbers();
  const dense = new Float64Array(size);
  const rank = dims.length;
  const coordinate = idx.length === v.length * rank && rank > 1;
  if (!coordinate && idx.length !== v.length) throw new CheckpointError(ctx.file, `sparse initializer has ${v.length} values but ${idx.length} indices`, name);
  for (let k = 0; k < v.length; k++) {
    let lin = 0;
    if (coordinate) for (let d = 0; d < rank; d++) lin = lin * dims[d] + idx[k * rank + d];
    else lin = idx[k];
    if (!(lin >= 0 && lin < size)) throw new CheckpointError(ctx.file, `sparse index ${lin} outside the shape [${dims.join(', ')}]`, name);
    dense[lin] = v[k];
  }
  return valuesTensor(name, values.dataType, dims, dense, 'sparse', ctx.file);
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

function parseGraph(walker: SourceWalker, ctx: TensorContext): RawGraph {
  const g: RawGraph = { name: null, nodes: [], tensors: new Map(), inputs: [], outputs: [], valueInfo: new Map(), subgraphNodes: [] };
  for (let f; (f = walker.next()); ) {
    switch (f.number) {
      case 1: {
        const { bytes } = walker.load(f);
        g.nodes.push(parseNode(bytes, g.nodes.length, ctx, g));
        break;
      }
      case 2: {
        const { bytes } = walker.load(f);
        g.name = new TextDecoder().decode(bytes);
        break;
      }
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
        const { bytes } = w.load(f);
        const s = new TextDecoder().decode(bytes);
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
