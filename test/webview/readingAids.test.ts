// Reading aids of the webviews: WCAG contrast of chart colours, the CUDA note rule, group display
// names, "not defined" grouped by reason. Expected values are computed by hand (WCAG 2.x formulas).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupName } from '../../src/report/groupNames';
import { contrastRatio, luminance, readableColor } from '../../webview/common/colorScale';
import { byReason, missingSteps } from '../../webview/common/notComputed';
import { showProviderNote } from '../../webview/common/runtimeNote';

describe('contrast (WCAG 2.x)', () => {
  it('luminance and ratio of known pairs', () => {
    assert.equal(luminance([0, 0, 0]), 0);
    assert.equal(luminance([255, 255, 255]), 1);
    assert.equal(contrastRatio([255, 255, 255], [0, 0, 0]), 21);
    // #767676 on white is the classic 4.54:1 (L = 0.1812)
    assert.ok(Math.abs(contrastRatio([0x76, 0x76, 0x76], [255, 255, 255]) - 4.54) < 0.01);
    // order does not matter
    assert.equal(contrastRatio([0, 0, 0], [0x76, 0x76, 0x76]), contrastRatio([0x76, 0x76, 0x76], [0, 0, 0]));
  });
  it('picks the first theme colour with ≥ 3:1 against the background, else the best one', () => {
    // a brown (#8b5a2b, L ≈ 0.125) on dark grey #3c3c3c (L ≈ 0.0452): (0.175)/(0.0952) ≈ 1.84 < 3 → skipped
    assert.ok(contrastRatio([0x8b, 0x5a, 0x2b], [0x3c, 0x3c, 0x3c]) < 3);
    assert.equal(readableColor('#3c3c3c', ['#8b5a2b', '#cca700', '#ffffff']), '#cca700');
    // nothing reaches 3:1: the highest contrast wins
    assert.equal(readableColor('#808080', ['#707070', '#909090', '#606060']), '#606060');
    assert.equal(readableColor('var(--x)', ['#123456']), '#123456');
    // VS Code's default chart colours against the default backgrounds: dark #1e1e1e keeps orange, light #ffffff needs another
    assert.equal(readableColor('#1e1e1e', ['#d18616', '#cca700']), '#d18616');
    assert.ok(contrastRatio([0xd1, 0x86, 0x16], [255, 255, 255]) < 3);
    // on white: #d18616 is 2.94:1 (skipped), #bf8803 3.12:1 (taken)
    assert.equal(readableColor('#ffffff', ['#d18616', '#bf8803', '#652d90']), '#bf8803');
  });
});

describe('provider note', () => {
  const note = 'CUDA not used: … ran on CPU';
  it('hidden for the default auto on a CPU-only machine; shown when CUDA was asked for or failed', () => {
    assert.equal(showProviderNote({ runtime: { provider: 'cpu', providerNote: note }, settings: { provider: 'auto' } }), false);
    assert.equal(showProviderNote({ runtime: { provider: 'cpu', providerNote: `CUDA was requested, but ${note}` }, settings: { provider: 'cuda' } }), true);
    assert.equal(showProviderNote({ runtime: { provider: 'cpu', providerNote: 'the CUDA execution provider failed (x); ran on CPU' }, settings: { provider: 'auto' } }), true);
    assert.equal(showProviderNote({ runtime: { provider: 'cpu' }, settings: { provider: 'cuda' } }), false);
  });
});

describe('group names', () => {
  it('known groups read as prose, unknown ids are split into words, never shown raw', () => {
    assert.equal(groupName('heavyTailed'), 'Heavy-tailed spectra (WeightWatcher)');
    assert.equal(groupName('pathNorm'), 'Path-norm');
    assert.equal(groupName('someNewGroup'), 'Some new group');
    assert.equal(groupName('snake_case'), 'Snake case');
  });
});

describe('not defined, grouped by reason', () => {
  it('one line per distinct reason, the measures under it', () => {
    const m = (name: string, reason: string) => ({ value: null, name, formula: '', reference: '', reason });
    const steps = missingSteps({
      measures: {
        a: m('A', 'not defined for this model (the 10th-percentile margin is not positive)'),
        b: m('B', 'not defined for this model (no layer where it applies)'),
        c: m('C', 'not defined for this model (the 10th-percentile margin is not positive)'),
      }, bounds: [],
    } as never);
    assert.equal(steps.length, 1);
    assert.equal(steps[0].step, 'Nothing to add: these measures do not apply here, for the reasons listed.');
    assert.deepEqual(byReason(steps[0].items).map((g) => [g.reason, g.items.map((i) => i.name)]), [
      ['the 10th-percentile margin is not positive', ['A', 'C']],
      ['no layer where it applies', ['B']],
    ]);
  });
});

describe('a partial report: pending measures', () => {
  it('grouped as being computed now, never as undefined or as needing probe data', () => {
    const m = (name: string, reason: string, needs?: string[]) => ({ value: null, name, formula: '', reference: '', reason, ...(needs ? { needs } : {}) });
    const steps = missingSteps({
      measures: {
        a: m('A', 'pending: forward phases flatness, bounds are still running'),
        b: m('B', 'pending: forward phases flatness, bounds are still running', ['data']),
        c: m('C', 'not defined for this model (no layer where it applies)'),
      }, bounds: [],
    } as never);
    assert.deepEqual(steps.map((s) => s.need), ['pending', 'undefined']);
    assert.deepEqual(steps[0].items.map((i) => i.name), ['A', 'B']);
    assert.equal(steps[0].step, 'forward phases flatness, bounds are still running; they appear here when their phase finishes.');
  });
});
