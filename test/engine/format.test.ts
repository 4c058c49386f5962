// Text renderings of a report: numbers, CSV quoting, Markdown escaping of model-provided strings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Report } from '../../src/protocol/report';
import { toCsv, toMarkdown, toText } from '../../src/report/format';

const evil = '<img src=x onerror=alert(1)>|"a,b"';
const report: Report = {
  schemaVersion: 1, tool: { name: 'theory-lens', version: '0.1.0' }, createdAt: '2026-01-01T00:00:00Z', elapsedMs: 1234, settings: {},
  model: { path: '/m.onnx', fileName: 'm.onnx', fileSize: 10, producer: 'pytorch', producerVersion: '1.13', opset: 13, irVersion: 7, parameters: 6, storedParameters: 6, layerCount: 1, inputs: [], outputs: [] },
  metricInfo: { spectralNorm: { name: 'Spectral norm', symbol: '‖W‖₂', formula: 'σ_max', reference: 'r', group: 'norm' } },
  layers: [{ name: evil, op: 'Gemm', node: 'n', module: null, role: 'dense', dtype: 'float32', shape: [2, 3], matrixShape: [2, 3], parameters: 6, metrics: { spectralNorm: 1.2345678 } }],
  measures: { params: { value: 6, name: 'Number of parameters', formula: 'ω', reference: 'Jiang', equation: '20' }, froDist: { value: null, name: 'Fro dist', formula: 'Σ', reference: 'J', needs: ['init'], reason: 'needs init' } },
  bounds: [{ id: 'b', name: 'Bound', value: 0.95, vacuous: true, assumptions: ['iid'], reference: 'DR17' }],
  warnings: ['w1'],
};

test('CSV keeps full precision and quotes cells with commas, quotes or newlines', () => {
  const csv = toCsv(report);
  assert.ok(csv.includes('1.2345678'));
  assert.ok(csv.includes('"<img src=x onerror=alert(1)>|""a,b"""'), csv);
  assert.match(csv, /froDist,Fro dist,,,Σ,J,needs init/);
});

test('Markdown escapes table-breaking and HTML characters of model-provided names', () => {
  const md = toMarkdown(report);
  assert.ok(!md.includes('<img'), 'no raw HTML');
  assert.ok(md.includes('&lt;img src=x onerror=alert(1)&gt;\\|'), md);
  assert.match(md, /\| Bound \| 0\.95 \| yes \|/);
});

test('text summary lists layers, measures with reasons, bounds with the vacuous flag', () => {
  const t = toText(report);
  assert.match(t, /Number of parameters\s+6/);
  assert.match(t, /Fro dist\s+—\s+needs init/);
  assert.match(t, /Bound\s+0\.95\s+\(vacuous\)/);
});
