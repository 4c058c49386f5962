// A state dict (name → tensor, no graph) → the engine's Checkpoint/Layer model. Shared by the
// safetensors and torch.save readers. Each layer's matrix is built on demand from positional reads
// of its own span (one layer's float copy at a time); see roles.ts for how roles are decided.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError, type Checkpoint, type Layer, type LayerRole, type Tensor } from '../onnx/types';
import { decodeInto, ELEMENT_BYTES, FLOAT_DTYPES, MAX_DECODE_ELEMENTS, type FileTensor } from './fileTensor';
import { SPAN_DTYPES, type StoredSpan } from '../input/span';
import { findLoraConfig, loraScale, type LoraConfig } from './lora';
import { transposeInto } from '../input/transpose';
import { convGeometry, decideRole, type ModelConfig, type RoleRule } from './roles';

export interface StateEntry {
  name: string;
  tensor: FileTensor;
}

/** The [out, in] matrix as a block of the stored tensor seen as 2-D [R, C] (C = product of trailing dims). */
interface Block {
  r0: number;
  rows: number;
  c0: number;
  cols: number;
  /** The matrix is the block transposed (stored [in, out]). */
  t: boolean;
  /** Instead of rows r0…r0+rows: these stored rows, in order (per-head interleaved q/k/v). */
  rowMap?: Int32Array;
}

type Out = Float32Array | Float64Array;

