// A GPT-2-small-sized checkpoint (12 blocks of 768×2304, 768×768, 768×3072, 3072×768 weights plus the
// 50257×768 token embedding: 124 M parameters, ~500 MB), generated here, analysed end to end by
// analyze() (every per-layer metric, full spectra, power-law fits), and the same matrices given to
// numpy's LAPACK in the same run: Gram (f32) + eigvalsh (what our solver computes) and svdvals (what
// WeightWatcher calls). Not a test: nothing is asserted. Prints, in one run:
//   - Theory Lens full ESD (--no-randomize), the default (randomization check, estimated for large layers)
//     and --randomize-exact vs numpy Gram+eigvalsh
//     and svdvals, as ratios of best-of-N wall times (and of CPU seconds: less sensitive to other load);
//   - the default's overhead over the full ESD, and its d_rand against --randomize-exact per layer;
//   - the per-phase profile (read, convert, Gram, tridiagonalize, QL, fit, randomize, assemble; per worker);
//   - peak RSS of each Theory Lens configuration, each run in a fresh child process.
// GPT2_BLOCKS / GPT2_VOCAB shrink the model; GPT2_REPEAT sets N (default 2); GPT2_KEEP=DIR writes the model
// (gpt2-small-like.onnx, matrices.bin) into DIR and leaves it there, for profiling the CLI on it.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir, availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { ProtoWriter } from '../src/onnx/protobuf';
import { mulberry32 } from '../src/engine/kernels/random';
import type { Report } from '../src/protocol/report';

const D = 768;
const BLOCKS = Number(process.env.GPT2_BLOCKS ?? 12);
const VOCAB = Number(process.env.GPT2_VOCAB ?? 50257);
const REPEAT = Math.max(1, Number(process.env.GPT2_REPEAT ?? 2));

interface ChildResult { wall: number[]; cpu: number[]; maxRssMB: number; report: Pick<Report, 'timings' | 'workerTimings'> & { layers: number; threads: number; rand: [number | null, string, string][] } }

/**
 * The child: the built CLI's main() (dist/cli.js, what `theory-lens analyze` runs; plain node, no
 * TypeScript loader, whose hooks would also slow every worker thread's start) analyses the model N
 * times in one fresh process and prints wall/CPU seconds, peak RSS and the last report's profile.
 */
