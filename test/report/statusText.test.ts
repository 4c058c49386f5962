// The status bar's headline: a non-vacuous bound first, else α̂, else the spectral product.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BoundValue, Report } from '../../src/protocol/report';
import { statusText } from '../../src/report/statusText';

const bound = (id: string, value: number | null, vacuous: boolean | null): BoundValue => ({ id, name: id, value, vacuous, assumptions: [], reference: `ref ${id}` });
const report = (bounds: BoundValue[], measures: Record<string, number | null>): Report => ({
  model: { path: '/runs/a/epoch_30.onnx' }, bounds, runtime: undefined,
  measures: Object.fromEntries(Object.entries(measures).map(([k, v]) => [k, { value: v, name: `name of ${k}`, formula: '', reference: `ref ${k}` }])),
}) as unknown as Report;

describe('statusText', () => {
  it('leads with the tightest non-vacuous bound', () => {
    const r = report([bound('a', 0.95, true), bound('b', 0.41234, false), bound('c', 0.6, false), bound('d', null, null)], { wwMeanAlphaWeighted: 2.5 });
    const s = statusText(r);
    assert.equal(s.text, '$(graph) epoch_30.onnx · bound 0.412');
    assert.match(s.tooltip, /b: 0\.4123 \(non-vacuous\) — ref b/);
    assert.match(s.tooltip, /name of wwMeanAlphaWeighted: 2\.5 — ref wwMeanAlphaWeighted/);
  });
  it('with only vacuous bounds shows α̂, and says the bound is vacuous in the tooltip', () => {
    const r = report([bound('a', 1, true), bound('b', 4.7e8, true)], { wwMeanAlphaWeighted: 2.95912, logProdSpec: 9.37 });
    const s = statusText(r);
    assert.equal(s.text, '$(graph) epoch_30.onnx · α̂ 2.96');
    assert.match(s.tooltip, /a: 1 \(vacuous\)/);
  });
  it('falls back to the spectral product, then to the name alone', () => {
    assert.equal(statusText(report([], { wwMeanAlphaWeighted: null, logProdSpec: 9.3712 })).text, '$(graph) epoch_30.onnx · Σ ln‖W‖₂² 9.37');
    assert.equal(statusText(report([], {})).text, '$(graph) epoch_30.onnx');
  });
});
