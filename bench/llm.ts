// `npm run bench:llm`: a Llama-7B-shaped checkpoint (hidden 4096, MLP 11008, vocab 32000; bf16,
// sharded safetensors with model.safetensors.index.json as save_pretrained writes it) with --blocks N
// of its 32 blocks at full width (default 2), generated here in streamed chunks. Then:
//   1. each matrix kind (attention 4096×4096, MLP up/gate 11008×4096, MLP down 4096×11008, the
//      embedding and the LM head) read from disk and measured as the engine does, one thread, and
//      numpy's Gram + eigvalsh (float64) on the same matrix in the same run: time and ratio;
//   2. the whole generated checkpoint through analyze() (the CLI's path: worker pool, positional reads),
//      its wall time and this process's peak RSS;
//   3. the extrapolated 32-block time: per-block cost × 32 + embedding + head.
// Options: --blocks N, --vocab V (e.g. 128256 for Llama-3's embedding), --no-full, --keep DIR.
// Not a test: nothing is asserted; numbers vary with machine load.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '../src/checkpoint/readers';
import { analyze, DEFAULTS } from '../src/engine/analyze';
import { gaussian } from '../src/engine/kernels/random';
import { measureLayer, type LayerTaskOptions } from '../src/engine/layers/measureLayer';
import type { FileTensor } from '../src/checkpoint/fileTensor';
import { writeStreaming, type StDType } from '../test/helpers/safetensors-writer';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const BLOCKS = Number(arg('--blocks', '2'));
const VOCAB = Number(arg('--vocab', '32000'));
const FULL = !process.argv.includes('--no-full');
const H = 4096;
const I = 11008;
const TOTAL_BLOCKS = 32;

type Spec = { name: string; dtype: StDType; shape: number[] };

/** bf16 Gaussian entries (σ = 0.02) in row chunks, plus a few scaled rows so fits have a tail. */
function fillBf16(seed: number, rows: number, cols: number, write: (b: Uint8Array) => void): void {
  const g = gaussian(seed);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const heavy = new Set(Array.from({ length: 8 }, (_, k) => (seed * 7919 + k * 104729) % rows));
  const rowsPer = Math.max(1, Math.floor((1 << 22) / cols));
  for (let r0 = 0; r0 < rows; r0 += rowsPer) {
    const n = Math.min(rowsPer, rows - r0);
    const out = new Uint16Array(n * cols);
    for (let i = 0; i < n; i++) {
      const s = heavy.has(r0 + i) ? 0.2 : 0.02;
      for (let j = 0; j < cols; j++) {
        f[0] = s * g();
        out[i * cols + j] = u[0] >>> 16;
      }
    }
    write(new Uint8Array(out.buffer));
  }
}

