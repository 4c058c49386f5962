// Layers measured in their stored orientation (Wᵀ for MatMul weights, GPT-2 Conv1D and embedding
// tables; src/engine/analyze.ts planTask): every metric must equal the one measured on W itself, the
// one-pass entry statistics must equal the separate sums, and the readers' stored views must hold the
// stored values (matrix() their transpose).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { loadCheckpoint } from '../../src/checkpoint/readers';
import { analyze } from '../../src/engine/analyze';
import { measureLayer, type LayerTaskOptions } from '../../src/engine/layers/measureLayer';
import { entryStats as entryStatsOf, froAndL21 } from '../../src/engine/metrics/shared';
import { transposeInto } from '../../src/input/transpose';
import { entrySumsWasm } from '../../src/engine/kernels/wasm';
import { ensureWasm } from '../kernels/helpers';
import { saveModel, values } from '../helpers/onnx-writer';
import { safetensorsBytes, tensor } from '../helpers/safetensors-writer';

before(ensureWasm);

const options: LayerTaskOptions = { precision: 'float32', convExact: true, convWeightWatcher: false, randomize: false, randomizeExact: false, seed: 0, esdMaxPoints: 2000, maxFullSpectrum: 4096 };

const naiveT = (a: ArrayLike<number>, r: number, c: number) => {
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j];
  return out;
};

test('transposeInto equals the element-by-element transpose (tile edges included)', () => {
  for (const [r, c] of [[1, 1], [1, 37], [37, 1], [31, 33], [32, 64], [70, 45], [100, 129]]) {
    const a = values(r * c, r * 7 + c);
    const out = new Float32Array(r * c);
    transposeInto(a, r, c, out);
    assert.deepEqual(out, naiveT(a, r, c), `${r}×${c}`);
  }
  assert.throws(() => transposeInto(new Float32Array(6), 2, 3, new Float32Array(5)), /holds 5 values/);
});

test('entryStats: one pass equals ℓ₁, ‖W‖_F, ‖Wᵀ‖₂,₁ and the non-finite counts, in both layouts, in WebAssembly and TypeScript', () => {
  for (const useWasm of [true, false]) entryStatsCase(useWasm);
});

function entryStatsCase(useWasm: boolean) {
  const entryStats = (m: Float32Array, r: number, c: number, t = false) => entryStatsOf(m, r, c, t, useWasm);
  const r = 23;
  const c = 57;
  // float32 values (as weights are), one entry in 11 forty times larger
  const w = Float32Array.from(values(r * c, 3), (x, i) => (i % 11 === 0 ? 40 * x : x));
  const wt = naiveT(w, r, c);
  let l1 = 0;
  for (const x of w) l1 += Math.abs(x);
  const ref = froAndL21(w, r, c);
  for (const s of [entryStats(w, r, c), entryStats(wt, r, c, true)]) {
    assert.equal(s.nan, 0);
    assert.equal(s.inf, 0);
    assert.ok(Math.abs(s.l1 - l1) <= 1e-12 * l1, `l1 ${s.l1} vs ${l1}`);
    assert.ok(Math.abs(s.fro - ref.fro) <= 1e-12 * ref.fro, `fro ${s.fro} vs ${ref.fro}`);
    assert.ok(Math.abs(s.l21 - ref.l21) <= 1e-12 * ref.l21, `l21 ${s.l21} vs ${ref.l21}`);
    assert.equal(s.maxAbs, Math.max(...Array.from(w, Math.abs)));
  }
  // max |w| wherever it sits: in a row's four-wide body or its tail (57 = 4·14 + 1), either sign
  for (const at of [0, 3, 56, 5 * c + 17, r * c - 1]) {
    for (const sign of [1, -1]) {
      const m = Float32Array.from(w);
      m[at] = sign * 1e4;
      for (const s of [entryStats(m, r, c), entryStats(naiveT(m, r, c), r, c, true)]) assert.equal(s.maxAbs, 1e4, `max at ${at}`);
    }
  }
  const bad = Float32Array.from(w);
  bad[5] = NaN;
  bad[6] = NaN;
  bad[100] = -Infinity;
  bad[r * c - 1] = Infinity;
  for (const s of [entryStats(bad, r, c), entryStats(naiveT(bad, r, c), r, c, true)]) {
    assert.equal(s.nan, 2);
    assert.equal(s.inf, 2);
    assert.ok(Number.isNaN(s.maxAbs));
    assert.ok(Number.isNaN(s.fro));
  }
}

