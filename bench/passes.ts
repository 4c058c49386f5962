// The passes over a layer's entries that moved into WebAssembly, each against the code path it replaced,
// in the same run, on GPT-2-shaped float32 matrices (one thread; interleaved, best of N):
//   - the randomization estimate's sample (sampleElements, half the entries): the bucket scatter through
//     an L2-sized WebAssembly stage vs the TypeScript scatter into the whole buffer (both then shuffle the
//     kept buckets in WebAssembly; the same sample, checked);
//   - a tall W's chunk transposed for the Gram: transposeWasm vs onnxruntime's Transpose (the same values,
//     checked);
//   - the entry statistics (ℓ₁, ‖W‖_F, row norms, max |w|): WebAssembly SIMD vs the TypeScript loop, stored
//     as W and as Wᵀ (equal to 1e-12 relative, checked).
// Prints ns per entry and the ratio new/previous. Not a test: nothing is asserted but the equalities.
//   node --import tsx bench/passes.ts [--repeat N]
import { gaussian, sampleElements, sampleScratchSize } from '../src/engine/kernels';
import { transposeModel } from '../src/engine/kernels/gram';
import { useWasmScatter } from '../src/engine/kernels/random';
import { transposeWasm, wasmAvailable } from '../src/engine/kernels/wasm';
import { entryStats } from '../src/engine/metrics/shared';
import { loadOrt } from '../src/engine/runtime/ort';

const args = process.argv.slice(2);
const at = args.indexOf('--repeat');
const REPEAT = at >= 0 ? Math.max(1, Number(args[at + 1])) : 5;
const shapes: [number, number][] = [[768, 3072], [3072, 768], [50257, 768]];

function weights(rows: number, cols: number, seed: number): Float32Array {
  const g = gaussian(seed);
  const w = new Float32Array(rows * cols);
  for (let i = 0; i < w.length; i++) w[i] = g() / Math.sqrt(cols);
  return w;
}

/** Best wall ms of each of two functions, run alternately REPEAT times after one warm-up each. */
async function pair(a: () => unknown, b: () => unknown): Promise<[number, number]> {
  await a();
  await b();
  let ta = Infinity;
  let tb = Infinity;
  for (let r = 0; r < REPEAT; r++) {
    let t = performance.now();
    await a();
    ta = Math.min(ta, performance.now() - t);
    t = performance.now();
    await b();
    tb = Math.min(tb, performance.now() - t);
  }
  return [ta, tb];
}

function row(what: string, n: number, [now, before]: [number, number]): string {
  const ns = (ms: number) => ((ms * 1e6) / n).toFixed(2);
  return `| ${what} | ${ns(now)} | ${ns(before)} | ${(now / before).toFixed(2)}× |`;
}

async function main(): Promise<void> {
  if (!wasmAvailable()) throw new Error('dist/eig.wasm is not built: run npm run build');
  const ort = loadOrt();
  const transpose = await ort.InferenceSession.create(transposeModel(1), { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all', enableCpuMemArena: false });
  console.log(`WebAssembly passes vs the code paths they replaced (one thread, best of ${REPEAT}, interleaved); ns per entry of W`);
  console.log('| pass, W | now | before | now/before |');
  console.log('|---|---|---|---|');
  for (const [rows, cols] of shapes) {
    const n = rows * cols;
    const w = weights(rows, cols, rows + cols);
    const tag = `${rows}×${cols}`;
    // the sample: half the entries, as the estimate's k = 2 blocks take
    const count = Math.floor(n / 2);
    const outA = new Float32Array(sampleScratchSize(n));
    const outB = new Float32Array(sampleScratchSize(n));
    const sample = await pair(
      () => sampleElements(w, count, 7, { out: outA }),
      () => {
        useWasmScatter(false);
        try {
          sampleElements(w, count, 7, { out: outB });
        } finally {
          useWasmScatter(undefined);
        }
      },
    );
    for (let i = 0; i < count; i++) if (outA[i] !== outB[i]) throw new Error(`${tag}: the two samples differ at ${i}`);
    console.log(row(`sample of n/2 (bucket scatter + shuffle), ${tag}`, n, sample));
    // a tall W's Gram transposes it (by chunks of ≤ 4 Mi entries: time one such chunk)
    if (rows > cols) {
      const r = Math.min(rows, Math.max(cols, Math.floor((1 << 22) / cols)));
      const chunk = w.subarray(0, r * cols);
      const tA = new Float32Array(r * cols);
      let tB: Float32Array = new Float32Array(0);
      const tr = await pair(
        () => transposeWasm(chunk, r, cols, tA),
        async () => {
          tB = (await transpose.run({ A: new ort.Tensor('float32', chunk, [r, cols]) })).At.data as Float32Array;
        },
      );
      for (let i = 0; i < tA.length; i++) if (tA[i] !== tB[i]) throw new Error(`${tag}: the two transposes differ at ${i}`);
      console.log(row(`transpose of a Gram chunk ${r}×${cols} (vs onnxruntime Transpose)`, r * cols, tr));
    }
    for (const stored of [false, true]) {
      const [R, C] = stored ? [cols, rows] : [rows, cols];
      const a = entryStats(w, R, C, stored, true);
      const b = entryStats(w, R, C, stored, false);
      for (const k of ['l1', 'fro', 'l21', 'maxAbs'] as const) {
        if (!(Math.abs(a[k] - b[k]) <= 1e-12 * Math.abs(b[k]))) throw new Error(`${tag}: entry statistics differ in ${k}: ${a[k]} vs ${b[k]}`);
      }
      const t = await pair(() => entryStats(w, R, C, stored, true), () => entryStats(w, R, C, stored, false));
      console.log(row(`entry statistics, ${stored ? 'stored as Wᵀ' : 'stored as W'}, ${tag}`, n, t));
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