function allocate(n: number, precision: 'float32' | 'float64', t: FileTensor): Out {
  if (n > MAX_DECODE_ELEMENTS) throw new CheckpointError(t.file, `matrix of ${n} elements is too large to measure in memory`, t.name);
  return precision === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/** Fills the matrix of `b` from the tensor's bytes, streaming only the rows the block covers. */
export function readBlock(t: FileTensor, b: Block, precision: 'float32' | 'float64', keepLayout = false): Out {
  if (b.t && !keepLayout && !b.rowMap) {
    // the block as stored, then one tiled transposition (not a scattered write per element)
    const v = readBlock(t, b, precision, true);
    const out = allocate(b.rows * b.cols, precision, t);
    transposeInto(v, b.rows, b.cols, out);
    return out;
  }
  const C = t.dims.length ? t.size / t.dims[0] : 1;
  const out = allocate(b.rows * b.cols, precision, t);
  if (b.rowMap) {
    // whole stored rows, picked one by one (each a positional read of its own span)
    b.rowMap.forEach((r, i) => t.forEachChunk(r * C, C, (bytes, n, first) => decodeTo(bytes, t, n, out, i * C + first - r * C)));
    return out;
  }
  const whole = b.c0 === 0 && b.cols === C;
  const decode = precision === 'float64' ? Float64Array : Float32Array;
  let tmp: Out | null = null;
  t.forEachChunk(b.r0 * C, b.rows * C, (bytes, n, first) => {
    if (whole) {
      // contiguous rows: decode straight into the result
      decodeTo(bytes, t, n, out, first - b.r0 * C);
      return;
    }
    if (!tmp || tmp.length < n) tmp = new decode(n);
    decodeTo(bytes, t, n, tmp, 0);
    const rel = first - b.r0 * C;
    let i = Math.floor(rel / C);
    let j = rel - i * C;
    for (let k = 0; k < n; k++) {
      const jj = j - b.c0;
      if (jj >= 0 && jj < b.cols) out[i * b.cols + jj] = tmp[k];
      if (++j === C) {
        j = 0;
        i++;
      }
    }
  });
  return out;
}

function decodeTo(bytes: Uint8Array, t: FileTensor, n: number, out: Out, at: number): void {
  decodeInto(bytes, t.dtype, n, out, at);
}

class StateLayer implements Layer {
  readonly node: string;
  constructor(
    readonly name: string,
    readonly op: string,
    readonly module: string | null,
    readonly role: LayerRole,
    readonly weight: FileTensor,
    readonly bias: Tensor | null,
    readonly order: number,
    private roleNote: string,
    private readonly block: Block,
    readonly part?: string,
    readonly conv?: Layer['conv'],
    /** LoRA: ΔW = scale·B·A from these two factors instead of a block of `weight`. */
    private readonly lora?: { a: FileTensor; b: FileTensor; scale: number },
  ) {
    this.node = module ?? name;
  }

  /** '' = the main graph (state dicts have one). */
  readonly graph = '';

  get notes(): Readonly<Record<string, string>> {
    return { role: this.roleNote };
  }

  /** Adds to the role note (tied weights found after the layer was made). */
  noteRole(extra: string): void {
    this.roleNote += extra;
  }

  get shape(): readonly number[] {
    return this.lora ? [this.lora.b.dims[0], this.lora.a.dims[1]] : this.weight.dims;
  }

  get matrixShape(): readonly [number, number] {
    if (this.lora) return [this.lora.b.dims[0], this.lora.a.dims[1]];
    const b = this.block;
    return b.t ? [b.cols, b.rows] : [b.rows, b.cols];
  }

  matrix(precision?: 'float32'): Float32Array;
  matrix(precision: 'float64'): Float64Array;
  matrix(precision: 'float32' | 'float64' = 'float32'): Float32Array | Float64Array {
    if (this.lora) return loraDelta(this.lora.a, this.lora.b, this.lora.scale, precision);
    return readBlock(this.weight, this.block, precision);
  }

  storedSpan(): { span: StoredSpan; transposed: boolean } | null {
    const b = this.block;
    const t = this.weight;
    const eb = ELEMENT_BYTES[t.dtype];
    const C = t.dims.length ? t.size / t.dims[0] : 1;
    if (this.lora || b.rowMap || !eb || !SPAN_DTYPES.has(t.dtype) || b.c0 !== 0 || b.cols !== C) return null;
    return { span: { file: t.file, offset: t.offset + b.r0 * C * eb, count: b.rows * b.cols, dtype: t.dtype, tensor: t.name }, transposed: b.t };
  }

  storedMatrix(): { data: Float32Array; transposed: boolean } {
    if (this.lora || this.block.rowMap) return { data: this.matrix('float32'), transposed: false };
    return { data: readBlock(this.weight, this.block, 'float32', true) as Float32Array, transposed: this.block.t };
  }
}

/** ΔW = scale·B·A, B [out, r], A [r, in], accumulated in float64. */
export function loraDelta(a: FileTensor, b: FileTensor, scale: number, precision: 'float32' | 'float64'): Out {
  const [r, inF] = [a.dims[0], a.dims[1]];
  const out = b.dims[0];
  const A = a.toFloat64();
  const B = b.toFloat64();
  const d = allocate(out * inF, precision, a);
  const row = new Float64Array(inF);
  for (let i = 0; i < out; i++) {
    row.fill(0);
    for (let k = 0; k < r; k++) {
      const bik = B[i * r + k];
      if (bik === 0) continue;
      const o = k * inF;
      for (let j = 0; j < inF; j++) row[j] += bik * A[o + j];
    }
    if (scale !== 1) for (let j = 0; j < inF; j++) row[j] *= scale;
    d.set(row, i * inF);
  }
  return d;
}

/** model_type and the head count from a Hugging Face config.json in `dir` ({} when there is none). */
function readModelConfig(dir: string, warnings: string[]): ModelConfig {
  const f = join(dir, 'config.json');
  if (!existsSync(f)) return {};
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(readFileSync(f, 'utf8'));
  } catch (e) {
    warnings.push(`${f}: not valid JSON (${(e as Error).message}): model_type and head count unknown`);
    return {};
  }
  if (!c || typeof c !== 'object') return {};
  const heads = [c.num_attention_heads, c.n_head].find((x) => Number.isSafeInteger(x) && (x as number) > 0) as number | undefined;
  return { ...(typeof c.model_type === 'string' ? { modelType: c.model_type } : {}), ...(heads ? { heads } : {}) };
}

