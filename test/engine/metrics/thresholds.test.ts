// Relative numerical thresholds: α is scale invariant (W and 1e-4·W give the same fit; WeightWatcher's
// absolute 1e-5 floor refused the small one), a numerically singular layer's condition number is null
// with the reason instead of round-off noise (numpy's cond says ~1e16+ where the old code printed ~1e8),
// a well-conditioned one equals numpy's, and every null metric carries a note.
import { requireEvidence } from '../../helpers/evidence';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { measureLayer, type LayerTaskOptions } from '../../../src/engine/layers/measureLayer';
import { noNumpy, numpy, randomMatrix } from '../../kernels/helpers';

const options: LayerTaskOptions = { precision: 'float32', convExact: true, convWeightWatcher: false, randomize: true, randomizeExact: false, seed: 0, esdMaxPoints: 2000, maxFullSpectrum: 4096 };
const run = (w: Float32Array, rows: number, cols: number, o: Partial<LayerTaskOptions> = {}) => measureLayer({ index: 0, name: 'w', matrix: w, rows, cols, options: { ...options, ...o } });

test('α, x_min/λ_max and D are the same for W and 1e-4·W (rel. 1e-4: its float32 entries round differently) and 2⁻¹⁴·W (rel. 1e-12); all fitted', async () => {
  for (const [rows, cols, seed] of [[60, 90, 1], [700, 600, 2]] as const) {
    const w = Float32Array.from(randomMatrix(rows, cols, seed));
    for (let i = 0; i < 40; i++) w[i * 7] *= 8; // a heavier tail
    const small = Float32Array.from(w, (x) => x * 1e-4);
    // 1e-4 is not a power of two: the float32 entries differ in rounding; the spectrum scales by 1e-8 up to that
    const a = await run(w, rows, cols);
    const b = await run(small, rows, cols);
    assert.ok(a.metrics.alpha !== null && b.metrics.alpha !== null, `${rows}×${cols}: fitted (${b.notes.alpha ?? ''})`);
    const rel = (x: number, y: number) => Math.abs(x - y) / Math.abs(y);
    assert.ok(rel(b.metrics.alpha!, a.metrics.alpha!) < 1e-4, `α ${b.metrics.alpha} vs ${a.metrics.alpha}`);
    assert.ok(rel(b.metrics.xmin! / 1e-8, a.metrics.xmin!) < 1e-4, 'x_min scales with λ');
    assert.ok(Math.abs(b.metrics.ksDistance! - a.metrics.ksDistance!) < 1e-4, 'D');
  }
  // exactly scale-invariant when the scale is a power of two (no rounding): identical fits
  const w = Float32Array.from(randomMatrix(40, 70, 3));
  const s = Float32Array.from(w, (x) => x * 2 ** -14);
  const [a, b] = [await run(w, 40, 70), await run(s, 40, 70)];
  assert.ok(Math.abs(b.metrics.alpha! - a.metrics.alpha!) <= 1e-12 * a.metrics.alpha!, `α ${b.metrics.alpha} vs ${a.metrics.alpha}`);
  assert.ok(Math.abs(b.metrics.xmin! / 2 ** -28 - a.metrics.xmin!) <= 1e-12 * a.metrics.xmin!);
});

test('condition number: null "numerically singular" for a rank-deficient layer, numpy\'s value for a well-conditioned one', { skip: requireEvidence(!noNumpy || noNumpy) }, async () => {
  // rows 10…23 repeat rows 0…9 exactly: the stored float32 matrix has rank 10 of 24
  const rows = 24;
  const cols = 40;
  const base = Float32Array.from(randomMatrix(10, cols, 4));
  const w = Float32Array.from({ length: rows * cols }, (_, i) => base[(Math.floor(i / cols) % 10) * cols + (i % cols)]);
  const truth = numpy(`out = float(np.linalg.cond(w.reshape(${rows}, ${cols})))`, { w }) as number;
  assert.ok(truth > 1e14, `numpy: κ = ${truth}`);
  for (const precision of ['float32', 'float64'] as const) {
    for (const [r, c, m] of [[rows, cols, w], [600, 520, null]] as const) {
      let mat = m as Float32Array | null;
      if (!mat) {
        // a large rank-deficient layer (Gram path): 600×520, rows 300…599 repeat rows 0…299
        const half = Float32Array.from(randomMatrix(300, c, 6));
        mat = Float32Array.from({ length: r * c }, (_, i) => half[(Math.floor(i / c) % 300) * c + (i % c)]);
      }
      const res = await run(mat, r, c, { precision, randomize: false });
      assert.equal(res.metrics.conditionNumber, null, `${r}×${c} ${precision}: κ = ${res.metrics.conditionNumber}`);
      assert.match(res.notes.conditionNumber, /numerically singular: .*n·ε/);
    }
  }
  const good = Float32Array.from(randomMatrix(30, 50, 8));
  const ref = numpy('out = float(np.linalg.cond(w.reshape(30, 50).astype(np.float64)))', { w: good }) as number;
  const r = await run(good, 30, 50);
  assert.ok(Math.abs(r.metrics.conditionNumber! - ref) <= 1e-9 * ref, `κ ${r.metrics.conditionNumber} vs numpy ${ref}`);
});

test('every null metric of a layer carries a note (degenerate layers: too few eigenvalues, all zero, rank one)', async () => {
  const rankOne = new Float32Array(12 * 15);
  for (let i = 0; i < 12; i++) for (let j = 0; j < 15; j++) rankOne[i * 15 + j] = (i + 1) * (j - 7);
  for (const [w, rows, cols] of [[Float32Array.from([1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0]), 3, 4], [new Float32Array(20), 4, 5], [rankOne, 12, 15]] as const) {
    const r = await run(w, rows, cols);
    for (const [id, v] of Object.entries(r.metrics)) if (v === null) assert.ok(r.notes[id], `${rows}×${cols}: ${id} is null without a note`);
  }
});
