// Probe data for forward passes: inputs and labels from an .npz (or an .npy of inputs with its labels
// in a sibling file), validated before any forward pass, then checked against the model's input.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { quoteName } from '../input/error';
import { LIMITS, showDims } from '../input/limits';
import type { ValueInfo } from '../onnx/types';
import { elementAt, parseNpy, ProbeError, type NpyArray } from './npy';
import { readNpz } from './npz';

export { ProbeError };

/** Array names tried, in order, when no key is given. */
export const INPUT_KEYS = ['x', 'inputs', 'images', 'data', 'X'];
export const LABEL_KEYS = ['y', 'labels', 'targets', 'Y'];
/** Optional class-count declarations: a scalar (num_classes) or a 1-D array of class ids (classes). */
const CLASS_KEYS = ['num_classes', 'n_classes', 'classes'];

export interface Probe {
  path: string;
  /** Inputs as float32, examples first, C order. */
  x: Float32Array;
  /** Shape of x as stored, examples first. */
  xShape: number[];
  /** Class index per example. */
  y: Int32Array;
  /** Number of classes K when known (given by the caller, or declared in the file). */
  classes?: number;
  inputKey: string;
  labelKey: string;
  /** Number of examples. */
  n: number;
  /** Things worth saying that are not errors (one-hot labels reduced, uint8 inputs, Fortran order). */
  warnings: string[];
}

export interface ProbeKeys {
  xKey?: string;
  yKey?: string;
  /** Number of classes of the model: labels must lie in [0, classes). */
  classes?: number;
}

function readFile(path: string): Uint8Array {
  if (!existsSync(path)) throw new ProbeError(path, 'no such file');
  const st = statSync(path);
  if (st.isDirectory()) throw new ProbeError(path, 'is a folder, not an .npz/.npy file');
  if (st.size > 4 * LIMITS.maxProbeBytes) throw new ProbeError(path, `is ${st.size} bytes, more than the probe file limit of ${4 * LIMITS.maxProbeBytes} bytes (1 GiB); save a smaller probe`);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ProbeError(path, `cannot be read: ${(e as Error).message}`);
  }
}

/** Lazily loaded arrays of a probe file. */
type Source = Map<string, () => NpyArray>;

function openSource(path: string): Source {
  const bytes = readFile(path);
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b;
  if (path.toLowerCase().endsWith('.npy') && !isZip) {
    const src: Source = new Map([['x', () => parseNpy(bytes, path)]]);
    const stem = path.replace(/(_x|_inputs|_images)?\.npy$/i, '');
    for (const suffix of ['_y.npy', '_labels.npy']) {
      const labels = stem + suffix;
      if (labels !== path && existsSync(labels)) {
        src.set('y', () => parseNpy(readFile(labels), labels));
        break;
      }
    }
    return src;
  }
  if (!isZip) throw new ProbeError(path, 'not an .npz archive (no zip signature) nor an .npy array');
  const members = readNpz(bytes, path);
  return new Map([...members].map(([k, m]) => [k, () => m.load()]));
}

/**
 * Loads a probe: inputs under `x`/`inputs`/`images`/`data` (or keys.xKey), labels under
 * `y`/`labels`/`targets` (or keys.yKey). Labels may be integers, integer-valued floats, bools, or
 * one-hot / probability rows (reduced by argmax, with a warning). Errors name the file and the problem.
 */
