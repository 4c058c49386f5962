// Every string a view shows from the report's metadata (names, symbols, formulas, references,
// assumptions, search details, notes, reasons, warnings) reads as Unicode prose: no raw TeX such as
// `e^{−j/100}`, `β̃^{d−1}`, `max_{j≠y}` or `\sigma`. Checked on a real report of a fixture that
// computes every measure and bound (weights, init, probes, m), so a new formula is checked too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture } from '../helpers/fixtures';
import { cliReport } from '../helpers/cliReport';

/** TeX sub/superscript groups and backslash commands. */
const TEX = /[_^]\{|\\[a-zA-Z]+/;

function strings(v: unknown, path: string, out: [string, string][]): [string, string][] {
  if (typeof v === 'string') out.push([path, v]);
  else if (Array.isArray(v)) v.forEach((x, i) => strings(x, `${path}[${i}]`, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) strings(x, `${path}.${k}`, out);
  return out;
}

test('report metadata and texts carry no raw TeX', () => {
  const r = cliReport([fixture('mlp.onnx'), '--init', fixture('mlp.init.onnx'), '--data', fixture('probe_train.npz'), '--test-data', fixture('probe_test.npz'), '--train-size', '3000', '--landscape', '0']);
  const texts = [
    ...strings(r.metricInfo, 'metricInfo', []),
    ...strings(r.measures, 'measures', []),
    ...strings(r.bounds, 'bounds', []),
    ...strings(r.warnings, 'warnings', []),
    ...r.layers.flatMap((l) => [...strings(l.notes ?? {}, `${l.name}.notes`, []), ...strings(l.flags ?? [], `${l.name}.flags`, []), ...strings(l.esdNote ?? '', `${l.name}.esdNote`, [])]),
  ];
  assert.ok(texts.length > 200, `only ${texts.length} strings: the report is not the full one`);
  const tex = texts.filter(([, s]) => TEX.test(s));
  assert.deepEqual(tex, [], tex.map(([p, s]) => `${p}: ${s}`).join('\n'));
});
