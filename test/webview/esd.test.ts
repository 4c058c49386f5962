// The ESD plot's data against numpy (np.histogram over np.logspace edges, same normalisation) on a real
// layer's spectrum, and the power-law overlay against the exact Pareto density it draws.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { defaultBins, logBinEdges, logBinnedDensity, powerLawLine } from '../../webview/common/esd';
import { fixture, haveFixtures } from '../helpers/fixtures';
import { cliReport } from '../helpers/cliReport';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);

describe('ESD density', () => {
  it('equals numpy’s log-binned histogram density on a real layer (rel. 1e-12)', { skip: !haveFixtures }, () => {
    const r = cliReport([fixture('mlp.onnx'), '--no-randomize']);
    const layer = r.layers.find((l) => (l.esd?.length ?? 0) > 50)!;
    const ev = layer.esd!;
    const bins = defaultBins(ev.length);
    const py = `
import json, sys, numpy as np
ev = np.array(json.load(sys.stdin)); bins = ${bins}
pos = ev[ev > 0]
edges = np.logspace(np.log10(pos.min()), np.log10(pos.max()), bins + 1)
edges[0], edges[-1] = pos.min(), pos.max()  # np.histogram drops values outside the edges
counts, _ = np.histogram(pos, bins=edges)
dens = counts / (len(ev) * np.diff(edges))
centres = np.sqrt(edges[:-1] * edges[1:])
print(json.dumps({"edges": edges.tolist(), "x": centres[counts > 0].tolist(), "y": dens[counts > 0].tolist(), "counts": counts.tolist()}))
`;
    const np = JSON.parse(execFileSync('python3', ['-c', py], { input: JSON.stringify(ev), encoding: 'utf8' }));
    const edges = logBinEdges(ev, bins);
    edges.forEach((e, i) => assert.ok(rel(e, np.edges[i]) < 1e-12, `edge ${i}: ${e} vs ${np.edges[i]}`));
    const d = logBinnedDensity(ev, bins);
    assert.equal(d.length, np.x.length, 'same non-empty bins');
    d.forEach((p, i) => {
      assert.ok(rel(p.x, np.x[i]) < 1e-12, `x ${i}`);
      assert.ok(rel(p.y, np.y[i]) < 1e-12, `y ${i}: ${p.y} vs ${np.y[i]}`);
    });
    // every positive eigenvalue is counted: ∫ density = fraction of positive eigenvalues
    const mass = ev.filter((v) => v > 0).length / ev.length;
    assert.equal(np.counts.reduce((s: number, c: number) => s + c, 0), ev.filter((v) => v > 0).length);
    const integral = logBinnedDensity(ev, bins).reduce((s, p) => {
      const k = edges.findIndex((e, j) => j < bins && p.x > e && p.x < edges[j + 1]);
      return s + p.y * (edges[k + 1] - edges[k]);
    }, 0);
    assert.ok(rel(integral, mass) < 1e-12);
  });

  it('overlays the power law it fitted: Pareto quantiles (α = 3, x_min = 1) bin onto the drawn line (5 %)', () => {
    const n = 20000;
    const alpha = 3;
    const ev = Array.from({ length: n }, (_, i) => (1 - (i + 0.5) / n) ** (-1 / (alpha - 1)));
    const line = powerLawLine(ev, alpha, 1, 50);
    // all eigenvalues are in the tail: the line is the Pareto pdf (α − 1) x^(−α)
    for (const p of line) assert.ok(rel(p.y, (alpha - 1) * p.x ** -alpha) < 1e-12);
    assert.equal(line[0].x, 1);
    assert.ok(rel(line[line.length - 1].x, Math.max(...ev)) < 1e-12);
    const d = logBinnedDensity(ev, 40);
    // bins holding ≥ 200 eigenvalues (sampling is exact quantiles, so the error is binning only)
    const edges = logBinEdges(ev, 40);
    const width = (x: number) => edges[edges.findIndex((e, j) => x > e && x < edges[j + 1]) + 1] - edges[edges.findIndex((e, j) => x > e && x < edges[j + 1])];
    const dense = d.filter((p) => p.y * n * width(p.x) >= 200);
    assert.ok(dense.length >= 10);
    for (const p of dense) assert.ok(rel(p.y, (alpha - 1) * p.x ** -alpha) < 0.05, `at ${p.x}: ${p.y} vs ${(alpha - 1) * p.x ** -alpha}`);
  });

  it('scales the line by the tail fraction; nothing for α ≤ 1, x_min ≤ 0 or x_min above the spectrum', () => {
    const ev = [0.1, 0.2, 0.3, 1, 2, 4];
    const line = powerLawLine(ev, 2.5, 1, 3);
    assert.ok(rel(line[0].y, (3 / 6) * 1.5) < 1e-15, 'at x_min: (n_tail/N)(α − 1)/x_min');
    assert.deepEqual(powerLawLine(ev, 1, 1), []);
    assert.deepEqual(powerLawLine(ev, 2, 0), []);
    assert.deepEqual(powerLawLine(ev, 2, 10), []);
    assert.deepEqual(logBinnedDensity([0, 0]), []);
    // a single repeated eigenvalue still bins (a degenerate spectrum, e.g. an orthogonal matrix)
    const flat = logBinnedDensity([2, 2, 2, 2]);
    assert.equal(flat.length, 1);
    assert.ok(rel(flat[0].x, 2) < 0.13, 'in the bin holding 2 (one tenth of a decade wide)');
  });
});
