// A GPT-2-small-sized checkpoint (12 blocks of 768×2304, 768×768, 768×3072, 3072×768 weights plus the
// 50257×768 token embedding: 124 M parameters, ~500 MB), generated here, analysed end to end by
// analyze() (every per-layer metric, full spectra, power-law fits), and the same matrices given to
// numpy's LAPACK in the same run: Gram + eigvalsh (what our solver computes) and svdvals (what
// WeightWatcher calls). Prints wall times and ratios. Not a test: nothing is asserted.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../src/engine/analyze';
import { ProtoWriter } from '../src/onnx/protobuf';
import { mulberry32 } from '../src/engine/kernels/random';

const D = 768;
const BLOCKS = Number(process.env.GPT2_BLOCKS ?? 12);
const VOCAB = Number(process.env.GPT2_VOCAB ?? 50257);

/** Gaussian entries with a few heavy-tailed rows, so the power-law fits have a tail to find. */
function weights(rows: number, cols: number, seed: number): Float32Array {
  const rnd = mulberry32(seed);
  const w = new Float32Array(rows * cols);
  const s = 0.02;
  for (let i = 0; i < w.length; i += 2) {
    const u = rnd() || 1e-12;
    const v = rnd();
    const r = s * Math.sqrt(-2 * Math.log(u));
    w[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < w.length) w[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  for (let k = 0; k < 8; k++) {
    const row = Math.floor(rnd() * rows);
    const g = 1 + 10 * rnd();
    for (let c = 0; c < cols; c++) w[row * cols + c] *= g;
  }
  return w;
}

const tensorInfo = (w: ProtoWriter, field: number, name: string, dims: (number | string)[], elem = 1) =>
  w.message(field, (v) => {
    v.string(1, name);
    v.message(2, (t) => t.message(1, (tt) => {
      tt.int(1, elem);
      tt.message(2, (sh) => { for (const d of dims) sh.message(1, (dd) => (typeof d === 'number' ? dd.int(1, d) : dd.string(2, d))); });
    }));
  });

async function main(): Promise<void> {
const dir = mkdtempSync(join(tmpdir(), 'theory-lens-gpt2-'));
const model = join(dir, 'gpt2-small-like.onnx');
const bin = join(dir, 'matrices.bin');
try {
  const t0 = performance.now();
  const mats: { name: string; rows: number; cols: number; data: Float32Array }[] = [];
  mats.push({ name: 'wte.weight', rows: VOCAB, cols: D, data: weights(VOCAB, D, 1) });
  for (let b = 0; b < BLOCKS; b++) {
    mats.push({ name: `h.${b}.attn.c_attn.weight`, rows: D, cols: 3 * D, data: weights(D, 3 * D, 10 + b) });
    mats.push({ name: `h.${b}.attn.c_proj.weight`, rows: D, cols: D, data: weights(D, D, 100 + b) });
    mats.push({ name: `h.${b}.mlp.c_fc.weight`, rows: D, cols: 4 * D, data: weights(D, 4 * D, 1000 + b) });
    mats.push({ name: `h.${b}.mlp.c_proj.weight`, rows: 4 * D, cols: D, data: weights(4 * D, D, 10000 + b) });
  }
  const g = new ProtoWriter();
  g.message(1, (n) => n.string(1, 'wte.weight').string(1, 'ids').string(2, 'emb').string(3, '/wte/Gather').string(4, 'Gather'));
  for (const m of mats.slice(1)) {
    const mod = m.name.replace(/\.weight$/, '');
    const input = m.rows === 4 * D ? `${mod.replace('c_proj', 'c_fc')}_out` : 'x';
    g.message(1, (n) => n.string(1, input).string(1, m.name).string(2, `${mod}_out`).string(3, `/${mod.replace(/\./g, '/')}/MatMul`).string(4, 'MatMul'));
  }
  g.string(2, 'gpt2_small_like');
  for (const m of mats) {
    g.message(5, (t) => {
      t.packedVarints(1, [m.rows, m.cols]).int(2, 1).string(8, m.name);
      t.bytes(9, new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
    });
  }
  tensorInfo(g, 11, 'x', ['N', D]);
  tensorInfo(g, 11, 'ids', ['N'], 7);
  tensorInfo(g, 12, 'emb', ['N', D]);
  for (const m of mats.slice(1)) tensorInfo(g, 12, `${m.name.replace(/\.weight$/, '')}_out`, ['N', m.cols]);
  const w = new ProtoWriter();
  w.int(1, 8).string(2, 'theory-lens-bench').string(3, '0');
  w.message(8, (o) => o.string(1, '').int(2, 13));
  for (const c of [g]) w.message(7, (gg) => { for (const p of c.parts()) gg.raw(p); });
  writeFileSync(model, w.finish());
  const fd = openSync(bin, 'w');
  for (const m of mats) writeSync(fd, new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
  closeSync(fd);
  const params = mats.reduce((a, m) => a + m.data.length, 0);
  console.log(`generated ${mats.length} matrices, ${(params / 1e6).toFixed(1)} M parameters, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  mats.length = 0;
  (globalThis as { gc?: () => void }).gc?.();

  const threads = Math.min(availableParallelism(), 4);
  const runs: [string, Parameters<typeof analyze>[0]][] = [
    ['theory-lens, every metric (f32, randomization on)', { model, threads }],
    ['theory-lens, every metric but randomization (f32)', { model, threads, randomize: false }],
  ];
  const ours: number[] = [];
  for (const [label, opts] of runs) {
    const t = performance.now();
    const r = await analyze(opts);
    const s = (performance.now() - t) / 1000;
    ours.push(s);
    console.log(`${label}: ${s.toFixed(2)} s wall on ${threads} threads (${r.layers.length} layers; read ${(r.timings!.read / 1000).toFixed(2)} s, layers ${(r.timings!.layers / 1000).toFixed(2)} s)`);
  }

  const py = `
import numpy as np, time, json, sys
shapes = json.loads(sys.argv[2]); off = 0; tg = 0.0; ts = 0.0
for r, c in shapes:
    n = r * c
    W = np.fromfile(sys.argv[1], dtype=np.float32, count=n, offset=off).reshape(r, c); off += 4 * n
    t = time.perf_counter(); G = (W.T @ W) if c <= r else (W @ W.T); e = np.linalg.eigvalsh(G.astype(np.float64)); tg += time.perf_counter() - t
    t = time.perf_counter(); s = np.linalg.svd(W, compute_uv=False); ts += time.perf_counter() - t
print(json.dumps({"gram_eigvalsh": tg, "svdvals": ts, "numpy": np.__version__}))
`;
  const shapes = [[VOCAB, D], ...Array.from({ length: BLOCKS }, () => [[D, 3 * D], [D, D], [D, 4 * D], [4 * D, D]]).flat()];
  const p = spawnSync('python3', ['-c', py, bin, JSON.stringify(shapes)], { encoding: 'utf8' });
  if (p.status !== 0) {
    console.log(`numpy reference not run (python3 with numpy not available): ${(p.stderr || p.error?.message || '').trim().split('\n').pop()}`);
  } else {
    const r = JSON.parse(p.stdout.trim().split('\n').pop()!);
    console.log(`numpy ${r.numpy} over the same matrices: Gram + eigvalsh(f64) ${r.gram_eigvalsh.toFixed(2)} s, svdvals(f32) ${r.svdvals.toFixed(2)} s (compute only, no file reading, one process)`);
    console.log(`ratio theory-lens (all metrics incl. randomization = two spectra per layer, whole file) / numpy Gram+eigvalsh (one spectrum): ${(ours[0] / r.gram_eigvalsh).toFixed(2)}×; / numpy svdvals (WeightWatcher's kernel): ${(ours[0] / r.svdvals).toFixed(2)}×`);
    console.log(`ratio theory-lens without randomization (one spectrum per layer, as numpy) / numpy Gram+eigvalsh: ${(ours[1] / r.gram_eigvalsh).toFixed(2)}×; / numpy svdvals: ${(ours[1] / r.svdvals).toFixed(2)}×`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