export function loadProbe(path: string, keys: ProbeKeys = {}): Probe {
  const src = openSource(path);
  const warnings: string[] = [];
  const have = () => [...src.keys()].map((k) => `'${k}'`).join(', ') || 'no arrays';
  const pick = (wanted: string | undefined, candidates: string[], what: string): [string, NpyArray] => {
    const names = wanted ? [wanted] : candidates;
    for (const k of names) {
      const load = src.get(k);
      if (load) return [k, load()];
    }
    const hint = path.toLowerCase().endsWith('.npy') && what === 'label' ? ' (for an .npy of inputs, put the labels in NAME_y.npy beside it)' : ' (choose with --data-keys X,Y or the probe-keys setting)';
    throw new ProbeError(path, `no ${what} array: looked for ${names.map((k) => `'${k}'`).join(', ')}; the file has ${have()}${hint}`);
  };
  const [inputKey, xa] = pick(keys.xKey, INPUT_KEYS, 'input');
  const [labelKey, ya] = pick(keys.yKey, LABEL_KEYS, 'label');
  if (xa.shape.length < 1) throw new ProbeError(path, `'${inputKey}' is a scalar; inputs need an examples axis first`);
  const n = xa.shape[0];
  if (n === 0) throw new ProbeError(path, `'${inputKey}' has shape [${xa.shape.join(', ')}]: no examples`);
  if (xa.transposed) warnings.push(`'${inputKey}' was stored in Fortran order and has been transposed to C order`);

  // Labels: validated as integers in [0, K) in their own dtype (int64 as BigInt) before being narrowed
  // to int32; K is the class count when known, else the largest class index an int32 holds.
  if (ya.shape.length === 2 && ya.shape[1] > 1) warnings.push(`'${labelKey}' has shape ${showDims(ya.shape)}: one-hot/probability rows reduced to class indices by argmax`);
  else if (!(ya.shape.length === 1 || (ya.shape.length === 2 && ya.shape[1] === 1))) {
    throw new ProbeError(path, `${quoteName(labelKey)} has shape ${showDims(ya.shape)}; expected one class index per example`);
  }
  const count = ya.shape.length === 2 && ya.shape[1] > 1 ? ya.shape[0] : ya.data.length;
  if (count !== n) throw new ProbeError(path, `${quoteName(inputKey)} has ${n} examples but ${quoteName(labelKey)} has ${count} labels`);
  const classes = keys.classes ?? declaredClasses(src, path);
  const K = classes ?? LIMITS.maxClasses;
  const y = new Int32Array(n);
  const outOfRange = (i: number, v: string) => {
    if (classes !== undefined) return new ProbeError(path, `label ${i} is ${v}, out of range for ${classes} classes (labels must lie in 0…${classes - 1})`);
    return new ProbeError(path, `label ${i} is ${v}, larger than any class index (limit ${LIMITS.maxClasses - 1}); labels must be class indices`);
  };
  if (ya.shape.length === 2 && ya.shape[1] > 1) {
    const am = argmaxRows(ya);
    for (let i = 0; i < n; i++) {
      if (am[i] >= K) throw outOfRange(i, String(am[i]));
      y[i] = am[i];
    }
  } else if (ya.data instanceof BigInt64Array) {
    const big = BigInt(K);
    for (let i = 0; i < n; i++) {
      const v = ya.data[i];
      if (v < 0n) throw new ProbeError(path, `label ${i} is ${v}; labels must be non-negative class indices`);
      if (v >= big) throw outOfRange(i, String(v));
      y[i] = Number(v);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = Number(ya.data[i]);
      if (!Number.isFinite(v) || !Number.isInteger(v)) throw new ProbeError(path, `label ${i} is ${v}; labels must be integer class indices (dtype ${ya.dtype})`);
      if (v < 0) throw new ProbeError(path, `label ${i} is ${v}; labels must be non-negative class indices`);
      if (v >= K) throw outOfRange(i, String(v));
      y[i] = v;
    }
  }

  // Inputs.
  const per = xa.data.length / n;
  let x: Float32Array;
  if (xa.data instanceof Float32Array) x = xa.data;
  else {
    x = new Float32Array(xa.data.length);
    for (let i = 0; i < x.length; i++) x[i] = Number(xa.data[i]);
  }
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v - v !== 0) {
      const what = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
      throw new ProbeError(path, `'${inputKey}' contains ${what} at flat index ${i} (example ${Math.floor(i / per)}); inputs must be finite`);
    }
    if (xa.dtype === 'float64' && Math.abs(Number(xa.data[i])) > 3.4e38) {
      throw new ProbeError(path, `'${inputKey}' value ${Number(xa.data[i])} at flat index ${i} overflows float32`);
    }
  }
  if (xa.dtype === 'uint8') {
    let max = 0;
    for (let i = 0; i < x.length; i++) if (x[i] > max) max = x[i];
    if (max > 1) warnings.push(`'${inputKey}' is uint8 (values up to ${max}) and is fed as is: if the model was trained on x/255 or normalized inputs, save the probe preprocessed`);
  }
  return { path, x, xShape: xa.shape, y, ...(classes !== undefined ? { classes } : {}), inputKey, labelKey, n, warnings };
}