test('entrySumsWasm: row and column sums of squares, Σ|w| and max |w| equal float64 loops, over one band or many (rows and columns not multiples of 4); null for a row longer than a band', () => {
  for (const [R, C] of [[1, 1], [5, 3], [23, 57], [64, 128], [301, 97]]) {
    const w = Float32Array.from(values(R * C, R + 3 * C), (x, i) => (i % 7 === 0 ? -30 * x : x));
    const rowRef = new Float64Array(R);
    const colRef = new Float64Array(C);
    let l1 = 0;
    let mx = 0;
    for (let i = 0; i < R; i++) {
      for (let j = 0; j < C; j++) {
        const v = w[i * C + j];
        rowRef[i] += v * v;
        colRef[j] += v * v;
        l1 += Math.abs(v);
        mx = Math.max(mx, Math.abs(v));
      }
    }
    for (const band of [undefined, C, 3 * C + 2, 1000]) {
      for (const mode of ['rows', 'cols'] as const) {
        const acc = new Float64Array(mode === 'rows' ? R : C).fill(-1);
        const got = entrySumsWasm(w, R, C, mode, acc, band)!;
        const ref = mode === 'rows' ? rowRef : colRef;
        for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(acc[i] - ref[i]) <= 1e-12 * ref[i], `${R}×${C} ${mode} band ${band}: ${i}: ${acc[i]} vs ${ref[i]}`);
        assert.ok(Math.abs(got.l1 - l1) <= 1e-12 * l1, `${R}×${C} l1 ${got.l1} vs ${l1}`);
        assert.equal(got.maxAbs, mx, `${R}×${C} ${mode} band ${band} max`);
      }
    }
  }
  assert.equal(entrySumsWasm(new Float32Array(10), 2, 5, 'rows', new Float64Array(2), 4), null);
  assert.throws(() => entrySumsWasm(new Float32Array(10), 2, 5, 'cols', new Float64Array(2)), /acc of 5/);
});

/** Every metric of W measured as W and as stored Wᵀ (with an init), relative agreement `tol`. */
async function sameBothWays(rows: number, cols: number, tol: number) {
  const w = values(rows * cols, rows + cols);
  const w0 = Float32Array.from(values(rows * cols, 99), (x) => 0.5 * x);
  const a = await measureLayer({ index: 0, name: 'W', matrix: w.slice(), init: w0.slice(), rows, cols, options });
  const b = await measureLayer({ index: 0, name: 'W', matrix: naiveT(w, rows, cols), init: naiveT(w0, rows, cols), transposed: true, rows, cols, options });
  const ids = Object.keys(a.metrics);
  assert.ok(ids.length >= 15, `${ids.length} metrics`);
  assert.deepEqual(Object.keys(b.metrics).sort(), ids.slice().sort());
  for (const id of ids) {
    const x = a.metrics[id];
    const y = b.metrics[id];
    if (x === null || y === null) {
      assert.equal(y, x, id);
      continue;
    }
    assert.ok(Math.abs(x - y) <= tol * Math.max(1, Math.abs(x)), `${rows}×${cols} ${id}: ${x} (W) vs ${y} (Wᵀ stored)`);
  }
  for (const q of ['fro', 'spec', 'l21', 'froDist', 'specDist', 'l21Dist'] as const) {
    assert.ok(Math.abs(a.quantities[q]! - b.quantities[q]!) <= tol * Math.abs(a.quantities[q]!), `${q}: ${a.quantities[q]} vs ${b.quantities[q]}`);
  }
}

test('every metric of a stored Wᵀ equals that of W: wide and tall, float64 solve (k ≤ 512), to 1e-9', async () => {
  await sameBothWays(60, 170, 1e-9);
  await sameBothWays(170, 60, 1e-9);
});

