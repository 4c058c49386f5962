// Hint provenance on the fixtures' own training script (../shared/fixtures/fmnist/train.py) against the
// CLI's real reports: the MLP class gets the newest checkpoint of the run the script writes and fits it;
// the CNN class fits cnn.onnx (conv1 = Conv2d(1, 6, 5): 6 × 1·5·5; fc = Linear(12·7·7, 40): 40 × 588, read
// from the script) and not the MLP's checkpoint; the CNN's code against cnn_bn's is still compatible.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { builtShape } from '../../src/workspace/codeShapes';
import { PythonScopes } from '../../src/workspace/constEval';
import { chooseForOwner } from '../../src/workspace/hintProvenance';
import { byOwner } from '../../src/workspace/moduleMatcher';
import { findModuleDefs } from '../../src/workspace/moduleDefs';
import { scanSource } from '../../src/workspace/sourceScanner';
import { fmnist, report, skipReason } from '../helpers/fixtureReports';

// in CI a missing fixture or CLI build is a failure, not a skip
const skip = process.env.CI ? false : skipReason;

describe('hint provenance on the fixtures\' train.py', { skip }, () => {
  const load = () => {
    const src = scanSource(readFileSync(join(fmnist, 'train.py'), 'utf8'), 'python');
    const scopes = new PythonScopes(src);
    const owners = byOwner(findModuleDefs(src));
    return { owners, shapeOf: (d: Parameters<typeof builtShape>[0]) => builtShape(d, scopes) };
  };

  it('the CNN class: the shapes its code builds, and cnn.onnx fits them', () => {
    const { owners, shapeOf } = load();
    const cnn = owners.get('CNN')!;
    const by = Object.fromEntries(cnn.map((d) => [d.path, shapeOf(d)]));
    assert.deepEqual(by.conv1, { rows: 6, cols: 25, kernel: [5, 5], text: '1→6 channels, 5×5 kernel' });
    assert.deepEqual(by.fc, { rows: 40, cols: 588, text: '588→40' });
    const r = report('cnn.onnx');
    const c = chooseForOwner('CNN', cnn, [{ path: r.model.path, source: 'writes', report: r }], shapeOf);
    assert.equal(c?.kind, 'numbers');
  });

  it('the MLP class takes the run\'s epoch_30 over a CNN checkpoint listed first', () => {
    const { owners, shapeOf } = load();
    const mlp = owners.get('MLP')!;
    const cnn = report('cnn.onnx');
    const e30 = report('run_mlp/epoch_30.onnx');
    const c = chooseForOwner('MLP', mlp, [{ path: cnn.model.path, source: 'writes', report: cnn }, { path: e30.model.path, source: 'writes', report: e30 }], shapeOf);
    assert.equal(c?.kind, 'numbers');
    assert.equal(c?.kind === 'numbers' && c.report.model.path, e30.model.path);
  });

  it('the CNN class pinned to the MLP\'s checkpoint: the reason, no numbers', () => {
    const { owners, shapeOf } = load();
    const e30 = report('run_mlp/epoch_30.onnx');
    const c = chooseForOwner('CNN', owners.get('CNN')!, [{ path: e30.model.path, source: 'pinned', report: e30 }], shapeOf);
    assert.equal(c?.kind, 'incompatible');
    assert.match(c?.kind === 'incompatible' ? c.reason : '', /^epoch_30\.onnx does not match CNN: /);
  });
});