/** Prefixes that wrappers add to every key: DataParallel/DDP `module.`, torch.compile `_orig_mod.`. */
const WRAPPER_PREFIXES = ['module.', '_orig_mod.'];

/** Removes a prefix every key carries; says so. */
export function stripWrapperPrefixes(entries: StateEntry[], warnings: string[]): StateEntry[] {
  let out = entries;
  for (let changed = true; changed; ) {
    changed = false;
    for (const p of WRAPPER_PREFIXES) {
      if (out.length && out.every((e) => e.name.startsWith(p))) {
        out = out.map((e) => ({ ...e, name: e.name.slice(p.length) }));
        warnings.push(`the '${p}' prefix every key carries (${p === 'module.' ? 'DataParallel/DistributedDataParallel' : 'torch.compile'}) was removed from the names`);
        changed = true;
      }
    }
  }
  return out;
}

const LORA = /^(.*)\.lora_([AB])(?:\.([^.]+))?\.weight$/;

export interface StateLayerOptions {
  /** The folder holding the file, where a PEFT adapter_config.json gives LoRA adapters their lora_alpha/r scale (lora.ts). */
  dir?: string;
  /** --input-shape: a conv layer's input size by tensor or module name ([H, W] or [N, C, H, W]). */
  inputShapes?: Readonly<Record<string, readonly number[]>>;
}

/**
 * A conv layer's geometry: groups, strides and dilations from the roles file, the input size from
 * --input-shape (by tensor or module name) or the roles file; the note says where each came from.
 */
function stateConv(name: string, module: string, dims: readonly number[], transposed: boolean, rules: readonly RoleRule[], o: StateLayerOptions, used: Set<string>, file: string): { conv: NonNullable<Layer['conv']>; note: string } {
  const kernel = dims.slice(2);
  const geo = convGeometry(name, rules);
  const from = geo ? `the roles file ('${geo.rule.pattern}')` : '';
  const bad = (problem: string): never => {
    throw new CheckpointError(file, problem, name);
  };
  const groups = geo?.conv.groups ?? 1;
  // Conv [out, in/groups, k…]: out divisible by groups; ConvTranspose [in, out/groups, k…]: in divisible.
  if (dims[0] % groups) bad(`groups ${groups} from ${from} does not divide the kernel's first dimension ${dims[0]}`);
  const vec = (key: 'strides' | 'dilations'): number[] => {
    const v = geo?.conv[key];
    if (!v) return kernel.map(() => 1);
    if (v.length !== kernel.length) bad(`${key} [${v.join(', ')}] from ${from} has ${v.length} values; this ${kernel.length}-D convolution needs ${kernel.length}`);
    return v;
  };
  const key = [name, module].find((k) => k && o.inputShapes?.[k]);
  if (key) used.add(key);
  const shape = key ? o.inputShapes![key] : geo?.conv.inputShape;
  const shapeFrom = key ? `--input-shape ${key}` : from;
  let inputSpatial: number[] | null = null;
  if (shape) {
    const inC = transposed ? dims[0] : dims[1] * groups;
    if (shape.length === kernel.length + 2) {
      if (shape[1] !== inC) bad(`input shape [${shape.join(', ')}] from ${shapeFrom} has ${shape[1]} channels; this convolution takes ${inC}${groups > 1 ? ` (${dims[1]} per group × ${groups} groups)` : ''}`);
      inputSpatial = shape.slice(2);
    } else if (shape.length === kernel.length) inputSpatial = [...shape];
    else bad(`input shape [${shape.join(', ')}] from ${shapeFrom} has ${shape.length} dims; this ${kernel.length}-D convolution needs its spatial size (${kernel.length} dims) or [N, C, …] (${kernel.length + 2})`);
  }
  const strides = vec('strides');
  const dilations = vec('dilations');
  const conv: NonNullable<Layer['conv']> = {
    kernel, group: groups, strides, pads: kernel.map(() => 0).concat(kernel.map(() => 0)), dilations, inputSpatial,
    ...(inputSpatial ? {} : { inputSpatialReason: `a state dict has no input sizes: give this layer's input with --input-shape ${module || name}=${kernel.length === 1 ? 'N,C,L' : 'N,C,H,W'} or in a roles file ({"${name}": {"inputShape": [${kernel.map(() => '…').join(', ')}]}})` }),
  };
  const parts = [
    geo?.conv.groups !== undefined ? `groups ${groups}` : '',
    geo?.conv.strides ? `strides ${strides.join('×')}` : '',
    geo?.conv.dilations ? `dilations ${dilations.join('×')}` : '',
  ].filter(Boolean);
  const note = (parts.length ? `; ${parts.join(', ')} from ${from}` : '') + (inputSpatial ? `; input ${inputSpatial.join('×')} from ${shapeFrom}` : '');
  return { conv, note };
}

