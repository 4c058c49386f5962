// Compatibility of a checkpoint with the code, on hand-written layers: the example (a
// depth-3 CNN's fc1 of 64×288 against code that builds 784→64) and the shapes each constructor builds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LayerReport, Report } from '../../src/protocol/report';
import { builtShape, shapeMismatch } from '../../src/workspace/codeShapes';
import { PythonScopes } from '../../src/workspace/constEval';
import { chooseForOwner, type HintCandidate } from '../../src/workspace/hintProvenance';
import { byOwner } from '../../src/workspace/moduleMatcher';
import { findModuleDefs } from '../../src/workspace/moduleDefs';
import { scanSource } from '../../src/workspace/sourceScanner';

const CODE = [
  'import torch.nn as nn',
  'class SmallCNN(nn.Module):',
  '    def __init__(self, c1=8, c2=16, fc=64):',
  '        super().__init__()',
  '        self.conv1 = nn.Conv2d(1, c1, 3, padding=1)',
  '        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)',
  '        self.fc1 = nn.Linear(c2 * 7 * 7, fc)',
  '        self.fc2 = nn.Linear(fc, 10)',
  '        self.emb = nn.Embedding(100, 8)',
  '        self.dw = nn.Conv2d(c2, c2, (3, 1), groups=c2)',
].join('\n');

const src = scanSource(CODE, 'python');
const scopes = new PythonScopes(src);
const defs = findModuleDefs(src);
const shapeOf = (path: string) => builtShape(defs.find((d) => d.path === path)!, scopes)!;

const dense = (module: string, rows: number, cols: number): LayerReport => ({ name: `${module}.weight`, op: 'Gemm', node: '', module, role: 'dense', dtype: 'float32', shape: [rows, cols], matrixShape: [rows, cols], parameters: rows * cols, metrics: {} });
const convL = (module: string, out: number, inPerGroup: number, k: number[]): LayerReport => ({
  ...dense(module, out, inPerGroup * k.reduce((a, b) => a * b, 1)), op: 'Conv', role: 'conv', shape: [out, inPerGroup, ...k],
  conv: { kernel: k, group: 1, strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], inputSpatial: null },
});
const report = (path: string, layers: LayerReport[]): Report => ({ model: { path, fileName: path }, layers, bounds: [], measures: {}, warnings: [] }) as unknown as Report;

describe('builtShape', () => {
  it('Linear(c2·7·7, fc) with c2 = 16, fc = 64 builds a 64×784 matrix', () => {
    assert.deepEqual(shapeOf('fc1'), { rows: 64, cols: 784, text: '784→64' });
    assert.deepEqual(shapeOf('fc2'), { rows: 10, cols: 64, text: '64→10' });
  });
  it('Conv2d(1, 8, 3) builds 8 × (1·3·3); a depthwise (3, 1) conv with groups = 16 builds 16 × (1·3·1)', () => {
    assert.deepEqual(shapeOf('conv1'), { rows: 8, cols: 9, kernel: [3, 3], text: '1→8 channels, 3×3 kernel' });
    assert.deepEqual(shapeOf('conv2'), { rows: 16, cols: 72, kernel: [3, 3], text: '8→16 channels, 3×3 kernel' });
    assert.deepEqual(shapeOf('dw'), { rows: 16, cols: 3, kernel: [3, 1], text: '16→16 channels, 3×1 kernel, groups 16' });
  });
  it('Embedding(100, 8) is a 100×8 table', () => {
    assert.deepEqual(shapeOf('emb'), { rows: 100, cols: 8, table: true, text: '100×8 table' });
  });
});

describe('shapeMismatch', () => {
  it('the issue\'s example: fc1 of 64×288 against code that builds 784→64', () => {
    assert.equal(shapeMismatch(shapeOf('fc1'), dense('fc1', 64, 288)), 'fc1 is 64×288, the code builds 784→64');
    assert.equal(shapeMismatch(shapeOf('fc1'), dense('fc1', 64, 784)), null);
  });
  it('a conv with the right matrix but another kernel disagrees; unknown numbers are not checked', () => {
    assert.equal(shapeMismatch(shapeOf('conv1'), convL('conv1', 8, 1, [3, 3])), null);
    assert.equal(shapeMismatch(shapeOf('conv1'), convL('conv1', 8, 9, [1, 1])), 'conv1 is 8×9 (kernel 1×1), the code builds 1→8 channels, 3×3 kernel');
    assert.equal(shapeMismatch({ rows: null, cols: 784, text: '784→?' }, dense('fc1', 12345, 784)), null);
  });
});

describe('chooseForOwner', () => {
  const owner = byOwner(defs).get('SmallCNN')!;
  const good = report('/w/cnn_base.onnx', [convL('conv1', 8, 1, [3, 3]), convL('conv2', 16, 8, [3, 3]), dense('fc1', 64, 784), dense('fc2', 10, 64)]);
  const deep = report('/w/cnn_d3.onnx', [convL('conv1', 8, 1, [3, 3]), convL('conv2', 16, 8, [3, 3]), convL('conv3', 32, 16, [3, 3]), dense('fc1', 64, 288), dense('fc2', 10, 64)]);
  const other = report('/w/mlp.onnx', [dense('layers.0', 128, 784), dense('head', 10, 128)]);
  const shape = (d: (typeof defs)[number]) => builtShape(d, scopes);
  const cand = (r: Report | undefined, source: HintCandidate['source'], path = r?.model.path ?? '/w/x.onnx'): HintCandidate => ({ path, source, report: r });

  it('the checkpoint the file writes wins when compatible, and an incompatible one never gives numbers', () => {
    const c = chooseForOwner('SmallCNN', owner, [cand(deep, 'writes'), cand(good, 'writes')], shape);
    assert.equal(c?.kind, 'numbers');
    assert.equal(c?.kind === 'numbers' && c.report, good);
  });
  it('only incompatible candidates: the reason, no numbers', () => {
    const c = chooseForOwner('SmallCNN', owner, [cand(other, 'writes'), cand(deep, 'setting')], shape);
    assert.deepEqual(c && { kind: c.kind, reason: c.kind === 'incompatible' ? c.reason : '' }, { kind: 'incompatible', reason: 'cnn_d3.onnx does not match SmallCNN: fc1 is 64×288, the code builds 784→64' });
  });
  it('a pinned checkpoint of another architecture says so; a pinned one not analysed yet is pending', () => {
    const c = chooseForOwner('SmallCNN', owner, [cand(other, 'pinned')], shape);
    assert.equal(c?.kind, 'incompatible');
    assert.match(c?.kind === 'incompatible' ? c.reason : '', /^mlp\.onnx does not match SmallCNN: none of its layers has the module paths SmallCNN defines \(conv1, conv2, fc1, …\)$/);
    assert.equal(chooseForOwner('SmallCNN', owner, [cand(undefined, 'pinned')], shape)?.kind, 'pending');
    assert.equal(chooseForOwner('SmallCNN', owner, [], shape), null);
  });
});
