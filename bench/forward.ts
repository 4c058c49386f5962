// Forward-pass work on a fixture model and its 500-example probe, CPU: how long each part takes
// (accuracy and margins, path-norm, both σ′ searches, sharpness, the Dziugaite–Roy search, landscape)
// and forward passes per second. Uses ../shared/fixtures when present, else the bundled example.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../src/engine/analyze';

async function main(): Promise<void> {
  const shared = join(__dirname, '..', '..', 'shared', 'fixtures', 'fmnist');
  const models = existsSync(shared) ? ['mlp', 'cnn'].map((m) => [join(shared, `${m}.onnx`), join(shared, `${m}.init.onnx`), join(shared, 'probe_train.npz')]) : [[join(__dirname, '..', 'examples', 'mlp.onnx'), join(__dirname, '..', 'examples', 'mlp.init.onnx'), join(__dirname, '..', 'examples', 'probe_train.npz')]];
  for (const [model, init, data] of models) {
    const t = performance.now();
    const r = await analyze({ model, init, data, trainSize: 3000, provider: 'cpu' });
    const wall = (performance.now() - t) / 1000;
    const tm = r.timings ?? {};
    const parts = ['load', 'accuracy', 'pathNorm', 'sigmaIso', 'sigmaMag', 'sharpness', 'bounds', 'landscape'];
    console.log(`${r.model.fileName}: ${wall.toFixed(2)} s in all (${r.runtime?.provider}); ${r.runtime?.forwardPassesPerSecond?.toFixed(0)} forward passes/s on ${r.data?.examples} examples`);
    console.log('  ' + parts.map((p) => `${p} ${((tm[p] ?? 0) / 1000).toFixed(2)} s`).join(' · '));
    console.log(`  σ′ iso ${r.measures.pacbayesFlatness.value ? (1 / Math.sqrt(r.measures.pacbayesFlatness.value)).toPrecision(3) : '—'}, σ′ mag ${r.measures.magFlatness.value ? (1 / Math.sqrt(r.measures.magFlatness.value)).toPrecision(3) : '—'}, best bound ${Math.min(...r.bounds.map((b) => b.value ?? Infinity)).toPrecision(3)}`);
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
