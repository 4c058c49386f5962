// loadCheckpoint: an ONNX file → Checkpoint (metadata, stored tensors, nodes in topological order,
// inferred shapes, measurable layers). Weight bytes are not read here; each tensor reads its own
// span of the file when a measure asks for its values.
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FLOATING, NUMERIC } from './dtypes';
import { buildLayers } from './layers';
import { parseModel, type RawGraph } from './model';
import { ProtobufError } from './protobuf';
import { inferShapes, type Shape } from './shapes';
import { sniffFormat } from './sniff';
import { FileSource, MemorySource, type ByteSource } from './source';
import { CheckpointError, type Checkpoint, type LoadOptions, type Node } from './types';

/** A binary min-heap of node indices (ready nodes are taken in file order). */
class MinHeap {
  private a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  push(v: number): void {
    const a = this.a;
    a.push(v);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (a[p] <= a[i]) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): number {
    const a = this.a;
    const top = a[0];
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l] < a[m]) m = l;
        if (r < a.length && a[r] < a[m]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Kahn's algorithm, taking ready nodes in file order (so a file already in topological order keeps its
 * order). A node whose inputs nobody produces is taken as ready (missing values are warned about); a
 * cycle is an error naming some of its nodes.
 */
export function topologicalOrder(graph: RawGraph, file: string, warnings: string[]): Node[] {
  const produced = new Map<string, number>();
  graph.nodes.forEach((n, i) => n.outputs.forEach((o) => o && produced.set(o, i)));
  const indegree = new Array(graph.nodes.length).fill(0);
  const dependents: number[][] = graph.nodes.map(() => []);
  const missing = new Set<string>();
  const available = new Set([...graph.inputs.map((v) => v.name), ...graph.tensors.keys()]);
  graph.nodes.forEach((n, i) => {
    for (const inp of n.inputs) {
      if (!inp || available.has(inp)) continue;
      const p = produced.get(inp);
      if (p === undefined) missing.add(inp);
      else if (p !== i) {
        indegree[i]++;
        dependents[p].push(i);
      }
    }
  });
  const ready = new MinHeap();
  indegree.forEach((d, i) => d === 0 && ready.push(i));
  const order: Node[] = [];
  while (ready.size) {
    const i = ready.pop();
    order.push(graph.nodes[i]);
    for (const j of dependents[i]) if (--indegree[j] === 0) ready.push(j);
  }
  if (order.length !== graph.nodes.length) {
    const stuck = graph.nodes.filter((_, i) => indegree[i] > 0).slice(0, 3).map((n) => n.name || n.opType);
    throw new CheckpointError(file, `the graph has a cycle (nodes ${stuck.join(', ')} … depend on each other)`);
  }
  if (missing.size) warnings.push(`values used but never produced: ${[...missing].slice(0, 5).join(', ')}${missing.size > 5 ? ` and ${missing.size - 5} more` : ''}`);
  return order;
}

/** Any failure while reading becomes a CheckpointError naming the file (never a RangeError or TypeError). */
function asCheckpointError(path: string, e: unknown): CheckpointError {
  if (e instanceof CheckpointError) return e;
  if (e instanceof ProtobufError) return new CheckpointError(path, `not a valid ONNX model: malformed or truncated protobuf (${e.message})`);
  if (e instanceof RangeError) return new CheckpointError(path, `not a valid ONNX model: malformed or truncated (${e.message})`);
  return new CheckpointError(path, `could not be read: ${(e as Error)?.message ?? String(e)}`);
}

/**
 * Stored float parameters: every float tensor's elements, plus integer tensors that a DequantizeLinear
 * turns into float weights (their scales and zero points are not parameters).
 */
function countStoredParameters(g: RawGraph): number {
  const quantized = new Set<string>();
  const quantAux = new Set<string>();
  for (const n of g.nodes) {
    if (n.opType !== 'DequantizeLinear') continue;
    quantized.add(n.inputs[0]);
    n.inputs.slice(1).forEach((i) => i && quantAux.add(i));
  }
  let total = 0;
  for (const [name, t] of g.tensors) {
    if (quantAux.has(name) && !quantized.has(name)) continue;
    if (FLOATING.has(t.dtype) || (quantized.has(name) && NUMERIC.has(t.dtype))) total += t.size;
  }
  return total;
}

function build(path: string, src: ByteSource, fileSize: number, baseDir: string, readBytes: () => Uint8Array): Checkpoint {
  let raw;
  let head: Uint8Array = new Uint8Array(0);
  try {
    head = src.read(0, Math.min(64, src.size)).slice();
    raw = parseModel(src, { file: path, baseDir });
  } catch (e) {
    const err = asCheckpointError(path, e);
    const kind = err.tensor === undefined ? sniffFormat(head) : null;
    throw kind ? new CheckpointError(path, `is ${kind}, not an ONNX model`) : err;
  } finally {
    src.close();
  }
  try {
    const warnings: string[] = [];
    const g = raw.graph;
    const order = topologicalOrder(g, path, warnings);
    const shapes = inferShapes(g, order);
    const { layers, warnings: lw } = buildLayers(g, order, shapes, path);
    warnings.push(...lw);
    const initializerNames = new Set(g.tensors.keys());
    return {
      path, fileSize, baseDir,
      irVersion: raw.irVersion, producer: raw.producer, producerVersion: raw.producerVersion, opset: raw.opset,
      graphName: g.name,
      inputs: g.inputs.filter((v) => !initializerNames.has(v.name)),
      outputs: g.outputs,
      tensors: g.tensors,
      nodes: order,
      layers,
      valueShapes: shapes as ReadonlyMap<string, Shape>,
      storedParameters: countStoredParameters(g),
      warnings,
      readBytes,
    };
  } catch (e) {
    throw asCheckpointError(path, e);
  }
}

/** Reads a checkpoint from a file. Every problem is a CheckpointError naming the file. */
export async function loadCheckpoint(path: string, options: LoadOptions = {}): Promise<Checkpoint> {
  return loadCheckpointSync(path, options);
}

export function loadCheckpointSync(path: string, options: LoadOptions = {}): Checkpoint {
  const file = resolve(path);
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new CheckpointError(file, 'is a folder, not an ONNX file');
    size = st.size;
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot be read: ${(e as Error).message}`);
  }
  if (size === 0) throw new CheckpointError(file, 'is empty (0 bytes): not an ONNX model');
  let src: FileSource;
  try {
    src = new FileSource(file);
  } catch (e) {
    throw new CheckpointError(file, `cannot be opened: ${(e as Error).message}`);
  }
  return build(file, src, size, options.baseDir ?? dirname(file), () => readFileSync(file));
}

/** Reads a checkpoint from bytes in memory (tests, webviews); external data resolves against baseDir. */
export function loadCheckpointBytes(bytes: Uint8Array, name = '<memory>', options: LoadOptions = {}): Checkpoint {
  if (bytes.length === 0) throw new CheckpointError(name, 'is empty (0 bytes): not an ONNX model');
  return build(name, new MemorySource(bytes), bytes.length, options.baseDir ?? process.cwd(), () => bytes);
}