function generate(dir: string): number {
  const shards: Spec[][] = [[{ name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [VOCAB, H] }]];
  for (let b = 0; b < BLOCKS; b++) {
    const p = `model.layers.${b}`;
    shards.push([
      ...['q_proj', 'k_proj', 'v_proj', 'o_proj'].map((m) => ({ name: `${p}.self_attn.${m}.weight`, dtype: 'BF16' as StDType, shape: [H, H] })),
      { name: `${p}.mlp.gate_proj.weight`, dtype: 'BF16', shape: [I, H] },
      { name: `${p}.mlp.up_proj.weight`, dtype: 'BF16', shape: [I, H] },
      { name: `${p}.mlp.down_proj.weight`, dtype: 'BF16', shape: [H, I] },
      { name: `${p}.input_layernorm.weight`, dtype: 'BF16', shape: [H] },
      { name: `${p}.post_attention_layernorm.weight`, dtype: 'BF16', shape: [H] },
    ]);
  }
  shards.push([{ name: 'model.norm.weight', dtype: 'BF16', shape: [H] }, { name: 'lm_head.weight', dtype: 'BF16', shape: [VOCAB, H] }]);
  const weightMap: Record<string, string> = {};
  let seed = 1;
  let params = 0;
  shards.forEach((specs, k) => {
    const file = `model-${String(k + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
    writeStreaming(join(dir, file), specs, (i, write) => {
      const [r, c] = specs[i].shape.length === 2 ? specs[i].shape : [1, specs[i].shape[0]];
      fillBf16(seed++, r, c, write);
    }, { format: 'pt' });
    for (const s of specs) {
      weightMap[s.name] = file;
      params += s.shape.reduce((a, b) => a * b, 1);
    }
  });
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: params * 2 }, weight_map: weightMap }));
  return params;
}

const PY = `
import json, sys, time, numpy as np
path, off, r, c = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
W = (np.fromfile(path, dtype=np.uint16, count=r * c, offset=off).astype(np.uint32) << 16).view(np.float32).reshape(r, c)
t = time.perf_counter(); W64 = W.astype(np.float64); G = W64.T @ W64 if r >= c else W64 @ W64.T; e = np.linalg.eigvalsh(G); dt = time.perf_counter() - t
print(json.dumps({"s": dt, "lmax": float(e[-1]), "numpy": np.__version__}))
`;

async function main(): Promise<void> {
  const keep = arg('--keep', '');
  const dir = keep || mkdtempSync(join(tmpdir(), 'theory-lens-llm-'));
  if (keep) mkdirSync(dir, { recursive: true });
  try {
    let t = performance.now();
    const params = generate(dir);
    console.log(`generated a Llama-7B-shaped bf16 checkpoint with ${BLOCKS} of ${TOTAL_BLOCKS} blocks, vocab ${VOCAB}: ${(params / 1e9).toFixed(2)} B parameters (${((params * 2) / 2 ** 30).toFixed(2)} GiB) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const ckpt = await loadCheckpoint(dir);
    const kinds: [string, string, number][] = [
      ['attention q/k/v/o 4096×4096', 'model.layers.0.self_attn.q_proj.weight', 4],
      ['MLP gate/up 11008×4096', 'model.layers.0.mlp.gate_proj.weight', 2],
      ['MLP down 4096×11008', 'model.layers.0.mlp.down_proj.weight', 1],
      [`embedding ${VOCAB}×4096`, 'model.embed_tokens.weight', 0],
      [`LM head ${VOCAB}×4096`, 'lm_head.weight', 0],
    ];
    const opts: LayerTaskOptions = {
      precision: DEFAULTS.precision, convExact: false, convWeightWatcher: false, randomize: true, seed: 0,
      esdMaxPoints: DEFAULTS.esdMaxPoints, maxFullSpectrum: DEFAULTS.maxFullSpectrum,
    };
    const perKind = new Map<string, number>();
    console.log('\nper matrix kind, one thread (read = positional reads + bf16 decode; one spectrum = no randomization; numpy: Gram + eigvalsh in float64, default BLAS threads):');
    for (const [label, name, perBlock] of kinds) {
      const layer = ckpt.layers.find((l) => l.name === name)!;
      t = performance.now();
      const m = layer.matrix('float32');
      const read = performance.now() - t;
      const [rows, cols] = layer.matrixShape;
      t = performance.now();
      const one = await measureLayer({ index: 0, name, matrix: m, rows, cols, options: { ...opts, randomize: false } });
      const oneMs = performance.now() - t;
      t = performance.now();
      await measureLayer({ index: 0, name, matrix: m, rows, cols, options: opts });
      const allMs = performance.now() - t;
      const w = layer.weight as FileTensor;
      const py = spawnSync('python3', ['-c', PY, w.file, String(w.offset), String(w.dims[0]), String(w.dims[1])], { encoding: 'utf8' });
      let np = '';
      if (py.status === 0) {
        const r = JSON.parse(py.stdout.trim().split('\n').pop()!);
        const relErr = Math.abs(one.quantities.spec ** 2 - r.lmax) / r.lmax;
        np = `; numpy ${(r.s).toFixed(2)} s → ratio ${(oneMs / 1000 / r.s).toFixed(2)}× (λmax agrees to ${relErr.toExponential(1)})`;
      } else np = `; numpy not run: ${(py.stderr || '').trim().split('\n').pop()}`;
      perKind.set(name, read + allMs);
      console.log(`  ${label.padEnd(30)} read ${(read / 1000).toFixed(2)} s, one spectrum ${(oneMs / 1000).toFixed(2)} s, every metric (two spectra) ${(allMs / 1000).toFixed(2)} s${np}${one.notes['*'] ? ` [${one.notes['*']}]` : ''}`);
      void perBlock;
    }
    const blockMs = kinds.reduce((s, [, name, per]) => s + per * (perKind.get(name) ?? 0), 0);
    const extraMs = (perKind.get('model.embed_tokens.weight') ?? 0) + (perKind.get('lm_head.weight') ?? 0);
    const threads = Math.min(availableParallelism(), 4);
    const oneThread = (TOTAL_BLOCKS * blockMs + extraMs) / 1000;
    console.log(`\nextrapolated Llama-7B (32 blocks), every metric: ${(oneThread / 60).toFixed(1)} min on one thread; ≈ ${(oneThread / threads / 60).toFixed(1)} min on ${threads} threads if layers scale across workers`);

    if (FULL) {
      t = performance.now();
      let last = 0;
      const r = await analyze({ model: dir, threads }, {
        progress: (p) => {
          if (p.phase === 'layers' && performance.now() - last > 10_000) {
            last = performance.now();
            console.log(`  … ${p.message}`);
          }
        },
      });
      const s = (performance.now() - t) / 1000;
      const rss = process.resourceUsage().maxRSS / 1024;
      const perBlockMeasured = (s - (extraMs / 1000) / threads) / BLOCKS;
      console.log(`\nanalyze() on the ${BLOCKS}-block checkpoint: ${s.toFixed(1)} s wall on ${threads} threads, ${r.layers.length} layers; peak RSS of this process ${rss.toFixed(0)} MiB (the file is ${((params * 2) / 2 ** 20).toFixed(0)} MiB)`);
      console.log(`extrapolated from it to 32 blocks: ≈ ${((perBlockMeasured * TOTAL_BLOCKS + (extraMs / 1000) / threads) / 60).toFixed(1)} min on ${threads} threads`);
    }
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
