// `npm run bench:llm`: a Llama-7B-shaped checkpoint (hidden 4096, MLP 11008, vocab 32000; bf16,
// sharded safetensors with model.safetensors.index.json as save_pretrained writes it) with --blocks N
// of its 32 blocks at full width (default 1) plus the embedding and the LM head, generated here in
// streamed chunks. Then:
//   1. the real CLI (`node dist/cli.js analyze DIR --progress json`, default settings) on it, in a child
//      process whose peak RSS (VmHWM, polled) is recorded; each layer's own compute time and kernel
//      phases come from the progress lines (layerMs, layerPhases);
//   2. numpy's Gram + eigvalsh (float64, one BLAS thread, as each engine worker has one thread) on the same
//      matrix of each kind (q/k/v/o 4096×4096, gate/up 11008×4096, down 4096×11008, embedding, LM head),
//      read from the same file, after the CLI has finished: time, ratio, and λ_max agreement with the report;
//   3. the extrapolated 32-block time: per-block worker time × 32 + embedding + head, over the parallel
//      efficiency this run measured (Σ layer time / layers-phase wall).
// Options: --blocks N, --vocab V (e.g. 128256 for Llama-3's embedding), --threads T, --keep DIR (kept,
// and reused when it already holds the same shape), --no-numpy. Not a test: nothing is asserted; numbers
// vary with machine load (printed with the load average).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '../src/checkpoint/readers';
import type { FileTensor } from '../src/checkpoint/fileTensor';
import { DEFAULTS } from '../src/defaults';
import { hugePageDecision, probeHugePages } from '../src/cli/hugepages';
import { gaussian } from '../src/engine/kernels/random';
import type { Report } from '../src/protocol/report';
import type { Progress } from '../src/protocol/worker';
import { writeStreaming, type StDType } from '../test/helpers/safetensors-writer';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const BLOCKS = Number(arg('--blocks', '1'));
const VOCAB = Number(arg('--vocab', '32000'));
const THREADS = Number(arg('--threads', String(Math.min(availableParallelism(), DEFAULTS.maxThreads))));
const NUMPY = !process.argv.includes('--no-numpy');
const H = 4096;
const I = 11008;
const TOTAL_BLOCKS = 32;
const CLI = join(__dirname, '..', 'dist', 'cli.js');

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
t = time.perf_counter(); c0 = time.process_time(); W64 = W.astype(np.float64); G = W64.T @ W64 if r >= c else W64 @ W64.T; e = np.linalg.eigvalsh(G); dt = time.perf_counter() - t; cpu = time.process_time() - c0
print(json.dumps({"s": dt, "cpu": cpu, "lmax": float(e[-1]), "numpy": np.__version__}))
`;

/** The CLI on `dir` in a child process: its report, per-layer progress events, wall time, CPU time (user + system, s) and peak RSS (MiB). */
async function runCli(dir: string, out: string): Promise<{ report: Report; layers: Progress[]; wallS: number; cpuS: number | null; peakMiB: number | null }> {
  const t = performance.now();
  // The CLI would re-run itself under glibc's huge-page setting (src/cli/hugepages.ts) and this process
  // would then poll the waiting parent: decide here as the CLI does and start it under that environment
  // already, so the child polled is the one that does the work.
  const huge = hugePageDecision(probeHugePages(['analyze', dir]));
  const env = huge.env ?? { ...process.env, THEORY_LENS_HUGEPAGES: '0' };
  console.log(`environment: ${huge.env ? huge.why : `no huge pages (${huge.why})`}`);
  const child = spawn(process.execPath, [CLI, 'analyze', dir, '--json', '--out', out, '--progress', 'json', '--threads', String(THREADS)], { stdio: ['ignore', 'inherit', 'pipe'], env });
  let peakKiB: number | null = null;
  let cpuTicks: number | null = null;
  const poll = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peakKiB = Math.max(peakKiB ?? 0, Number(m[1]));
      // /proc/PID/stat fields 14 and 15 (after the parenthesised name): utime, stime in clock ticks
      const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      cpuTicks = Math.max(cpuTicks ?? 0, Number(f[11]) + Number(f[12]));
    } catch {
      /* not Linux, or the child has exited */
    }
  };
  const timer = setInterval(poll, 100);
  const layers: Progress[] = [];
  let buf = '';
  let last = 0;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    buf += s;
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const line of lines) {
      let p: Progress;
      try {
        p = JSON.parse(line);
      } catch {
        process.stderr.write(`${line}\n`);
        continue;
      }
      if (p.phase === 'layers' && p.layerMs !== undefined) {
        layers.push(p);
        if (performance.now() - last > 15_000) {
          last = performance.now();
          console.log(`  … ${p.message}, ETA ${((p.etaMs ?? 0) / 60_000).toFixed(1)} min`);
        }
      }
    }
  });
  const code: number = await new Promise((res) => child.on('exit', (c) => res(c ?? 1)));
  writeFileSync(`${out}.progress.jsonl`, layers.map((p) => JSON.stringify(p)).join('\n'));
  clearInterval(timer);
  if (code !== 0) throw new Error(`theory-lens analyze exited with ${code}`);
  const tick = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return {
    report: JSON.parse(readFileSync(out, 'utf8')), layers, wallS: (performance.now() - t) / 1000,
    cpuS: cpuTicks === null ? null : cpuTicks / tick, peakMiB: peakKiB === null ? null : peakKiB / 1024,
  };
}

const KINDS: { label: string; match: RegExp; perBlock: number; numpyOn: string }[] = [
  { label: 'attention q/k/v/o 4096×4096', match: /self_attn\.[qkvo]_proj/, perBlock: 4, numpyOn: 'model.layers.0.self_attn.q_proj.weight' },
  { label: 'MLP gate/up 11008×4096', match: /mlp\.(gate|up)_proj/, perBlock: 2, numpyOn: 'model.layers.0.mlp.gate_proj.weight' },
  { label: 'MLP down 4096×11008', match: /mlp\.down_proj/, perBlock: 1, numpyOn: 'model.layers.0.mlp.down_proj.weight' },
  { label: `embedding ${VOCAB}×4096`, match: /embed_tokens/, perBlock: 0, numpyOn: 'model.embed_tokens.weight' },
  { label: `LM head ${VOCAB}×4096`, match: /lm_head/, perBlock: 0, numpyOn: 'lm_head.weight' },
];

const s1 = (ms: number) => (ms / 1000).toFixed(1);
const load = () => loadavg().map((x) => x.toFixed(1)).join(', ');

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run node scripts/build.mjs first (npm run bench:llm does)`);
  const keep = arg('--keep', '');
  const dir = keep || mkdtempSync(join(tmpdir(), 'theory-lens-llm-'));
  const marker = join(dir, 'bench-shape.json');
  const shape = JSON.stringify({ blocks: BLOCKS, vocab: VOCAB });
  try {
    let t = performance.now();
    let params: number;
    if (keep && existsSync(marker) && readFileSync(marker, 'utf8') === shape) {
      params = BLOCKS * (4 * H * H + 3 * H * I + 2 * H) + 2 * VOCAB * H + H;
      console.log(`reusing the generated checkpoint in ${dir}`);
    } else {
      if (keep) mkdirSync(dir, { recursive: true });
      params = generate(dir);
      if (keep) writeFileSync(marker, shape);
      console.log(`generated a Llama-7B-shaped bf16 checkpoint with ${BLOCKS} of ${TOTAL_BLOCKS} blocks, vocab ${VOCAB}: ${(params / 1e9).toFixed(2)} B parameters (${((params * 2) / 2 ** 30).toFixed(2)} GiB) in ${s1(performance.now() - t)} s`);
    }
    const cores = availableParallelism();
    console.log(`machine: ${cores} cores; load average before the CLI run ${load()} (1, 5, 15 min)`);

    const out = join(dir, 'report.json');
    const cli = await runCli(dir, out);
    const r = cli.report;
    const loadAfter = load();
    const cpu = cli.cpuS;
    console.log(`\ntheory-lens analyze (default settings, --threads ${THREADS}): ${cli.wallS.toFixed(1)} s wall, ${cpu === null ? '?' : cpu.toFixed(1)} s CPU (user + system), ${r.layers.length} layers; ` +
      `peak RSS ${cli.peakMiB === null ? 'not measured (no /proc)' : `${cli.peakMiB.toFixed(0)} MiB`} (the checkpoint is ${((params * 2) / 2 ** 20).toFixed(0)} MiB); load average after ${loadAfter}`);

    const byLayer = new Map(cli.layers.map((p) => [p.layer!, p]));
    const per = (re: RegExp) => r.layers.filter((l) => re.test(l.name)).map((l) => ({ l, p: byLayer.get(l.name) }));
    const ckpt = await loadCheckpoint(dir);
    const spectra = r.settings.randomize === false ? 1 : 2;
    // On a loaded machine a layer's wall time includes the time its thread waited for a core; CPU time
    // does not. The CLI's CPU time is shared out over the layers in proportion to their wall times.
    const sumLayerMs = cli.layers.reduce((a, p) => a + (p.layerMs ?? 0), 0);
    const cpuPerMs = cpu === null ? null : (cpu * 1000) / sumLayerMs;
    console.log(`\nper matrix kind: engine = one layer on its worker thread (every metric: ${spectra} spectra, fits, norms), wall and CPU (the CLI's CPU time shared in proportion to wall), and the Gram + tridiagonalization + QL of its first spectrum (CPU); numpy = Gram + eigvalsh in float64 on one BLAS thread (CPU time), same matrix, after the CLI finished:`);
    console.log(`  ${'kind'.padEnd(30)} ${'wall s'.padStart(7)} ${'CPU s'.padStart(7)} ${'Gram+eig'.padStart(8)} ${'numpy'.padStart(7)} ${'ratio'.padStart(6)}  notes`);
    const mean = new Map<string, number>();
    for (const k of KINDS) {
      const rows = per(k.match).filter((x) => x.p);
      if (!rows.length) continue;
      const m = rows.reduce((a, x) => a + x.p!.layerMs!, 0) / rows.length;
      mean.set(k.label, m);
      const ph = rows.map((x) => x.p!.layerPhases ?? {});
      // the plain phases are the first spectrum's; the randomized spectrum's are randomize.gram, … (nested in 'randomize')
      const eigMs = (ph.reduce((a, p) => a + (p.gram ?? 0) + (p.tridiagonalize ?? 0) + (p.ql ?? 0), 0) / rows.length) * (cpuPerMs ?? 1);
      const layer = rows.find((x) => x.l.name === k.numpyOn)?.l ?? rows[0].l;
      let numpy = '      —';
      let ratio = '     —';
      let agree = '';
      if (NUMPY) {
        const w = ckpt.tensors.get(layer.name) as FileTensor;
        const py = spawnSync('python3', ['-c', PY, w.file, String(w.offset), String(w.dims[0]), String(w.dims[1])], {
          encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
        });
        if (py.status === 0) {
          const np = JSON.parse(py.stdout.trim().split('\n').pop()!);
          numpy = (np.cpu as number).toFixed(1).padStart(7);
          ratio = `${(eigMs / 1000 / np.cpu).toFixed(2)}×`.padStart(6);
          const spec = layer.metrics.spectralNorm;
          agree = spec ? `λmax = ‖W‖₂² agrees with numpy to ${(Math.abs(spec ** 2 - np.lmax) / np.lmax).toExponential(1)}; numpy wall ${(np.s as number).toFixed(1)} s` : '';
        } else numpy = `numpy not run: ${(py.stderr || '').trim().split('\n').pop()}`;
      }
      const note = [`${rows.length} layer${rows.length > 1 ? 's' : ''}`, agree, layer.notes?.['*'] ?? ''].filter(Boolean).join('; ');
      console.log(`  ${k.label.padEnd(30)} ${s1(m).padStart(7)} ${cpuPerMs === null ? '      ?' : s1(m * cpuPerMs).padStart(7)} ${s1(eigMs).padStart(8)} ${numpy} ${ratio}  ${note}`);
      const phases = new Map<string, number>();
      for (const p of ph) for (const [name, v] of Object.entries(p)) phases.set(name, (phases.get(name) ?? 0) + v / rows.length);
      const top = [...phases.entries()].sort((a, b) => b[1] - a[1]).filter(([, v]) => v >= 50);
      console.log(`  ${''.padEnd(30)} where a layer's wall time goes: ${top.map(([n, v]) => `${n} ${s1(v)} s`).join(', ')}`);
    }
    console.log(`  (ratio = engine Gram + eig per spectrum / numpy's Gram + eigvalsh, CPU seconds; load average now ${load()})`);

    // Extrapolation to 32 blocks: per-block worker time × 32 + embedding + head.
    const layersWall = r.timings?.layers ?? r.elapsedMs;
    const efficiency = sumLayerMs / layersWall;
    const blockMs = KINDS.reduce((a, k) => a + k.perBlock * (mean.get(k.label) ?? 0), 0);
    const extraMs = KINDS.filter((k) => !k.perBlock).reduce((a, k) => a + (mean.get(k.label) ?? 0), 0);
    const workerMs = TOTAL_BLOCKS * blockMs + extraMs;
    const overheadMs = r.elapsedMs - layersWall;
    const wallMin = (workerMs / efficiency + overheadMs) / 60_000;
    const usable = Math.min(THREADS, cores);
    console.log(`\nthis run: Σ layer wall ${s1(sumLayerMs)} s over a layers phase of ${s1(layersWall)} s → ${efficiency.toFixed(2)} layers in parallel on average (${THREADS} threads, ${cores} cores)`);
    console.log(`extrapolated Llama-7B (32 blocks, vocab ${VOCAB}), default settings, peak RSS ≈ ${cli.peakMiB === null ? '?' : cli.peakMiB.toFixed(0)} MiB (layers are measured ≤ ${2 * THREADS} at a time, so it does not grow with the block count):`);
    console.log(`  at this run's load: 32 × ${s1(blockMs)} s per block + ${s1(extraMs)} s embedding and head = ${(workerMs / 60_000).toFixed(0)} worker-min → ≈ ${wallMin.toFixed(0)} min wall (${(wallMin / 60).toFixed(1)} h)`);
    if (cpuPerMs !== null) {
      const cpuMin = (workerMs * cpuPerMs) / 60_000;
      console.log(`  CPU time: ${cpuMin.toFixed(0)} CPU-min → ≈ ${(cpuMin / usable).toFixed(0)} min wall (${(cpuMin / usable / 60).toFixed(1)} h) on an otherwise idle machine with ${usable} core${usable > 1 ? 's' : ''} (${THREADS} threads)`);
    }
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
