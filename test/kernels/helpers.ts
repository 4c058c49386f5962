// Shared by the kernel tests: an up-to-date dist/eig.wasm, a numpy runner, and matrices with known spectra.
import { requireEvidence } from '../helpers/evidence';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWasm } from '../../scripts/build-wasm.mjs';
import { gaussian } from '../../src/engine/kernels';

export const repoRoot = join(__dirname, '..', '..');

/** Rebuilds dist/eig.wasm when assembly/ is newer, so the tests always run the current kernels. */
export function ensureWasm(): Promise<string> {
  return buildWasm(repoRoot, join(repoRoot, 'dist'));
}

const havePython = (() => {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
/** A skip reason for node:test when numpy cannot be used, else false. */
export const noNumpy: string | false = requireEvidence(havePython || 'python3 with numpy is not available on this machine');

const dir = mkdtempSync(join(tmpdir(), 'tl-kernels-'));
let counter = 0;

/**
 * Runs a Python snippet with numpy imported as np. Each input array is written as raw float64 and bound
 * to a variable of the same name (a 1-D np.ndarray; reshape in the snippet). The snippet sets `out`
 * (anything json-serialisable after .tolist() of arrays), which is returned.
 */
export function numpy(code: string, inputs: Record<string, ArrayLike<number>> = {}): unknown {
  const lines = ['import numpy as np, json'];
  for (const [name, arr] of Object.entries(inputs)) {
    const f = join(dir, `${name}-${counter++}.bin`);
    writeFileSync(f, Buffer.from(Float64Array.from(arr as ArrayLike<number>).buffer));
    lines.push(`${name} = np.fromfile(${JSON.stringify(f)}, dtype=np.float64)`);
  }
  const outFile = join(dir, `out-${counter++}.json`);
  lines.push(code);
  lines.push('def _plain(x):\n  if isinstance(x, np.ndarray): return x.tolist()\n  if isinstance(x, (list, tuple)): return [_plain(y) for y in x]\n  if isinstance(x, dict): return {k: _plain(v) for k, v in x.items()}\n  if isinstance(x, np.generic): return x.item()\n  return x');
  lines.push(`open(${JSON.stringify(outFile)}, 'w').write(json.dumps(_plain(out)))`);
  execFileSync('python3', ['-c', lines.join('\n')], { stdio: ['ignore', 'inherit', 'inherit'] });
  return JSON.parse(readFileSync(outFile, 'utf8'));
}

/** Q of the QR (modified Gram–Schmidt, twice) of a seeded n×k Gaussian matrix: orthonormal columns, row-major n×k. */
export function orthonormal(n: number, k: number, seed: number): Float64Array {
  const g = gaussian(seed);
  const q = new Float64Array(n * k);
  const v = new Float64Array(n);
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < n; i++) v[i] = g();
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += v[i] * q[i * k + p];
        for (let i = 0; i < n; i++) v[i] -= d * q[i * k + p];
      }
    }
    let nv = 0;
    for (let i = 0; i < n; i++) nv += v[i] * v[i];
    nv = Math.sqrt(nv);
    for (let i = 0; i < n; i++) q[i * k + j] = v[i] / nv;
  }
  return q;
}

/** W = U·diag(s)·Vᵀ (rows×cols, float64) with orthonormal U, V from seeded QRs: its singular values are s. */
export function withSpectrum(rows: number, cols: number, s: number[], seed: number): Float64Array {
  const k = s.length;
  const U = orthonormal(rows, k, seed);
  const V = orthonormal(cols, k, seed + 7919);
  const US = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) for (let t = 0; t < k; t++) US[i * k + t] = U[i * k + t] * s[t];
  const w = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let a = 0;
      for (let t = 0; t < k; t++) a += US[i * k + t] * V[j * k + t];
      w[i * cols + j] = a;
    }
  }
  return w;
}

/** A seeded symmetric n×n matrix with standard normal entries (row-major, both triangles). */
export function randomSymmetric(n: number, seed: number): Float64Array {
  const g = gaussian(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = g();
  return a;
}

/** A seeded rows×cols matrix with N(0, scale²) entries. */
export function randomMatrix(rows: number, cols: number, seed: number, scale = 1): Float64Array {
  const g = gaussian(seed);
  return Float64Array.from({ length: rows * cols }, () => scale * g());
}

/** max_i |a_i − b_i| (lengths must match). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