/** Layers of a state dict, in stored order. */
export function buildStateLayers(entries: readonly StateEntry[], rules: readonly RoleRule[], file: string, opts: StateLayerOptions = {}): { layers: Layer[]; warnings: string[] } {
  const { dir } = opts;
  const usedShapes = new Set<string>();
  const warnings: string[] = [];
  const loraConfigs = new Map<string, LoraConfig | null>();
  let config: ModelConfig | undefined;
  const modelConfig = () => (config ??= dir === undefined ? {} : readModelConfig(dir, warnings));
  const byName = new Map(entries.map((e) => [e.name, e.tensor]));
  const layers: Layer[] = [];
  const firstOwner = new Map<string, string>();
  const tiedNotes = new Map<string, string[]>();
  const loraDone = new Set<string>();
  const add = (l: StateLayer) => layers.push(l);

  for (const { name, tensor: t } of entries) {
    const lora = LORA.exec(name);
    if (lora && !rules.some((r) => r.role && r.regex.test(name))) {
      const [, mod, ab, adapter] = lora;
      const key = `${mod}|${adapter ?? ''}`;
      if (loraDone.has(key)) continue;
      loraDone.add(key);
      const other = byName.get(`${mod}.lora_${ab === 'A' ? 'B' : 'A'}${adapter ? `.${adapter}` : ''}.weight`);
      const a = ab === 'A' ? t : other;
      const b = ab === 'B' ? t : other;
      if (!a || !b) {
        warnings.push(`${name}: LoRA factor without its lora_${ab === 'A' ? 'B' : 'A'} partner: not measured`);
        continue;
      }
      if (a.dims.length !== 2 || b.dims.length !== 2 || b.dims[1] !== a.dims[0] || !FLOAT_DTYPES.has(a.dtype) || !FLOAT_DTYPES.has(b.dtype)) {
        warnings.push(`${mod}: LoRA factors A [${a.dims.join(', ')}] and B [${b.dims.join(', ')}] do not multiply (B·A needs B [out, r], A [r, in]): not measured`);
        continue;
      }
      const base = [`${mod}.base_layer.weight`, `${mod}.weight`].find((n) => byName.has(n));
      const cfg = dir === undefined ? null : findLoraConfig(dir, adapter, loraConfigs, warnings);
      const s = loraScale(cfg, mod, a.dims[0]);
      if (s.warning) warnings.push(s.warning);
      const note = `LoRA adapter${adapter ? ` '${adapter}'` : ''}: lora_B·lora_A, [${b.dims[0]}, ${b.dims[1]}]·[${a.dims[0]}, ${a.dims[1]}] (rank ${a.dims[0]}); ${s.note}` +
        (base ? `; base weight ${base} is measured beside it` : '; no base weight in this file');
      add(new StateLayer(`${mod}.lora${adapter ? `.${adapter}` : ''}`, 'LoRA', mod, 'dense', a, null, layers.length, note, { r0: 0, rows: 0, c0: 0, cols: 0, t: false }, 'ΔW=B·A', undefined, { a, b, scale: s.scale }));
      continue;
    }
    const leafAt = name.lastIndexOf('.');
    const leaf = leafAt >= 0 ? name.slice(leafAt + 1) : name;
    let module = leafAt >= 0 ? name.slice(0, leafAt) : '';
    if (leaf === 'in_proj_weight') module = module ? `${module}.in_proj` : 'in_proj';
    if (module.endsWith('.base_layer')) module = module.slice(0, -'.base_layer'.length);
    const d = decideRole(name, module, leaf, t.dims, FLOAT_DTYPES.has(t.dtype), rules, /(^|\.)query_key_value$/.test(module) ? modelConfig() : {});
    if (d.role === 'parameter') continue;
    // Tied weights (an LM head sharing the embedding's storage) are one matrix: measured once.
    const owner = firstOwner.get(t.storageKey);
    if (owner) {
      const own = byName.get(owner)!;
      if (own.dims.join(',') === t.dims.join(',')) {
        tiedNotes.set(owner, [...(tiedNotes.get(owner) ?? []), name]);
        warnings.push(`${name} shares its storage with ${owner} (tied weights): measured once, as ${owner}`);
        continue;
      }
    }
    firstOwner.set(t.storageKey, name);
    const biasName = leaf === 'in_proj_weight' ? name.replace(/in_proj_weight$/, 'in_proj_bias') : module ? `${module}.bias` : 'bias';
    const biasT = byName.get(biasName) ?? (name.endsWith('.base_layer.weight') ? byName.get(name.replace(/weight$/, 'bias')) : undefined);
    const bias = biasT && biasT.dims.length === 1 && FLOAT_DTYPES.has(biasT.dtype) ? biasT : null;
    const dims = t.dims;
    const C = dims.slice(1).reduce((x, y) => x * y, 1);
    const nLayer = (role: LayerRole, op: string, block: Block, part?: string, conv?: Layer['conv'], b: Tensor | null = bias, extraNote = '') =>
      add(new StateLayer(name, op, module || null, role, t, b, layers.length, d.note + extraNote, block, part, conv));
    switch (d.role) {
      case 'linear':
        if (dims.length !== 2) warnings.push(`${name}: mapped to linear but is ${dims.length}-D: trailing dimensions flattened into the input`);
        nLayer('dense', 'Linear', { r0: 0, rows: dims[0], c0: 0, cols: C, t: false });
        break;
      case 'linear-transposed':
        nLayer('dense', 'Conv1D', { r0: 0, rows: dims[0], c0: 0, cols: C, t: true });
        break;
      case 'embedding':
        // As the ONNX reader does for Gather: the map one-hot(vocab) → dim, i.e. the table transposed.
        nLayer('embedding', 'Embedding', { r0: 0, rows: dims[0], c0: 0, cols: C, t: true }, undefined, undefined, null);
        break;
      case 'fused-qkv-heads': {
        // [3·d, in] as [heads, 3, head_dim, in]: part p takes rows h·3·hd + p·hd … + hd of every head h
        const heads = d.heads!;
        const hd = dims[0] / 3 / heads;
        ['q', 'k', 'v'].forEach((p, k) => {
          const rowMap = new Int32Array(heads * hd);
          for (let h = 0; h < heads; h++) for (let j = 0; j < hd; j++) rowMap[h * hd + j] = h * 3 * hd + k * hd + j;
          nLayer('dense', 'Linear', { r0: 0, rows: heads * hd, c0: 0, cols: C, t: false, rowMap }, p, undefined, k === 0 ? bias : null);
        });
        break;
      }
      case 'fused-qkv':
      case 'fused-qkv-transposed': {
        const transposed = d.role === 'fused-qkv-transposed';
        if (dims.length !== 2 || (transposed ? C : dims[0]) % 3 !== 0) throw new CheckpointError(file, `fused q/k/v tensor of shape [${dims.join(', ')}] does not split into 3 equal blocks`, name);
        const parts = ['q', 'k', 'v'];
        // the fused bias is one tensor: counted with the q part
        parts.forEach((p, k) => {
          const block: Block = transposed
            ? { r0: 0, rows: dims[0], c0: (k * C) / 3, cols: C / 3, t: true }
            : { r0: (k * dims[0]) / 3, rows: dims[0] / 3, c0: 0, cols: C, t: false };
          nLayer('dense', transposed ? 'Conv1D' : 'Linear', block, p, undefined, k === 0 ? bias : null);
        });
        break;
      }
      case 'conv':
      case 'conv-transposed': {
        if (dims.length < 3) throw new CheckpointError(file, `mapped to ${d.role} but is ${dims.length}-D (a convolution kernel is 3-, 4- or 5-D)`, name);
        const transposed = d.role === 'conv-transposed';
        const { conv, note } = stateConv(name, module, dims, transposed, rules, opts, usedShapes, file);
        nLayer(transposed ? 'convTranspose' : 'conv', transposed ? 'ConvTranspose' : `Conv${conv.kernel.length}d`, { r0: 0, rows: dims[0], c0: 0, cols: C, t: transposed }, undefined, conv, bias, note);
        break;
      }
    }
  }
  for (const k of Object.keys(opts.inputShapes ?? {})) {
    if (!usedShapes.has(k)) warnings.push(`--input-shape ${k}: no convolution of this state dict has that tensor or module name (e.g. ${layers.find((l) => l.conv)?.module ?? 'features.0'}); ignored`);
  }
  for (const l of layers as StateLayer[]) {
    const tied = tiedNotes.get(l.name);
    if (tied) l.noteRole(`; tied with ${tied.join(', ')} (same storage, measured once)`);
  }
  return { layers, warnings };
}