const CHILD = `
const { main } = require(process.argv[1]);
const { readFileSync, rmSync } = require('node:fs');
const [model, randomize, n, threads, out] = process.argv.slice(2);
(async () => {
  const wall = []; const cpu = []; let last;
  for (let i = 0; i < Number(n); i++) {
    globalThis.gc?.();
    const c0 = process.cpuUsage(); const t = performance.now();
    const code = await main(['analyze', model, '--json', '--quiet', '--out', out, '--threads', threads, ...(randomize === '1' ? [] : randomize === 'exact' ? ['--randomize-exact'] : ['--no-randomize'])]);
    wall.push((performance.now() - t) / 1000);
    const c = process.cpuUsage(c0); cpu.push((c.user + c.system) / 1e6);
    if (code !== 0) throw new Error('exit ' + code);
    last = JSON.parse(readFileSync(out, 'utf8'));
  }
  rmSync(out, { force: true });
  const report = { timings: last.timings, workerTimings: last.workerTimings, layers: last.layers.length, threads: Number(last.settings.threads), rand: last.layers.map((l) => [l.metrics.randDistance ?? null, (l.notes && l.notes.randDistance || 'exact').split(' ')[0], l.name + ': ' + ((l.notes && l.notes.randDistance) || 'no note').slice(0, 60)]) };
  process.stdout.write('\\n@@' + JSON.stringify({ wall, cpu, maxRssMB: process.resourceUsage().maxRSS / 1024, report }) + '\\n');
})().catch((e) => { console.error(e); process.exit(1); });
`;

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
const keep = process.env.GPT2_KEEP;
if (keep) mkdirSync(keep, { recursive: true });
const dir = keep ?? mkdtempSync(join(tmpdir(), 'theory-lens-gpt2-'));
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

  // Every configuration runs under two environments when the kernel offers transparent huge pages on
  // request (THP "madvise" mode): as is, and with glibc's malloc asking for huge pages
  // (GLIBC_TUNABLES=glibc.malloc.hugetlb=1), numpy included. On a VM where a first touch of a 4 KiB
  // page is expensive this changes both sides; the ratios are printed per environment.
  let thp = '';
  try { thp = readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'); } catch { /* not Linux */ }
  const envs: { label: string; env: NodeJS.ProcessEnv }[] = [{ label: 'without huge pages (as in the VS Code extension host, or the CLI with THEORY_LENS_HUGEPAGES=0)', env: { ...process.env, THEORY_LENS_HUGEPAGES: '0' } }];
  if (/\[madvise\]/.test(thp) && !/hugetlb/.test(process.env.GLIBC_TUNABLES ?? '')) {
    const tun = process.env.GLIBC_TUNABLES ? `${process.env.GLIBC_TUNABLES}:glibc.malloc.hugetlb=1` : 'glibc.malloc.hugetlb=1';
    envs.push({ label: 'GLIBC_TUNABLES=glibc.malloc.hugetlb=1, as the CLI runs itself here (src/cli/hugepages.ts); numpy under the same setting', env: { ...process.env, GLIBC_TUNABLES: tun } });
  }
  for (const { label: envLabel, env } of envs) {
  console.log(`\n=== ${envLabel} ===`);
  const runOurs = (randomize: boolean | 'exact'): ChildResult | null => {
    const threads = String(Math.min(availableParallelism(), 4));
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', CHILD, join(__dirname, '..', 'dist', 'cli.js'), model, randomize === 'exact' ? 'exact' : randomize ? '1' : '0', String(REPEAT), threads, join(dir, 'report.json')], { encoding: 'utf8', maxBuffer: 1 << 26, env });
    const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('@@'));
    if (r.status !== 0 || !line) {
      console.log(`theory-lens run failed (exit ${r.status}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
      return null;
    }
    return JSON.parse(line.slice(2)) as ChildResult;
  };
  const esd = runOurs(false);
  const def = runOurs(true);
  const exact = runOurs('exact');
  // printed before numpy runs (svdvals is slow on a loaded machine): the table below repeats them with ratios
  for (const [label, r] of [['full ESD (--no-randomize)', esd], ['default (randomization check)', def], ['--randomize-exact', exact]] as const) {
    if (r) console.log(`theory-lens ${label}: wall ${r.wall.map((x) => x.toFixed(2)).join(', ')} s; CPU ${r.cpu.map((x) => x.toFixed(2)).join(', ')} s; peak RSS ${r.maxRssMB.toFixed(0)} MB`);
  }

  const py = `
import numpy as np, time, json, sys
shapes = json.loads(sys.argv[2]); reps = int(sys.argv[3])
def run(svd):
    off = 0; tg = 0.0; cg = 0.0; ts = 0.0; tr = 0.0
    for r, c in shapes:
        n = r * c
        t = time.perf_counter()
        W = np.fromfile(sys.argv[1], dtype=np.float32, count=n, offset=off).reshape(r, c); off += 4 * n
        tr += time.perf_counter() - t
        t = time.perf_counter(); p = time.process_time()
        G = (W.T @ W) if c <= r else (W @ W.T); e = np.linalg.eigvalsh(G.astype(np.float64))
        tg += time.perf_counter() - t; cg += time.process_time() - p
        if svd:
            t = time.perf_counter(); s = np.linalg.svd(W, compute_uv=False); ts += time.perf_counter() - t
    return tg, cg, ts, tr
g = []; c = []; s = None; e = []
for i in range(reps):
    tg, cg, ts, tr = run(i == 0); g.append(tg); c.append(cg); e.append(tg + tr); s = ts if i == 0 else s
print(json.dumps({"gram_eigvalsh": min(g), "gram_eigvalsh_cpu": min(c), "read_gram_eigvalsh": min(e), "svdvals": s, "numpy": np.__version__}))
`;
  const shapes = [[VOCAB, D], ...Array.from({ length: BLOCKS }, () => [[D, 3 * D], [D, D], [D, 4 * D], [4 * D, D]]).flat()];
  const p = spawnSync('python3', ['-c', py, bin, JSON.stringify(shapes), String(REPEAT)], { encoding: 'utf8', env });
  const np = p.status === 0 ? JSON.parse(p.stdout.trim().split('\n').pop()!) as { gram_eigvalsh: number; gram_eigvalsh_cpu: number; read_gram_eigvalsh: number; svdvals: number; numpy: string } : null;
  if (!np) console.log(`numpy reference not run (python3 with numpy not available): ${(p.stderr || p.error?.message || '').trim().split('\n').pop()}`);

  const best = (xs: number[]) => Math.min(...xs);
  const [l1, l5, l15] = loadavg();
  console.log(`\nload average during the run (1/5/15 min): ${l1.toFixed(1)} / ${l5.toFixed(1)} / ${l15.toFixed(1)} on ${availableParallelism()} CPUs; best of ${REPEAT} runs each`);
  console.log('\n| what | wall s | CPU s | / numpy Gram+eigvalsh (wall) | (CPU) | / numpy svdvals | peak RSS |');
  console.log('|---|---|---|---|---|---|---|');
  if (np) {
    console.log(`| numpy ${np.numpy} Gram (f32) + eigvalsh, compute only | ${np.gram_eigvalsh.toFixed(2)} | ${np.gram_eigvalsh_cpu.toFixed(2)} | 1.00× | 1.00× | ${(np.gram_eigvalsh / np.svdvals).toFixed(2)}× | – |`);
    console.log(`| numpy read (np.fromfile) + Gram + eigvalsh, end to end like ours | ${np.read_gram_eigvalsh.toFixed(2)} | – | ${(np.read_gram_eigvalsh / np.gram_eigvalsh).toFixed(2)}× | – | ${(np.read_gram_eigvalsh / np.svdvals).toFixed(2)}× | – |`);
    console.log(`| numpy svdvals (f32; WeightWatcher's kernel), one run | ${np.svdvals.toFixed(2)} | – | ${(np.svdvals / np.gram_eigvalsh).toFixed(2)}× | – | 1.00× | – |`);
  }
  const row = (label: string, r: ChildResult | null) => {
    if (!r) return;
    const w = best(r.wall);
    const c = best(r.cpu);
    const ratio = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}×` : '–');
    console.log(`| ${label} | ${w.toFixed(2)} | ${c.toFixed(2)} | ${ratio(w, np?.gram_eigvalsh)} | ${ratio(c, np?.gram_eigvalsh_cpu)} | ${ratio(w, np?.svdvals)} | ${r.maxRssMB.toFixed(0)} MB |`);
  };
  row('Theory Lens, full ESD of every layer (--no-randomize), whole file', esd);
  row('Theory Lens, default (randomization check on), whole file', def);
  row('Theory Lens, --randomize-exact (every shuffled eigenvalue), whole file', exact);
  if (esd && def) console.log(`\ndefault's overhead (randomization check): ${(best(def.wall) / best(esd.wall)).toFixed(2)}× the full-ESD wall time`);
  if (esd && exact) console.log(`--randomize-exact's overhead: ${(best(exact.wall) / best(esd.wall)).toFixed(2)}× the full-ESD wall time`);
  if (def && exact) {
    // the estimate's faithfulness on this model: d_rand per layer, default vs --randomize-exact
    const pairs = def.report.rand.map(([d, how], i) => ({ d, how, e: exact.report.rand[i]?.[0] ?? null })).filter((p) => p.d != null && p.e != null);
    const est = pairs.filter((p) => p.how === 'estimated');
    const diffs = est.map((p) => p.d! - p.e!);
    const fmt = (x: number) => (x >= 0 ? '+' : '') + x.toFixed(4);
    const why = [...new Set(def.report.rand.filter(([, how]) => how !== 'estimated').map(([, , w]) => w))];
    if (why.length) console.log(`layers solved exactly by the default: ${why.slice(0, 12).join(' | ')}${why.length > 12 ? ' | …' : ''}`);
    console.log(`randomization estimate: ${est.length} of ${pairs.length} layers estimated (the rest exact)` + (diffs.length ? `; d_rand − exact d_rand over those: min ${fmt(Math.min(...diffs))}, mean ${fmt(diffs.reduce((a, b) => a + b, 0) / diffs.length)}, max ${fmt(Math.max(...diffs))} (exact d_rand ${Math.min(...est.map((p) => p.e!)).toFixed(3)}–${Math.max(...est.map((p) => p.e!)).toFixed(3)})` : ''));
  }
  if (esd && np) console.log(`full ESD against numpy's end-to-end (read + Gram + eigvalsh): ${(best(esd.wall) / np.read_gram_eigvalsh).toFixed(2)}×`);

  for (const [label, r] of [['full ESD', esd], ['default', def], ['--randomize-exact', exact]] as const) {
    if (!r) continue;
    const t = r.report.timings ?? {};
    const f = (k: string) => ((t[k] ?? 0) / 1000).toFixed(2);
    console.log(`\nper-phase profile, ${label} (last run, s; ${r.report.layers} layers on ${r.report.threads} threads): read ${f('read')}, convert ${f('convert')}, layers (wall) ${f('layers')}, assemble ${f('assemble')}, aggregate ${f('aggregate')}`);
    const phases = [...new Set((r.report.workerTimings ?? []).flatMap((w) => Object.keys(w.phases)))].sort();
    console.log(`| thread | layers | busy s | ${phases.join(' | ')} |`);
    console.log(`|---|---|---|${phases.map(() => '---|').join('')}`);
    for (const w of r.report.workerTimings ?? []) {
      console.log(`| ${w.thread} | ${w.layers} | ${(w.ms / 1000).toFixed(2)} | ${phases.map((p) => ((w.phases[p] ?? 0) / 1000).toFixed(2)).join(' | ')} |`);
    }
  }
  }
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
