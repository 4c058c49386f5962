// Probe data for forward passes: inputs and labels from an .npz (or an .npy of inputs alone, with the
// labels in a sibling file), validated before any forward pass, and checked against the model's input.
import { existsSync, readFileSync } from 'node:fs';
import { parseNpy, ProbeError, type NpyArray } from './npy';
import { parseNpz } from './npz';

export { ProbeError };

export const INPUT_KEYS = ['x', 'inputs', 'images', 'data', 'X'];
export const LABEL_KEYS = ['y', 'labels', 'targets', 'Y'];

export interface Probe {
  path: string;
  x: Float32Array;
  /** Shape of x, examples first. */
  xShape: number[];
  y: Int32Array;
  inputKey: string;
  labelKey: string;
  /** Examples. */
  n: number;
}

export function loadProbe(path: string, keys: { x?: string; y?: string } = {}): Probe {
  if (!existsSync(path)) throw new ProbeError(path, 'no such file');
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ProbeError(path, `cannot be read: ${(e as Error).message}`);
  }
  let arrays: Map<string, NpyArray>;
  if (path.endsWith('.npy')) {
    arrays = new Map([['x', parseNpy(bytes, path)]]);
    const labels = path.replace(/(_x|_inputs)?\.npy$/, '_y.npy');
    if (labels !== path && existsSync(labels)) arrays.set('y', parseNpy(readFileSync(labels), labels));
  } else arrays = parseNpz(bytes, path);
  const pick = (wanted: string | undefined, candidates: string[], what: string): [string, NpyArray] => {
    const names = wanted ? [wanted] : candidates;
    for (const k of names) {
      const a = arrays.get(k);
      if (a) return [k, a];
    }
    throw new ProbeError(path, `no ${what} array: looked for ${names.map((k) => `'${k}'`).join(', ')}; the file has ${[...arrays.keys()].map((k) => `'${k}'`).join(', ') || 'no arrays'} (choose with --data-keys X,Y or the probe-keys setting)`);
  };
  const [inputKey, xa] = pick(keys.x, INPUT_KEYS, 'input');
  const [labelKey, ya] = pick(keys.y, LABEL_KEYS, 'label');
  if (xa.shape.length < 1 || xa.shape[0] === 0) throw new ProbeError(path, `'${inputKey}' has shape [${xa.shape.join(', ')}]: no examples`);
  if (!['float32', 'float64', 'float16', 'uint8', 'int8', 'int16', 'int32', 'int64', 'uint16'].includes(xa.dtype)) {
    throw new ProbeError(path, `'${inputKey}' has dtype ${xa.dtype}; inputs must be numeric`);
  }
  const n = xa.shape[0];
  const labels = ya.shape.length === 2 && ya.shape[1] > 1 ? argmaxRows(ya, path, labelKey) : ya;
  if (labels.shape.length !== 1 && !(labels.shape.length === 2 && labels.shape[1] === 1)) {
    throw new ProbeError(path, `'${labelKey}' has shape [${ya.shape.join(', ')}]; expected one class index per example`);
  }
  if (labels.data.length !== n) throw new ProbeError(path, `'${inputKey}' has ${n} examples but '${labelKey}' has ${labels.data.length} labels`);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels.data[i];
    if (!Number.isInteger(v) || v < 0) throw new ProbeError(path, `label ${i} is ${v}; labels must be non-negative class indices`);
    y[i] = v;
  }
  const x = new Float32Array(xa.data.length);
  for (let i = 0; i < x.length; i++) {
    const v = xa.data[i];
    if (!Number.isFinite(v)) throw new ProbeError(path, `'${inputKey}' contains ${v} at flat index ${i} (example ${Math.floor(i / (x.length / n))}); inputs must be finite`);
    x[i] = v;
  }
  return { path, x, xShape: xa.shape, y, inputKey, labelKey, n };
}

function argmaxRows(a: NpyArray, path: string, key: string): NpyArray {
  const [n, k] = a.shape;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (a.data[i * k + j] > a.data[i * k + best]) best = j;
    out[i] = best;
  }
  void path;
  void key;
  return { dtype: 'int64', shape: [n], data: out };
}

/**
 * Fits the probe to the model's input shape (examples first). A probe whose per-example element count
 * matches but whose rank differs is reshaped, with a note; anything else is an error saying what does not fit.
 */
export function fitProbeToInput(probe: Probe, input: { name: string; shape: (number | string | null)[] | null }): { perExample: number[]; note?: string } {
  const given = probe.xShape.slice(1);
  const per = given.reduce((a, b) => a * b, 1);
  const want = input.shape ? input.shape.slice(1) : null;
  const show = (s: (number | string | null)[]) => `[${s.map((d) => d ?? '?').join(', ')}]`;
  if (!want || want.some((d) => typeof d !== 'number')) {
    return { perExample: given };
  }
  const wantN = (want as number[]).reduce((a, b) => a * b, 1);
  if (want.length === given.length && want.every((d, i) => d === given[i])) return { perExample: given };
  if (wantN === per) {
    return { perExample: want as number[], note: `probe '${probe.inputKey}' ${show(probe.xShape)} reshaped to [N, ${want.join(', ')}] to fit model input '${input.name}' ${show(input.shape!)}` };
  }
  throw new ProbeError(probe.path, `probe '${probe.inputKey}' is ${show(probe.xShape)} but model input '${input.name}' is ${show(input.shape!)}: ${per} values per example where the model needs ${wantN}`);
}
