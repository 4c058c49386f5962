// Kernel benchmark: per weight matrix, our Gram + symmetric eigensolver (float32 and float64) and
// Lanczos σ_max, against numpy's LAPACK on the same matrices in the same run: Gram + eigvalsh (float32
// and float64 — what our solver computes) and svdvals (what WeightWatcher calls). Prints median wall
// times, ratios ours/numpy and the accuracy of every result against numpy's float64 eigvalsh. Not a
// test: nothing is asserted (speed is never asserted; the target is ours/numpy ≤ 1.5 for n ≤ 2048).
// Our kernels run as the engine runs them (kernels/svd.ts singularValues): the Gram told the entries are
// finite (the layer's one pass over its entries checks that), into reused buffers, lower triangle only.
//   node --import tsx bench/kernels.ts [--large] [--repeat N]
//   --large   also the 50257×768 token embedding of GPT-2 (slow to generate and to solve)
//   THEORY_LENS_BENCH_LARGE=1 (or BENCH_BIG=1) does the same (for npm run bench, which passes no flags)
// Results also go to bench-output/kernels.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { eigvalsSym, fitPowerLaw, gaussian, gram, gramBackend, spectralNormLanczos } from '../src/engine/kernels';
import { enableScratch } from '../src/engine/kernels/scratch';

const args = process.argv.slice(2);
const large = args.includes('--large') || process.env.THEORY_LENS_BENCH_LARGE === '1' || !!process.env.BENCH_BIG;
const repeatArg = args.indexOf('--repeat');
const repeatOverride = repeatArg >= 0 ? Number(args[repeatArg + 1]) : 0;
const shapes: [number, number][] = [[256, 256], [512, 4608], [768, 768], [768, 3072], [1024, 1024], [2048, 2048]];
if (large) shapes.push([50257, 768]);

/** N(0, 1/cols) entries plus a few scaled rows (a spectral tail, as in trained layers); seeded. */
function weights(rows: number, cols: number, seed: number): Float32Array {
  const g = gaussian(seed);
  const w = new Float32Array(rows * cols);
  const s = 1 / Math.sqrt(cols);
  for (let i = 0; i < w.length; i++) w[i] = s * g();
  const u = gaussian(seed + 1);
  for (let k = 0; k < 8; k++) {
    const r = Math.floor(Math.abs(u() * 1e6)) % rows;
    const f = 2 + Math.abs(u()) * 4;
    for (let c = 0; c < cols; c++) w[r * cols + c] *= f;
  }
  return w;
}

/**
 * Best wall time of `reps` runs after one untimed warm-up run (numpy's side is timed the same way): on a
 * machine shared with other work, interference only ever adds time, so the minimum is the estimate.
 */
async function timed<T>(reps: number, f: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  let best = Infinity;
  let value = await f();
  for (let r = 0; r < reps; r++) {
    (globalThis as { gc?: () => void }).gc?.();
    const t = performance.now();
    value = await f();
    best = Math.min(best, performance.now() - t);
  }
  return { ms: best, value };
}

const NUMPY = `
import sys, time, json, numpy as np
path, rows, cols, reps, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
W = np.fromfile(path, dtype=np.float32).reshape(rows, cols)
def best(f):
    v = f(); b = float('inf')
    for _ in range(reps):
        t = time.perf_counter(); v = f(); b = min(b, time.perf_counter() - t)
    return b * 1000, v
def gram_eig(X):
    G = X @ X.T if X.shape[0] <= X.shape[1] else X.T @ X
    return np.linalg.eigvalsh(G)
t32, _ = best(lambda: gram_eig(W))
t64, e64 = best(lambda: gram_eig(W.astype(np.float64)))
reps = reps if rows * cols < 1e7 else 1  # svdvals of the embedding takes seconds
tsv, _ = best(lambda: np.linalg.svd(W, compute_uv=False))
# WeightWatcher's power-law loop, vectorised per candidate (the convention of fitPowerLaw)
def fit(ev):
    x = np.sort(ev[ev > 1e-5]); N = len(x); best = None
    for i in range(N - 1):
        t = x[i:]; n = len(t); a = 1 + n / np.sum(np.log(t / x[i]))
        D = 1.0 if a <= 1 else np.max(np.abs(1 - (t / x[i]) ** (1 - a) - np.arange(n) / n))
        if best is None or D < best[1]: best = (a, D)
    return best
tfit, _ = best(lambda: fit(e64))
e64.astype(np.float64).tofile(out)
print(json.dumps({'gramEig32': t32, 'gramEig64': t64, 'svdvals': tsv, 'fit': tfit, 'threads': __import__('os').environ.get('OPENBLAS_NUM_THREADS', 'default')}))
`;

interface NumpyTimes { gramEig32: number; gramEig64: number; svdvals: number; fit: number }

function numpyRun(file: string, rows: number, cols: number, reps: number, eigFile: string): NumpyTimes | string {
  const r = spawnSync('python3', ['-c', NUMPY, file, String(rows), String(cols), String(reps), eigFile], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.error) return `python3 could not be started (${r.error.message})`;
  if (r.status !== 0) return /No module named .?numpy/.test(r.stderr) ? 'numpy is not installed for python3' : `python3 failed: ${r.stderr.trim().split('\n').pop()}`;
  return JSON.parse(r.stdout) as NumpyTimes;
}

