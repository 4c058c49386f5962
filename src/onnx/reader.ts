// loadCheckpoint: an ONNX file → Checkpoint (metadata, stored tensors, nodes in topological order,
// inferred shapes, measurable layers). Weight bytes are not read here; each tensor reads its own
// span of the file when a measure asks for its values.
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FLOATING } from './dtypes';
import { buildLayers } from './layers';
import { parseModel, type RawGraph } from './model';
import { ProtobufError } from './protobuf';
import { inferShapes, type Shape } from './shapes';
import { FileSource, MemorySource, type ByteSource } from './source';
import { CheckpointError, type Checkpoint, type LoadOptions, type Node } from './types';

/** Kahn's algorithm; a node whose inputs nobody produces is taken as ready (missing values are warned about). */
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
  const ready: number[] = [];
  indegree.forEach((d, i) => d === 0 && ready.push(i));
  const order: Node[] = [];
  // Keep the file's order among ready nodes (exporters usually write topologically already).
  while (ready.length) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
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

function build(path: string, src: ByteSource, fileSize: number, baseDir: string, readBytes: () => Uint8Array): Checkpoint {
  let raw;
  try {
    raw = parseModel(src, { file: path, baseDir });
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    if (e instanceof ProtobufError || e instanceof RangeError) {
      throw new CheckpointError(path, `not a valid ONNX model: malformed or truncated protobuf (${e.message})`);
    }
    throw new CheckpointError(path, `could not be read: ${(e as Error).message}`);
  } finally {
    src.close();
  }
  const warnings: string[] = [];
  const g = raw.graph;
  const order = topologicalOrder(g, path, warnings);
  const shapes = inferShapes(g, order);
  const { layers, warnings: lw } = buildLayers(g, order, shapes);
  warnings.push(...lw);
  let storedParameters = 0;
  for (const t of g.tensors.values()) if (FLOATING.has(t.dtype) || t.quant) storedParameters += t.size;
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
    storedParameters,
    warnings,
    readBytes,
  };
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