function declaredClasses(src: Source, path: string): number | undefined {
  for (const k of CLASS_KEYS) {
    const load = src.get(k);
    if (!load) continue;
    let a: NpyArray;
    try {
      a = load();
    } catch {
      continue; // e.g. an array of class-name strings: not needed
    }
    const K = a.shape.length === 0 ? elementAt(a, 0) : a.shape.length === 1 ? a.shape[0] : NaN;
    if (Number.isInteger(K) && K > 0) return K;
    throw new ProbeError(path, `'${k}' should be the number of classes (a positive integer scalar) or a 1-D array of classes; got shape [${a.shape.join(', ')}]`);
  }
  return undefined;
}

function argmaxRows(a: NpyArray): Float64Array {
  const [n, k] = a.shape;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (elementAt(a, i * k + j) > elementAt(a, i * k + best)) best = j;
    out[i] = best;
  }
  return out;
}

/** Dtypes of model inputs the probe can be fed as (cast from float32 at feed time). */
export const FEEDABLE_INPUT_DTYPES = ['float32', 'float16', 'float64'];

export interface ProbeFit {
  /** Per-example shape to feed (the model's, or the probe's when the model leaves it open). */
  perExample: number[];
  warnings: string[];
}

/**
 * Says whether the probe fits the model input (examples first). Same rank: every fixed model dim must
 * equal the probe's. Different rank: the probe is reshaped only when the model's per-example shape is
 * fully known and holds exactly as many values per example (e.g. [N, 784] → [N, 1, 28, 28]), with a
 * warning; anything else is an error saying what does not fit.
 */
export function checkProbeAgainstModel(probe: Probe, input: ValueInfo): ProbeFit {
  const show = (s: readonly (number | string | null)[]) => `[${s.map((d) => d ?? '?').join(', ')}]`;
  if (input.dtype && !FEEDABLE_INPUT_DTYPES.includes(input.dtype)) {
    throw new ProbeError(probe.path, `model input '${input.name}' is ${input.dtype}; forward passes feed floating-point probes (float32/float16/float64 inputs)`);
  }
  const given = probe.xShape.slice(1);
  const per = given.reduce((a, b) => a * b, 1);
  if (!input.shape) return { perExample: given, warnings: [] };
  if (input.shape.length === 0) throw new ProbeError(probe.path, `model input '${input.name}' is a scalar; it needs an examples (batch) axis`);
  const want = input.shape.slice(1);
  const mismatch = () => new ProbeError(probe.path, `probe '${probe.inputKey}' is ${show(probe.xShape)} but model input '${input.name}' is ${show(input.shape!)}`);
  if (want.length === given.length) {
    want.forEach((d, i) => {
      if (typeof d === 'number' && d !== given[i]) throw mismatch();
    });
    return { perExample: given, warnings: [] };
  }
  if (want.every((d): d is number => typeof d === 'number')) {
    const wantN = want.reduce((a, b) => a * b, 1);
    if (wantN === per) {
      return {
        perExample: want,
        warnings: [`probe '${probe.inputKey}' ${show(probe.xShape)} reshaped to [${probe.n}, ${want.join(', ')}] to fit model input '${input.name}' ${show(input.shape)} (same ${per} values per example, C order)`],
      };
    }
    const e = mismatch();
    throw new ProbeError(probe.path, `${e.problem}: ${per} values per example where the model needs ${wantN}`);
  }
  throw new ProbeError(probe.path, `${mismatch().problem}: the ranks differ and the model's per-example shape is not fully known, so the probe cannot be reshaped safely`);
}
