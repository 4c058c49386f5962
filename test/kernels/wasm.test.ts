// Building and finding dist/eig.wasm: skipped when up to date, found next to a bundle and from sources,
// and a clear error when it is not built.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import * as esbuild from 'esbuild';
import { eigvalsSym, gramWasm, spectralNormLanczos, wasmPath } from '../../src/engine/kernels';
import { ensureWasm, randomMatrix, randomSymmetric, repoRoot } from './helpers';

before(ensureWasm);

test('buildWasm skips an up-to-date module; the loader finds <repo>/dist/eig.wasm from sources', async () => {
  const out = join(repoRoot, 'dist', 'eig.wasm');
  const before = statSync(out).mtimeMs;
  assert.equal(await ensureWasm(), out);
  assert.equal(statSync(out).mtimeMs, before, 'not rebuilt');
  assert.equal(wasmPath(), out);
});

test('a bundle finds eig.wasm beside itself; without it the error says to run npm run build', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-wasm-'));
  const entry = join(dir, 'entry.ts');
  writeFileSync(entry, `import { eigvalsSym } from ${JSON.stringify(join(repoRoot, 'src', 'engine', 'kernels'))};
const n = 20, a = new Float64Array(n * n);
for (let i = 0; i < n; i++) a[i * n + i] = i;
try { console.log(JSON.stringify(Array.from(eigvalsSym(a, n)))); } catch (e) { console.log('ERROR ' + (e as Error).message); }
`);
  const withWasm = join(dir, 'with', 'dist');
  const without = join(dir, 'without', 'dist');
  for (const d of [withWasm, without]) {
    mkdirSync(d, { recursive: true });
    await esbuild.build({ entryPoints: [entry], outfile: join(d, 'main.js'), bundle: true, platform: 'node', format: 'cjs', external: ['onnxruntime-node'], logLevel: 'silent' });
  }
  copyFileSync(join(repoRoot, 'dist', 'eig.wasm'), join(withWasm, 'eig.wasm'));
  const run = (d: string) => spawnSync(process.execPath, [join(d, 'main.js')], { encoding: 'utf8' }).stdout.trim();
  assert.equal(run(withWasm), JSON.stringify(Array.from({ length: 20 }, (_, i) => i)));
  assert.match(run(without), /^ERROR the WebAssembly kernels \(eig\.wasm\) are not built: looked in .*without.*; run npm run build$/);
});

test('worker threads run their own module instances concurrently, with the main thread’s results', async () => {
  // different sizes per thread, so that each instance grows and reuses its memory independently
  const plans = [[120, 40, 200], [200, 33, 90]];
  const code = `require(${JSON.stringify(join(repoRoot, 'node_modules', 'tsx', 'dist', 'cjs', 'index.cjs'))}); require(${JSON.stringify(join(__dirname, 'kernelWorker.ts'))});`;
  const results = await Promise.all(plans.map((sizes) => new Promise<{ eig: number[]; gram: number[]; sigma: number }[]>((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { sizes } });
    w.once('message', (m) => { resolve(m); void w.terminate(); });
    w.once('error', reject);
  })));
  plans.forEach((sizes, t) => sizes.forEach((n, i) => {
    const w = Float32Array.from(randomMatrix(n, n + 7, n));
    assert.deepEqual(results[t][i].eig, Array.from(eigvalsSym(randomSymmetric(n, n), n)), `thread ${t}, n = ${n}`);
    assert.deepEqual(results[t][i].gram, Array.from(gramWasm(w, n, n + 7, 'float64').subarray(0, 5)));
    assert.equal(results[t][i].sigma, spectralNormLanczos(w, n, n + 7).sigmaMax);
  }));
});

test('transposeWasm: every entry in place, f32 and f64, shapes with and without full 4×4 / 32×32 tiles, in one band or several (of one row or more); a wrong size throws', async () => {
  const { transposeWasm } = await import('../../src/engine/kernels/wasm');
  for (const [r, c] of [[1, 1], [1, 9], [9, 1], [3, 5], [4, 4], [32, 32], [33, 70], [70, 33], [129, 64], [768, 100]]) {
    for (const T of [Float32Array, Float64Array]) {
      for (const band of [undefined, 3 * c + 1, 7]) {
        const w = new T(r * c);
        for (let i = 0; i < w.length; i++) w[i] = i + 0.5;
        const out = new T(r * c + 3).fill(-1);
        transposeWasm(w as Float32Array, r, c, out as Float32Array, band);
        for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) assert.equal(out[j * r + i], w[i * c + j], `${r}×${c} ${T.name} band ${band} (${i}, ${j})`);
        assert.deepEqual(Array.from(out.subarray(r * c)), [-1, -1, -1], 'nothing written past rows·cols');
      }
    }
  }
  assert.throws(() => transposeWasm(new Float32Array(6), 2, 4, new Float32Array(8)), /2×4/);
  assert.throws(() => transposeWasm(new Float32Array(6), 2, 3, new Float64Array(6) as unknown as Float32Array), /same type/);
});