test('every metric of a stored Wᵀ equals that of W: float32 solve (k = 520), to 2e-4', async () => {
  // f32 Gram products summed in another order: eigenvalues agree to ~1e-6·λ_max; the power-law fits and
  // the ESD statistics built on them to 2e-4 relative
  await sameBothWays(520, 600, 2e-4);
});

test('ONNX MatMul weight [in, out]: storedMatrix is the initializer as stored, matrix() its transpose; analyze agrees both ways', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-stored-'));
  const [i, h, o] = [24, 40, 7];
  const w1 = values(i * h, 5);
  const w2 = values(h * o, 6);
  const file = saveModel({
    inputs: [{ name: 'x', shape: ['N', i] }], outputs: [{ name: 'y', shape: ['N', o] }],
    initializers: [{ name: 'fc1.weight', dims: [i, h], data: w1 }, { name: 'fc2.weight', dims: [o, h], data: w2 }],
    nodes: [
      { op: 'MatMul', name: '/fc1/MatMul', inputs: ['x', 'fc1.weight'], outputs: ['a'] },
      { op: 'Relu', inputs: ['a'], outputs: ['r'] },
      { op: 'Gemm', name: '/fc2/Gemm', inputs: ['r', 'fc2.weight'], outputs: ['y'], attrs: { transB: 1 } },
    ],
  }, dir);
  const ck = await loadCheckpoint(file);
  const [l1, l2] = ck.layers;
  assert.deepEqual(l1.matrixShape, [h, i]);
  const s1 = l1.storedMatrix!();
  assert.equal(s1.transposed, true);
  assert.deepEqual(s1.data, Float32Array.from(w1));
  assert.deepEqual(l1.matrix('float32'), naiveT(w1, i, h));
  const s2 = l2.storedMatrix!();
  assert.equal(s2.transposed, false);
  assert.deepEqual(s2.data, Float32Array.from(w2));
  // the report's numbers: the MatMul layer against a Gemm(transB) model of the same W
  const twin = saveModel({
    inputs: [{ name: 'x', shape: ['N', i] }], outputs: [{ name: 'y', shape: ['N', h] }],
    initializers: [{ name: 'fc1.weight', dims: [h, i], data: naiveT(w1, i, h) }],
    nodes: [{ op: 'Gemm', name: '/fc1/Gemm', inputs: ['x', 'fc1.weight'], outputs: ['y'], attrs: { transB: 1 } }],
  }, dir, 'twin.onnx');
  const [ra, rb] = [await analyze({ model: file, threads: 1 }), await analyze({ model: twin, threads: 1 })];
  for (const [id, x] of Object.entries(rb.layers[0].metrics)) {
    const y = ra.layers[0].metrics[id];
    if (id.startsWith('rand') || x === null) continue; // the shuffle permutes the stored entries: another draw
    assert.ok(y !== null && Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x)), `${id}: ${y} (MatMul) vs ${x} (Gemm)`);
  }
});

test('safetensors GPT-2 Conv1D [in, out] and embedding: stored views as stored, transposed flagged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-stored-st-'));
  const fc = values(6 * 10, 7);
  const wte = values(12 * 6, 8);
  const p = join(dir, 'm.safetensors');
  writeFileSync(p, safetensorsBytes([tensor('h.0.mlp.c_fc.weight', 'F32', [6, 10], fc), tensor('wte.weight', 'BF16', [12, 6], wte)]));
  const ck = await loadCheckpoint(p);
  const fcL = ck.layers.find((l) => l.name.includes('c_fc'))!;
  const emb = ck.layers.find((l) => l.name.includes('wte'))!;
  assert.deepEqual(fcL.storedMatrix!(), { data: Float32Array.from(fc), transposed: true });
  assert.deepEqual(fcL.matrix('float32'), naiveT(fc, 6, 10));
  const se = emb.storedMatrix!();
  assert.equal(se.transposed, true);
  assert.deepEqual(emb.matrix('float32'), naiveT(se.data, 12, 6));
});
