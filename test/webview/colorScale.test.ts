// Theme colours for the landscape heatmap: parsing, interpolation, log normalisation of the loss.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { colorAt, normalizeLoss, parseColor } from '../../webview/common/colorScale';

describe('colorScale', () => {
  it('parses the colour forms themes use', () => {
    assert.deepEqual(parseColor('#3794ff'), [0x37, 0x94, 0xff]);
    assert.deepEqual(parseColor(' #3794FFcc '), [0x37, 0x94, 0xff]);
    assert.deepEqual(parseColor('#fa0'), [255, 170, 0]);
    assert.deepEqual(parseColor('rgba(12, 34, 56, 0.5)'), [12, 34, 56]);
    assert.deepEqual(parseColor('rgb(1 2 3)'), [1, 2, 3]);
    assert.equal(parseColor('var(--x)'), null);
  });
  it('interpolates linearly between evenly spaced stops, clamping t', () => {
    const stops: [number, number, number][] = [[0, 0, 0], [100, 200, 50], [200, 0, 250]];
    assert.equal(colorAt(stops, 0), 'rgb(0, 0, 0)');
    assert.equal(colorAt(stops, 0.25), 'rgb(50, 100, 25)');
    assert.equal(colorAt(stops, 0.5), 'rgb(100, 200, 50)');
    assert.equal(colorAt(stops, 0.75), 'rgb(150, 100, 150)');
    assert.equal(colorAt(stops, 1), 'rgb(200, 0, 250)');
    assert.equal(colorAt(stops, 7), 'rgb(200, 0, 250)');
    assert.equal(colorAt(stops, NaN), 'rgb(0, 0, 0)');
  });
  it('normalises loss as log1p(v − min) / log1p(max − min)', () => {
    const t = normalizeLoss([2, 3, 2 + Math.E - 1, NaN]);
    assert.equal(t[0], 0);
    // min 2, max 1 + e: span log1p(e − 1) = 1
    assert.ok(Math.abs(t[1] - Math.LN2) < 1e-15);
    assert.ok(Math.abs(t[2] - 1) < 1e-15);
    assert.ok(Number.isNaN(t[3]));
    assert.deepEqual(normalizeLoss([5, 5]), [0, 0]);
  });
});
