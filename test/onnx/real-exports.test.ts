// Real exports (test/onnx/real/, written by PyTorch 1.13's exporter through scripts/gen_real_exports.py):
// every float tensor that feeds a weight-consuming op is found exactly once, with Frobenius and spectral
// norms equal to numpy's (onnx.numpy_helper + numpy.linalg, or torch's own parameters for weights the
// exporter reaches through op chains) within 1e-6 relative; parameter counts equal; exact conv norms equal
// a numpy FFT at the stated input size, and are null with the reason where the file's sizes are dynamic.
// The committed models and JSON are the evidence: a missing file fails (CI has no torch).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyze } from '../../src/engine/analyze';
import type { LayerReport } from '../../src/protocol/report';
import { loadCheckpointSync } from '../../src/onnx';

const DIR = join(__dirname, 'real');
const REL = 1e-6;

interface Expected {
  file: string;
  storedParameters: number;
  tensors: { name: string | null; part?: string; fro: number; spectral: number; rows: number; cols: number; parameters: number; sources?: string[]; module?: string }[];
  convExact?: Record<string, { exact: number; group: number; inputSize: number[] }>;
  inputShape?: Record<string, number[]>;
  subgraphs?: number;
  /** Ops between the stored weights and the LSTM/GRU (an unfolded export's gate reordering). */
  chain?: string[];
  tiedEmbedding?: string;
}

const models = readdirSync(DIR).filter((f) => f.endsWith('.expected.json')).sort();
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

test('the real-export set is present (six kinds of export, ten files)', () => {
  assert.deepEqual(models.map((m) => m.replace('.expected.json', '')), [
    'cnn_dynamic', 'gpt_tiny', 'gpt_tiny_bf16', 'gpt_tiny_fp16', 'gru', 'gru_chain', 'lstm', 'lstm_chain', 'scripted_control_flow', 'weight_norm',
  ]);
});

/** The report's layer for an expected entry; asserts it is there exactly once. */
function findLayer(layers: LayerReport[], e: Expected['tensors'][number], model: string): LayerReport {
  const hits = e.name !== null
    ? layers.filter((l) => l.name === e.name && (l.part ?? undefined) === e.part)
    : layers.filter((l) => l.module === e.module && e.sources!.every((s) => l.notes?.['*']?.includes(`'${s}'`)));
  assert.equal(hits.length, 1, `${model}: ${e.name ?? e.module}${e.part ? ` [${e.part}]` : ''} found ${hits.length} times`);
  return hits[0];
}

for (const json of models) {
  const exp = JSON.parse(readFileSync(join(DIR, json), 'utf8')) as Expected;
  const file = join(DIR, exp.file);

  test(`${exp.file}: every weight found exactly once, norms equal numpy's (rel. ${REL}), parameters equal`, async () => {
    const ckpt = loadCheckpointSync(file);
    assert.equal(ckpt.storedParameters, exp.storedParameters, 'stored float parameters (numpy over every initializer and Constant, all scopes)');
    const report = await analyze({ model: file, precision: 'float64', threads: 1, randomize: false });
    const matched = new Set<LayerReport>();
    const tiedTo = new Map<string, LayerReport>();
    for (const e of exp.tensors) {
      // A tied LM head is the embedding's layer, its second use noted there (the exporter stores a transposed copy).
      const tied = e.name && !report.layers.some((l) => l.name === e.name)
        ? report.layers.find((l) => l.notes?.['*']?.includes(`'${e.name}'`))
        : undefined;
      if (tied) {
        tiedTo.set(e.name!, tied);
        assert.equal(tied.name, exp.tiedEmbedding, `${e.name} is tied to ${tied.name}`);
        assert.ok(rel(tied.metrics.frobeniusNorm!, e.fro) < REL && rel(tied.metrics.spectralNorm!, e.spectral) < REL, `${e.name}: tied copy has the embedding's norms`);
        continue;
      }
      const l = findLayer(report.layers, e, exp.file);
      matched.add(l);
      const what = `${exp.file}: ${l.name}${l.part ? ` [${l.part}]` : ''}`;
      assert.deepEqual(l.matrixShape, [e.rows, e.cols], `${what}: matrix shape`);
      assert.equal(l.matrixShape[0] * l.matrixShape[1], e.parameters, `${what}: parameters`);
      assert.ok(rel(l.metrics.frobeniusNorm!, e.fro) < REL, `${what}: Frobenius ${l.metrics.frobeniusNorm} vs numpy ${e.fro}`);
      assert.ok(rel(l.metrics.spectralNorm!, e.spectral) < REL, `${what}: spectral ${l.metrics.spectralNorm} vs numpy ${e.spectral}`);
    }
    // nothing measured that numpy does not list
    const extra = report.layers.filter((l) => !matched.has(l));
    assert.deepEqual(extra.map((l) => `${l.name} ${l.part ?? ''}`), [], `${exp.file}: layers numpy does not list`);
    assert.ok(!report.warnings.some((w) => /^not measured/.test(w)), `${exp.file}: ${report.warnings.join('\n')}`);
    if (exp.tiedEmbedding) assert.equal(tiedTo.size, 1, `${exp.file}: the LM head is tied to the embedding`);
    if (exp.chain) {
      const rec = report.layers.filter((l) => l.role.startsWith('recurrent'));
      assert.ok(rec.length > 0 && rec.every((l) => /weight computed from '.+' through .*(Concat|Unsqueeze)/.test(l.notes?.['*'] ?? '')), `${exp.file}: the chain is in every recurrent layer's notes`);
    }
    if (exp.subgraphs) {
      // an If nested inside the Loop body holds weights too
      assert.ok(report.layers.some((l) => /^\/Loop[^/]*\/body\/If[^/]*\/(then|else)_branch$/.test(l.graph ?? '')), `${exp.file}: nested subgraph layers: ${report.layers.map((l) => l.graph).join(', ')}`);
      assert.ok(report.layers.some((l) => l.graph), `${exp.file}: layers inside subgraphs are measured`);
      assert.ok(report.model.graphs && report.model.graphs.length > 1, `${exp.file}: parameters per graph`);
      const stored = report.model.graphs!.reduce((s, g) => s + g.storedParameters, 0);
      assert.equal(stored, exp.storedParameters, 'per-graph stored parameters add up to the file total');
    }

    if (exp.convExact) {
      // The file's height and width are dynamic: no exact conv norm, and the reason says so.
      for (const name of Object.keys(exp.convExact)) {
        const l = report.layers.find((x) => x.name === name)!;
        assert.equal(l.metrics.spectralNormExact, null, `${name}: no exact norm on dynamic sizes`);
        assert.match(l.notes!.spectralNormExact, /input height and width are dynamic/);
        assert.match(l.notes!.spectralNormExact, /--input-shape images=1,3,H,W/);
      }
      const pinned = await analyze({ model: file, precision: 'float64', threads: 1, randomize: false, inputShapes: exp.inputShape! });
      for (const [name, c] of Object.entries(exp.convExact)) {
        const l = pinned.layers.find((x) => x.name === name)!;
        assert.deepEqual(l.conv!.inputSpatial, c.inputSize, `${name}: input size from --input-shape`);
        assert.equal(l.conv!.group, c.group);
        assert.ok(rel(l.metrics.spectralNormExact!, c.exact) < REL, `${name}: exact ${l.metrics.spectralNormExact} vs numpy FFT ${c.exact}`);
      }
      assert.equal(pinned.settings.inputShapes, Object.entries(exp.inputShape!).map(([k, v]) => `${k}=${v.join(',')}`).join(' '));
    }
  });
}
