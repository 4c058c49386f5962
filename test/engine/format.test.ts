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
  assert.ok(!/(^|[^\\])<img/.test(md), 'no raw HTML');
  assert.ok(md.includes('\\<img src=x onerror=alert(1)\\>\\|'), md);
  assert.ok(!md.includes('&amp;') && !md.includes('&lt;'), 'no HTML entities in the Markdown text');
  assert.match(md, /\| Bound \| 0\.95 \| yes \|/);
});

test('Markdown keeps "&" in citations, escapes only entity-like ampersands; producer only when known', () => {
  const r: Report = { ...report, model: { ...report.model, producer: null, producerVersion: null, opset: 11 }, measures: { x: { value: 1, name: 'X', formula: 'f', reference: 'Dziugaite & Roy 2017; a&lt;b' } } };
  const md = toMarkdown(r);
  assert.ok(md.includes('Dziugaite & Roy 2017; a\\&lt;b'), md);
  assert.ok(md.includes('- producer: opset 11'), md);
  assert.ok(!/unknown/.test(md));
  const t = toText({ ...r, model: { ...r.model, opset: null } });
  assert.match(t.split('\n')[1], /^  6 parameters in 1 layers, 1\.23 s$/);
});

test('grouped and depthwise convs show their group; repeated null reasons collapse to one line', () => {
  const conv = { ...report.layers[0], name: 'dw.weight', op: 'Conv', conv: { kernel: [3, 3], group: 16, strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], inputSpatial: null } };
  const needs = (name: string) => ({ value: null, name, formula: 'f', reference: 'r', needs: ['data' as const], reason: 'needs probe data (--data FILE.npz)' });
  const r: Report = { ...report, layers: [conv], measures: { a: needs('Margin A'), b: needs('Margin B'), c: needs('Sharpness C'), d: { value: 2, name: 'D', formula: 'f', reference: 'r' } } };
  const t = toText(r);
  assert.match(t, /dw\.weight\s+Conv g=16/);
  assert.equal(t.split('\n').filter((l) => l.includes('needs probe data')).length, 1, t);
  assert.match(t, /3 measures —  needs probe data \(--data FILE\.npz\): Margin A, Margin B, Sharpness C/);
  assert.match(toMarkdown(r), /\| Conv g=16 \|/);
});

test('text summary lists layers, measures with reasons, bounds with the vacuous flag', () => {
  const t = toText(report);
  assert.match(t, /Number of parameters\s+6/);
  assert.match(t, /Fro dist\s+—\s+needs init/);
  assert.match(t, /Bound\s+0\.95\s+\(vacuous\)/);
});

test('CSV cells that a spreadsheet would run as formulas are neutralised (OWASP: prefix \' and quote); numbers stay numbers', () => {
  const names = ["=cmd|' /C calc'!A0", '+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx'];
  const csv = toCsv({ ...report, layers: names.map((name) => ({ ...report.layers[0], name, metrics: { spectralNorm: -1.5 } })) });
  assert.ok(csv.includes(`"'=cmd|' /C calc'!A0"`), csv);
  for (const n of ['+1+1', '-2+3', '@SUM(A1)', '\tx']) assert.ok(csv.includes(`"'${n}"`), n);
  assert.ok(csv.includes(`"'\rx"`));
  for (const line of csv.split('\n')) assert.ok(!/(^|,)[=+\-@\t]/.test(line.replace(/,-1\.5(?=,|$)/g, ',')), `a cell starts with a formula character: ${line}`);
  assert.ok(csv.includes(',-1.5'), 'a negative number is written as a number');
});

test('text and Markdown output escape control characters of model-provided names and producers', () => {
  const hostile = { ...report, model: { ...report.model, producer: '\x1b[2J\x1b[31mpwned\x07' }, layers: [{ ...report.layers[0], name: 'w\r\nFAKE\x1b]0;t\x07' }], warnings: ['a\x1bb'] };
  for (const out of [toText(hostile), toMarkdown(hostile)]) {
    assert.ok(!/[\x00-\x09\x0b-\x1f\x7f]/.test(out), JSON.stringify(out));
    assert.ok(out.includes('pwned'), out);
  }
  assert.ok(toText(hostile).includes('\\e[2J\\e[31mpwned\\x07'));
  assert.ok(toText(hostile).includes('w\\r\\nFAKE\\e]0;t\\x07'));
});
