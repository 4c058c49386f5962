// Two reports of the same weights (read from different formats) have the same per-layer numbers.
import assert from 'node:assert/strict';
import type { Report } from '../../src/protocol/report';

/** Same layer names and matrix shapes, and every metric both report equal within `tol` (relative above 1). */
export function assertSameLayers(a: Report, b: Report, tol = 1e-6): void {
  assert.deepEqual(a.layers.map((l) => [l.name, l.matrixShape]), b.layers.map((l) => [l.name, l.matrixShape]));
  a.layers.forEach((la, i) => {
    const lb = b.layers[i];
    let compared = 0;
    for (const [id, va] of Object.entries(la.metrics)) {
      const vb = lb.metrics[id];
      if (vb === undefined) continue;
      compared++;
      if (va === null || vb === null) assert.equal(va, vb, `${la.name} ${id}`);
      else assert.ok(Math.abs(va - vb) <= tol * Math.max(1, Math.abs(va)), `${la.name} ${id}: ${va} vs ${vb}`);
    }
    assert.ok(compared >= 10, `${la.name}: ${compared} metrics compared`);
  });
}

