// Forward analysis of a fixture CNN as the CLI runs it (theory-lens cnn.onnx --init cnn.init.onnx
// --data probe_train.npz --test-data probe_test.npz --train-size 3000 --provider cpu, every other
// setting at its default: 10 Monte-Carlo draws per σ step, 21-point landscape, Dziugaite–Roy search
// and certificate, compression certificate): per forward phase its wall time, the process's CPU time
// (all threads) and the number of examples evaluated (forward passes × batch rows, a load-independent
// measure of the work), and the same for the previous code path in the same run (ratios), with the
// estimates of both side by side. Run: npx tsx bench/forward.ts [cnn mlp …] [--reps N] [--new-only]
// Uses ../shared/fixtures when present, else the bundled example MLP.
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../src/engine/analyze';
import { FORWARD_PHASES } from '../src/engine/forward/phases';
import { FORWARD_TUNING, PREVIOUS_TUNING, type ForwardTuning } from '../src/engine/forward/tuning';
import { ForwardModel } from '../src/engine/runtime';
import type { Report } from '../src/protocol/report';

/** Fine parts of the forward timings (report.timings keys), in order. */
const PARTS: [string, string][] = [
  ['load', 'load + session'], ['accuracy', 'accuracy, loss, margins (train + test probe)'], ['pathNorm', 'path-norm'], ['sigmaIso', 'σ′ isotropic'],
  ['sigmaMag', 'σ′ magnitude-aware'], ['representation', 'representation (features, mixup)'], ['sharpness', 'sharpness (plain + adaptive)'],
  ['bounds', 'bounds: Dziugaite–Roy + compression + norm'], ['landscape', 'landscape (21 points)'],
];

// Count examples evaluated (bench instrumentation only: wraps the one method every forward pass goes through).
let examples = 0;
const logits = ForwardModel.prototype.logits;
ForwardModel.prototype.logits = function (this: ForwardModel, x, n, per) {
  examples += n;
  return logits.call(this, x, n, per);
};


interface PhaseCost {
  wall: number;
  cpu: number;
  examples: number;
}
interface Run {
  report: Report;
  /** Per forward phase (FORWARD_PHASES), from the analysis' partial reports. */
  phases: Record<string, PhaseCost>;
  forwardWall: number;
  forwardCpu: number;
  forwardExamples: number;
  totalWall: number;
  totalCpu: number;
}

const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

async function analyseOnce(r: { model: string; init: string; data: string; testData?: string }, tuning: ForwardTuning): Promise<Run> {
  Object.assign(FORWARD_TUNING, tuning);
  const phases: Record<string, PhaseCost> = {};
  type Mark = { wall: number; cpu: number; examples: number; pending: string[] };
  let mark: Mark | null = null as Mark | null;
  let start: Mark | null = null as Mark | null;
  const t0 = performance.now();
  const c0 = cpuMs();
  const close = (pending: string[]) => {
    const now: Mark = { wall: performance.now(), cpu: cpuMs(), examples, pending };
    if (mark) {
      for (const p of mark.pending.filter((q) => !pending.includes(q))) {
        phases[p] = { wall: now.wall - mark.wall, cpu: now.cpu - mark.cpu, examples: now.examples - mark.examples };
      }
    } else start = now;
    mark = now;
  };
  const report = await analyze(
    { model: r.model, init: r.init, data: r.data, ...(r.testData ? { testData: r.testData } : {}), trainSize: 3000, provider: 'cpu' },
    { partial: (p) => close(p.partial?.pending ?? []) },
  );
  close([]);
  const s = start!;
  const m = mark!;
  Object.assign(FORWARD_TUNING, tuningNow);
  return {
    report, phases, forwardWall: m.wall - s.wall, forwardCpu: m.cpu - s.cpu, forwardExamples: m.examples - s.examples,
    totalWall: performance.now() - t0, totalCpu: cpuMs() - c0,
  };
}

// BENCH_TUNING='{"workers":0}' overrides fields of the current tuning (to compare variants).
const tuningNow: ForwardTuning = { ...FORWARD_TUNING, ...(process.env.BENCH_TUNING ? (JSON.parse(process.env.BENCH_TUNING) as Partial<ForwardTuning>) : {}) };
Object.assign(FORWARD_TUNING, tuningNow);

/** The estimates the speed work must keep (value, and its Monte-Carlo standard error where it has one). */
export function estimates(rep: Report): [string, string][] {
  const m = (id: string) => rep.measures[id]?.value;
  const q = (id: string) => rep.bounds.find((b) => b.id === id);
  const f = (v: number | null | undefined, d = 4) => (v === null || v === undefined ? '–' : v.toPrecision(d));
  const dr = q('dziugaiteRoy2017');
  const co = q('compressionOccam');
  return [
    ['train / test accuracy', `${f(m('trainAccuracy'))} / ${f(m('testAccuracy'))}`],
    ['σ′ isotropic, magnitude-aware', `${f(1 / Math.sqrt(m('pacbayesFlatness') ?? NaN))}, ${f(1 / Math.sqrt(m('magFlatness') ?? NaN))}`],
    ['sharpness ± se', `${f(m('sharpness'))} ± ${f(rep.measures.sharpness?.stderr, 2)}`],
    ['adaptive sharpness ± se', `${f(m('sharpnessAdaptive'))} ± ${f(rep.measures.sharpnessAdaptive?.stderr, 2)}`],
    ['Dziugaite–Roy bound', `${f(dr?.value)} (${dr?.details?.candidatesTried} candidates; ${dr?.details?.search})`],
    ['compression certificate', `${f(co?.value)} (${co?.details?.bits} bits)`],
    ['landscape loss at α = ±1', `${f(rep.landscape?.loss1d[0])}, ${f(rep.landscape?.loss1d[rep.landscape.loss1d.length - 1])}`],
    ['Davies–Bouldin, mixup accuracy', `${f(m('daviesBouldin'))}, ${f(m('mixupAccuracy'))}`],
  ];
}

