// Forward-pass work on the fixture models and their 500-example probe, CPU provider, with the full
// default settings (10 Monte-Carlo draws per σ step, 21-point landscape, Dziugaite–Roy search and
// certificate): how long each part takes, forward passes per second, and the ratio of each part to
// one full-probe pass. Run: npx tsx bench/forward.ts [mlp cnn ...]   (THEORY_LENS_BENCH_2D=1 adds
// the 21×21 landscape). Uses ../shared/fixtures when present, else the bundled example.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { loadCheckpointSync } from '../src/onnx';
import { analyze } from '../src/engine/analyze';
import { loadProbe, checkProbeAgainstModel } from '../src/data/probe';
import { ForwardModel } from '../src/engine/runtime';

const PARTS: [string, string][] = [
  ['load', 'load + session'], ['accuracy', 'accuracy, loss, margins'], ['pathNorm', 'path-norm'], ['sigmaIso', 'σ′ isotropic'],
  ['sigmaMag', 'σ′ magnitude-aware'], ['sharpness', 'sharpness (2 × draws)'], ['bounds', 'DR search + certificate, norm bounds'], ['landscape', 'landscape'],
];

async function onePass(model: string, data: string): Promise<number> {
  const ckpt = loadCheckpointSync(model);
  const fm = await ForwardModel.open(ckpt, { provider: 'cpu' });
  const p = loadProbe(data);
  const fit = checkProbeAgainstModel(p, ckpt.inputs[0]);
  await fm.logits(p.x, p.n, fit.perExample); // warm-up
  const t = performance.now();
  const reps = 20;
  for (let i = 0; i < reps; i++) await fm.logits(p.x, p.n, fit.perExample);
  await fm.release();
  return (performance.now() - t) / reps;
}

async function main(): Promise<void> {
  const shared = join(__dirname, '..', '..', 'shared', 'fixtures', 'fmnist');
  const names = process.argv.slice(2).length ? process.argv.slice(2) : ['mlp', 'cnn'];
  const runs = existsSync(shared)
    ? names.map((m) => ({ name: m, model: join(shared, `${m}.onnx`), init: join(shared, `${m}.init.onnx`), data: join(shared, 'probe_train.npz') }))
    : [{ name: 'mlp (example)', model: join(__dirname, '..', 'examples', 'mlp.onnx'), init: join(__dirname, '..', 'examples', 'mlp.init.onnx'), data: join(__dirname, '..', 'examples', 'probe_train.npz') }];
  console.log(`forward-pass bench: ${cpus().length} CPU cores (${cpus()[0]?.model ?? '?'}), onnxruntime CPU provider, default settings, --train-size 3000`);
  for (const r of runs) {
    const pass = await onePass(r.model, r.data);
    const t = performance.now();
    const rep = await analyze({ model: r.model, init: r.init, data: r.data, trainSize: 3000, provider: 'cpu', landscape2d: process.env.THEORY_LENS_BENCH_2D === '1' });
    const wall = (performance.now() - t) / 1000;
    const tm = rep.timings ?? {};
    console.log(`\n${r.name}: ${rep.data?.examples} examples; one full-probe pass ${pass.toFixed(1)} ms; ${rep.runtime?.forwardPassesPerSecond?.toFixed(0)} session runs/s over the forward analysis; ${wall.toFixed(2)} s for the whole report`);
    console.log('  part                                   seconds   × one pass');
    for (const [key, label] of PARTS) {
      const ms = tm[key] ?? 0;
      console.log(`  ${label.padEnd(38)} ${(ms / 1000).toFixed(2).padStart(7)}   ${(ms / pass).toFixed(0).padStart(9)}`);
    }
    const forward = PARTS.reduce((a, [k]) => a + (tm[k] ?? 0), 0);
    console.log(`  ${'forward analysis in all'.padEnd(38)} ${(forward / 1000).toFixed(2).padStart(7)}   ${(forward / pass).toFixed(0).padStart(9)}`);
    const dr = rep.bounds.find((b) => b.id === 'dziugaiteRoy2017');
    const s = (id: string) => rep.measures[id]?.value;
    console.log(`  σ′ iso ${(1 / Math.sqrt(s('pacbayesFlatness') ?? NaN)).toPrecision(3)}, σ′ mag ${(1 / Math.sqrt(s('magFlatness') ?? NaN)).toPrecision(3)}; DR bound ${dr?.value?.toPrecision(4)} (${dr?.details?.search}; ${dr?.details?.candidatesTried} candidates)`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