function relErr(ours: Float64Array, ref: Float64Array): number {
  const top = Math.max(Math.abs(ref[0]), Math.abs(ref[ref.length - 1]));
  let m = 0;
  for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(ours[i] - ref[i]));
  return m / top;
}

const f0 = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const ratio = (a: number, b: number | undefined) => (b ? (a / b).toFixed(2) : '–');
const sci = (x: number) => x.toExponential(1);

async function main(): Promise<void> {
  enableScratch();
  const dir = mkdtempSync(join(tmpdir(), 'tl-bench-kernels-'));
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`Kernels: Gram (${gramBackend().backend}) + WebAssembly-SIMD eigensolver vs numpy ${''}(same run); ${cpus().length} cores (${cpu}), load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`Best wall ms of N runs after a warm-up run (N = 5, 3 for the largest); ratio = ours/numpy; err = max|Δλ|/λ_max against numpy float64 Gram + eigvalsh.`);
  if (!large) console.log('(the 50257×768 GPT-2 embedding is skipped; pass --large or THEORY_LENS_BENCH_LARGE=1)');
  const rowsOut: Record<string, unknown>[] = [];
  let numpyNote = '';
  const header = ['W', 'k', 'ours f32', '(gram+eig)', 'ours f64', 'Lanczos', 'iters', 'np f32', 'np f64', 'np svdvals', 'f32/np32', 'f32/np64', 'f64/np64', 'err f32', 'err f64', 'err Lanczos', 'fit ours', 'fit np'];
  const lines: string[][] = [];
  try {
    for (const [rows, cols] of shapes) {
      const k = Math.min(rows, cols);
      const reps = repeatOverride || (k * k * Math.max(rows, cols) > 4e9 ? 3 : 5);
      const w = weights(rows, cols, rows + cols);
      const file = join(dir, `w-${rows}x${cols}.f32`);
      writeFileSync(file, Buffer.from(w.buffer, w.byteOffset, w.byteLength));

      let gramMs = Infinity; // best of each part separately
      let eigMs = Infinity;
      const o32 = await timed(reps, async () => {
        const t = performance.now();
        const G = await gram(w, rows, cols, { finite: true, scratch: true });
        const t1 = performance.now();
        const e = eigvalsSym(G, k, { precision: 'float32' });
        gramMs = Math.min(gramMs, t1 - t);
        eigMs = Math.min(eigMs, performance.now() - t1);
        return e;
      });
      const o64 = await timed(reps, async () => eigvalsSym(await gram(w, rows, cols, { precision: 'float64', finite: true, scratch: true }), k, { precision: 'float64' }));
      const lz = await timed(reps, () => spectralNormLanczos(w, rows, cols));
      const fit = await timed(reps, () => fitPowerLaw(o64.value));

      const eigFile = join(dir, `e-${rows}x${cols}.f64`);
      const np = numpyRun(file, rows, cols, reps, eigFile);
      let err32 = NaN;
      let err64 = NaN;
      let errL = NaN;
      if (typeof np === 'string') numpyNote = np;
      else {
        const buf = readFileSync(eigFile);
        const ref = new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
        err32 = relErr(o32.value, ref);
        err64 = relErr(o64.value, ref);
        const lmax = ref[ref.length - 1];
        errL = Math.abs(lz.value.sigmaMax ** 2 - lmax) / lmax;
      }
      const n = typeof np === 'string' ? undefined : np;
      lines.push([
        `${rows}×${cols}`, String(k), f0(o32.ms), `${f0(gramMs)}+${f0(eigMs)}`, f0(o64.ms), f0(lz.ms), String(lz.value.iterations),
        n ? f0(n.gramEig32) : '–', n ? f0(n.gramEig64) : '–', n ? f0(n.svdvals) : '–',
        ratio(o32.ms, n?.gramEig32), ratio(o32.ms, n?.gramEig64), ratio(o64.ms, n?.gramEig64),
        n ? sci(err32) : '–', n ? sci(err64) : '–', n ? sci(errL) : '–', f0(fit.ms), n ? f0(n.fit) : '–',
      ]);
      rowsOut.push({ rows, cols, k, reps, ours: { gramEig32: o32.ms, gram32: gramMs, eig32: eigMs, gramEig64: o64.ms, lanczos: lz.ms, lanczosIterations: lz.value.iterations, fit: fit.ms }, numpy: n ?? null, err: { f32: err32, f64: err64, lanczos: errL } });
      console.log(`  ${rows}×${cols} done`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log();
  console.log(fmt(header));
  for (const l of lines) console.log(fmt(l));
  if (numpyNote) console.log(`\nnumpy is absent, so there is nothing to compare with: ${numpyNote}`);
  mkdirSync(join(__dirname, '..', 'bench-output'), { recursive: true });
  writeFileSync(join(__dirname, '..', 'bench-output', 'kernels.json'), JSON.stringify({ date: new Date().toISOString(), cpu, loadavg: loadavg(), gram: gramBackend(), results: rowsOut }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
