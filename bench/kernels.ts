// Per matrix: the singular values of W (Gram of the short side by onnxruntime + the WebAssembly
// tridiagonalization + QL) in float32 and float64, Lanczos for σ_max, and numpy in the same run
// (python3: Gram + eigvalsh in float64, as our solver computes; svdvals as WeightWatcher does).
// Prints times (median of 3) and ratios ours/numpy. Set BENCH_BIG=1 to add 2048² and 50257×768.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { singularValues, spectralNormLanczos } from '../src/engine/kernels';
import { wasmAvailable } from '../src/engine/kernels/wasm';

const sizes: [number, number][] = [[256, 256], [512, 4608], [768, 768], [768, 3072], [1024, 1024]];
if (process.env.BENCH_BIG) sizes.push([2048, 2048], [50257, 768]);

async function median(f: () => Promise<unknown> | unknown, n = 3): Promise<number> {
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    ts.push(performance.now() - t);
  }
  return ts.sort((a, b) => a - b)[Math.floor(n / 2)];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'theory-lens-kbench-'));
  console.log(`WebAssembly kernel: ${wasmAvailable() ? 'dist/eig.wasm (SIMD)' : 'not built — TypeScript fallback (run npm run build)'}`);
  console.log('matrix          ours f32   ours f64   lanczos   numpy Gram+eigvalsh   numpy svdvals   f32/numpy  f64/numpy');
  try {
    for (const [r, c] of sizes) {
      const w = new Float32Array(r * c);
      let a = 12345;
      for (let i = 0; i < w.length; i++) {
        a = (Math.imul(a, 1103515245) + 12345) >>> 0;
        w[i] = (a / 4294967296 - 0.5) * 0.05;
      }
      await singularValues(w, r, c, { precision: 'float32' }); // warm the sessions
      const f32 = await median(() => singularValues(w, r, c, { precision: 'float32' }));
      const f64 = await median(() => singularValues(w, r, c, { precision: 'float64' }));
      const lz = await median(() => spectralNormLanczos(w, r, c, { seed: 1 }), 1);
      const f = join(dir, 'w.bin');
      writeFileSync(f, new Uint8Array(w.buffer));
      const py = spawnSync('python3', ['-c', `
import numpy as np, time, json
W=np.fromfile('${f}',dtype=np.float32).reshape(${r},${c})
def med(fn):
    ts=[]
    for _ in range(3):
        t=time.perf_counter(); fn(); ts.append(time.perf_counter()-t)
    return sorted(ts)[1]*1000
g=med(lambda: np.linalg.eigvalsh(((W.T@W) if ${c}<=${r} else (W@W.T)).astype(np.float64)))
s=med(lambda: np.linalg.svd(W, compute_uv=False)) if ${r}*${c} <= 4e6 else float('nan')
print(json.dumps([g,s]))`], { encoding: 'utf8' });
      const [g, s] = py.status === 0 ? (JSON.parse(py.stdout) as number[]) : [NaN, NaN];
      const fmt = (x: number) => (Number.isFinite(x) ? `${x.toFixed(0)} ms` : 'n/a').padStart(10);
      console.log(`${`${r}×${c}`.padEnd(14)} ${fmt(f32)} ${fmt(f64)} ${fmt(lz)} ${fmt(g).padStart(21)} ${fmt(s).padStart(15)} ${(f32 / g).toFixed(2).padStart(10)}× ${(f64 / g).toFixed(2).padStart(9)}×`);
      if (py.status !== 0) console.log('  numpy not available: ' + (py.stderr || '').trim().split('\n').pop());
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
