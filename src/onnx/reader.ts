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
import { flattenScopes } from './scopes';
import { sniffFormat } from './sniff';
import { FileSource, MemorySource, type ByteSource } from './source';
import { CheckpointError, type Checkpoint, type LoadOptions } from './types';
export { topologicalOrder } from './order';

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
export function countStoredParameters(g: Pick<RawGraph, 'tensors' | 'nodes'>): number {
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

function build(path: string, src: ByteSource, fileSize: number, baseDir: string, readBytes: () => Uint8Array, options: LoadOptions = {}): Checkpoint {
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
    const flat = flattenScopes(raw.graph, path, warnings);
    const g = flat.graph;
    const order = flat.order;
    const origins = new Map<string, string>();
    const shapes = inferShapes(g, order, { inputShapes: options.inputShapes, origins, warnings });
    const { layers, warnings: lw } = buildLayers(g, order, shapes, path, { origins, scopeOf: flat.scopeOf, scopes: flat.scopes });
    warnings.push(...lw);
    return {
      path, fileSize, baseDir,
      irVersion: raw.irVersion, producer: raw.producer, producerVersion: raw.producerVersion, opset: raw.opset,
      graphName: g.name,
      inputs: raw.graph.inputs.filter((v) => !raw.graph.tensors.has(v.name)),
      outputs: g.outputs,
      tensors: g.tensors,
      nodes: order,
      layers,
      valueShapes: shapes as ReadonlyMap<string, Shape>,
      storedParameters: countStoredParameters({ tensors: g.tensors, nodes: order }),
      graphs: flat.scopes.map((s) => ({ path: s.path, storedParameters: countStoredParameters(s.graph) })),
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
  return build(file, src, size, options.baseDir ?? dirname(file), () => readFileSync(file), options);
}

/** Reads a checkpoint from bytes in memory (tests, webviews); external data resolves against baseDir. */
export function loadCheckpointBytes(bytes: Uint8Array, name = '<memory>', options: LoadOptions = {}): Checkpoint {
  if (bytes.length === 0) throw new CheckpointError(name, 'is empty (0 bytes): not an ONNX model');
  return build(name, new MemorySource(bytes), bytes.length, options.baseDir ?? process.cwd(), () => bytes, options);
}