export interface StateDictInfo {
  path: string;
  fileSize: number;
  format: 'safetensors' | 'pytorch';
  producer: string;
  producerVersion?: string | null;
  entries: StateEntry[];
  metadata?: Record<string, string>;
  warnings: string[];
  rules: readonly RoleRule[];
  baseDir: string;
  inputShapes?: Readonly<Record<string, readonly number[]>>;
}

/** The Checkpoint of a state dict: no graph, no inputs/outputs, layers from names and shapes. */
export function stateDictCheckpoint(info: StateDictInfo): Checkpoint {
  const warnings = [...info.warnings];
  const entries = stripWrapperPrefixes(info.entries, warnings);
  const { layers, warnings: lw } = buildStateLayers(entries, info.rules, info.path, { dir: info.baseDir, ...(info.inputShapes ? { inputShapes: info.inputShapes } : {}) });
  warnings.push(...lw);
  let stored = 0;
  const seen = new Set<string>();
  for (const e of entries) {
    if (!FLOAT_DTYPES.has(e.tensor.dtype) || seen.has(e.tensor.storageKey)) continue;
    seen.add(e.tensor.storageKey);
    stored += e.tensor.size;
  }
  return {
    path: info.path, fileSize: info.fileSize, baseDir: info.baseDir,
    format: info.format,
    ...(info.metadata && Object.keys(info.metadata).length ? { metadata: info.metadata } : {}),
    irVersion: null, producer: info.producer, producerVersion: info.producerVersion ?? null, opset: null, graphName: null,
    inputs: [], outputs: [],
    tensors: new Map(entries.map((e) => [e.name, e.tensor])),
    nodes: [], layers, valueShapes: new Map(), storedParameters: stored, graphs: [{ path: '', storedParameters: stored }], warnings,
    readBytes: () => {
      throw new CheckpointError(info.path, `is a ${info.format} state dict, not an ONNX graph: forward passes need an ONNX export`);
    },
  };
}
