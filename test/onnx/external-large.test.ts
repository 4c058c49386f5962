// External data past 2 GB (offsets beyond 2³¹ and 2³²): the data file is SPARSE, made at test time by
// truncating it to its full length and writing only the tensors' bytes at their high offsets, so the test
// writes a few kB to disk. Values are compared with the ones written (float32 and float16, exactly).
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCheckpointSync } from '../../src/onnx';
import { buildModel, tensorBytes, toHalf, type TensorSpec } from '../helpers/onnx-writer';

test('external data at offsets past 2³¹ and 2³² in a sparse file is read exactly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-bigext-'));
  try {
    const a: TensorSpec = { name: 'fc.weight', dims: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => (i - 5.5) / 3) };
    const b: TensorSpec = { name: 'head.weight', dtype: 'float16', dims: [2, 3], data: [0.5, -1.25, 3, 1e-5, 65504, -2] };
    const offA = 2 ** 31 + 4096; // past the int32 range
    const offB = 2 ** 32 + 8192; // past the uint32 range
    a.external = { location: 'weights.bin', offset: offA, refOnly: true };
    b.external = { location: 'weights.bin', offset: offB, refOnly: true };
    const { bytes } = buildModel({
      inputs: [{ name: 'x', shape: [1, 4] }], outputs: [],
      initializers: [a, b],
      nodes: [{ op: 'Gemm', inputs: ['x', 'fc.weight'], outputs: ['h'], attrs: { transB: 1 } }, { op: 'Gemm', inputs: ['h', 'head.weight'], outputs: ['y'], attrs: { transB: 1 } }],
    });
    writeFileSync(join(dir, 'model.onnx'), bytes);
    const fd = openSync(join(dir, 'weights.bin'), 'w');
    try {
      const ba = tensorBytes({ ...a, external: undefined });
      const bb = tensorBytes({ ...b, external: undefined });
      ftruncateSync(fd, offB + bb.length);
      writeSync(fd, ba, 0, ba.length, offA);
      writeSync(fd, bb, 0, bb.length, offB);
    } finally {
      closeSync(fd);
    }
    const st = statSync(join(dir, 'weights.bin'));
    assert.ok(st.size > 2 ** 32, 'the data file is over 4 GB long');
    assert.ok(st.blocks * 512 < 1 << 20, `the data file is sparse (${st.blocks * 512} bytes on disk)`);
    const c = loadCheckpointSync(join(dir, 'model.onnx'));
    const fc = c.layers.find((l) => l.name === 'fc.weight')!;
    assert.deepEqual(Array.from(fc.weight.toFloat32()), Array.from(Float32Array.from(a.data as ArrayLike<number>)));
    const head = c.layers.find((l) => l.name === 'head.weight')!;
    assert.equal(head.weight.dtype, 'float16');
    assert.deepEqual(Array.from(head.weight.toFloat64()), (b.data as number[]).map((v) => {
      // the exact half value written
      const h = toHalf(v);
      const e = (h >> 10) & 31;
      const f = h & 1023;
      const s = h >> 15 ? -1 : 1;
      return e === 0 ? s * f * 2 ** -24 : s * (1 + f / 1024) * 2 ** (e - 15);
    }));
    assert.equal(c.storedParameters, 18);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