const sec = (ms: number) => (ms / 1000).toFixed(2).padStart(6);
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '–').padStart(6);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const repsAt = args.indexOf('--reps');
  const reps = repsAt >= 0 ? Math.max(1, Number(args[repsAt + 1]) || 1) : 1;
  const newOnly = args.includes('--new-only');
  const names = args.filter((a, i) => !a.startsWith('--') && (repsAt < 0 || i !== repsAt + 1));
  const shared = join(__dirname, '..', '..', 'shared', 'fixtures', 'fmnist');
  const runs = existsSync(shared)
    ? (names.length ? names : ['cnn']).map((m) => ({
      name: m, model: join(shared, `${m}.onnx`), init: join(shared, `${m}.init.onnx`), data: join(shared, 'probe_train.npz'), testData: join(shared, 'probe_test.npz'),
    }))
    : [{ name: 'mlp (example)', testData: undefined as string | undefined, model: join(__dirname, '..', 'examples', 'mlp.onnx'), init: join(__dirname, '..', 'examples', 'mlp.init.onnx'), data: join(__dirname, '..', 'examples', 'probe_train.npz') }];
  const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
  const same = JSON.stringify(PREVIOUS_TUNING) === JSON.stringify(FORWARD_TUNING);
  console.log(`forward-analysis bench: ${cpus().length} CPU cores (${cpus()[0]?.model ?? '?'}), onnxruntime CPU provider, CLI defaults, --train-size 3000; load average ${load()}`);
  console.log(`tuning now: ${JSON.stringify(FORWARD_TUNING)}${same ? ' (= the previous code path)' : `; previous: ${JSON.stringify(PREVIOUS_TUNING)}`}`);
  for (const r of runs) {
    // Warm-up (module loading, onnxruntime's first session), not timed: one draw, no landscape, no bounds.
    await analyze({ model: r.model, init: r.init, data: r.data, provider: 'cpu', mcDraws: 1, landscapePoints: 0 });
    // Alternate previous / new so that both see the same background load; keep the faster of each.
    const best: { prev?: Run; now?: Run } = {};
    for (let i = 0; i < reps; i++) {
      for (const which of i % 2 ? ['now', 'prev'] as const : ['prev', 'now'] as const) {
        if (which === 'prev' && (same || newOnly)) continue;
        const x = await analyseOnce(r, which === 'prev' ? PREVIOUS_TUNING : tuningNow);
        if (!best[which] || x.forwardWall < best[which]!.forwardWall) best[which] = x;
      }
    }
    const now = best.now!;
    const prev = best.prev;
    const tm = now.report.timings ?? {};
    const ptm = prev?.report.timings ?? {};
    console.log(`\n${r.name}: ${now.report.data?.examples} training-probe examples${r.testData ? ` + ${now.report.testData?.examples} test-probe examples` : ''}; best of ${reps}; load average now ${load()}`);
    console.log(`  whole report: ${sec(now.totalWall)} s wall, ${sec(now.totalCpu)} s CPU${prev ? `   (previous path ${sec(prev.totalWall)} s wall, ${sec(prev.totalCpu)} s CPU)` : ''}`);
    console.log(`  ${'forward part (wall, report.timings)'.padEnd(44)} ${'now s'.padStart(6)} ${prev ? `${'prev s'.padStart(6)}  ${'ratio'.padStart(6)}` : ''}`);
    for (const [key, label] of PARTS) {
      if (tm[key] === undefined && ptm[key] === undefined) continue;
      console.log(`  ${label.padEnd(44)} ${sec(tm[key] ?? 0)} ${prev ? `${sec(ptm[key] ?? 0)}  ${ratio(ptm[key] ?? 0, tm[key] ?? 0)}` : ''}`);
    }
    console.log(`\n  ${'forward phase'.padEnd(16)} ${'wall s'.padStart(7)} ${'CPU s'.padStart(7)} ${'examples'.padStart(9)}${prev ? `   ${'prev wall'.padStart(9)} ${'prev CPU'.padStart(9)} ${'prev ex.'.padStart(9)}   CPU ratio  examples ratio` : ''}`);
    const rows: [string, PhaseCost | undefined, PhaseCost | undefined][] = FORWARD_PHASES.map((p) => [p, now.phases[p], prev?.phases[p]]);
    rows.push(['all forward', { wall: now.forwardWall, cpu: now.forwardCpu, examples: now.forwardExamples }, prev ? { wall: prev.forwardWall, cpu: prev.forwardCpu, examples: prev.forwardExamples } : undefined]);
    for (const [p, a, b] of rows) {
      if (!a) continue;
      const left = `  ${p.padEnd(16)} ${sec(a.wall).padStart(7)} ${sec(a.cpu).padStart(7)} ${String(a.examples).padStart(9)}`;
      console.log(b ? `${left}   ${sec(b.wall).padStart(9)} ${sec(b.cpu).padStart(9)} ${String(b.examples).padStart(9)}   ${ratio(b.cpu, a.cpu).padStart(9)}  ${ratio(b.examples, a.examples).padStart(14)}` : left);
    }
    console.log('\n  estimates' + (prev ? ' (now | previous path)' : ''));
    const en = estimates(now.report);
    const ep = prev ? estimates(prev.report) : null;
    en.forEach(([k, v], i) => console.log(`  ${k.padEnd(32)} ${v}${ep ? `  |  ${ep[i][1]}` : ''}`));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
