// Probe data: .npy (format versions 1–3, every supported dtype, Fortran order) and .npz (stored and
// deflated) written by NumPy itself, the key search, and every bad input giving an error that starts
// with the file's path and names the problem.
import { requireEvidence } from '../helpers/evidence';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseNpy } from '../../src/data/npy';
import { crc32, readNpz } from '../../src/data/npz';
import { checkProbeAgainstModel, loadProbe } from '../../src/data/probe';
import { fixture, haveFixtures } from '../helpers/fixtures';
import { npz } from '../helpers/npz-writer';

const dir = mkdtempSync(join(tmpdir(), 'tl-probe-'));
const write = (name: string, bytes: Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
const py = (code: string) => {
  const r = spawnSync('python3', ['-c', code], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
};
const good = { x: { dtype: '<f4', shape: [3, 2], data: [0, 1, 2, 3, 4, 5] }, y: { dtype: '<i8', shape: [3], data: [0, 1, 1] } };

test('npy versions 1, 2 and 3, every dtype, Fortran order transposed — as NumPy wrote them', { skip: requireEvidence(!!numpy || 'python3 with numpy is not available') }, () => {
  py(`
import numpy as np
from numpy.lib import format as F
a = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 8 - 1
for v in [(1, 0), (2, 0), (3, 0)]:
    with open(f'v{v[0]}.npy', 'wb') as f: F.write_array(f, a, version=v)
for dt in ['<f2', '<f4', '<f8', '|i1', '<i2', '<i4', '<i8', '|u1', '<u2', '<u4', '|b1']:
    b = (np.arange(6) % 3).astype(dt).reshape(2, 3) if dt != '|b1' else np.array([[1, 0, 1], [0, 0, 1]], dtype=bool)
    np.save(f'dt_{dt[1:]}.npy', b)
np.save('fortran.npy', np.asfortranarray(a))
np.save('big.npy', np.arange(3, dtype='>f4'))
np.save('str.npy', np.array(['a', 'b']))
np.save('half.npy', np.array([1.5, -0.0001, 65504, 2**-24], dtype=np.float16))
`);
  const expected = Array.from({ length: 24 }, (_, i) => i / 8 - 1);
  for (const v of [1, 2, 3]) {
    const a = parseNpy(readFileSync(join(dir, `v${v}.npy`)), `v${v}`);
    assert.deepEqual(a.shape, [2, 3, 4]);
    assert.deepEqual(Array.from(a.data as Float64Array), expected, `version ${v}`);
  }
  const f = parseNpy(readFileSync(join(dir, 'fortran.npy')), 'fortran');
  assert.ok(f.transposed);
  assert.deepEqual(Array.from(f.data as Float64Array), expected, 'Fortran order read back in C order');
  for (const dt of ['f2', 'f4', 'f8', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4']) {
    const a = parseNpy(readFileSync(join(dir, `dt_${dt}.npy`)), dt);
    assert.deepEqual(Array.from(a.data, Number), [0, 1, 2, 0, 1, 2], dt);
  }
  assert.deepEqual(Array.from(parseNpy(readFileSync(join(dir, 'dt_b1.npy')), 'b').data as ArrayLike<number>), [1, 0, 1, 0, 0, 1]);
  // float16: NumPy's own widening of the stored halves (65504 the largest half, 2⁻²⁴ the smallest subnormal)
  const halves = py("import numpy as np; print(' '.join(repr(float(v)) for v in np.load('half.npy').astype(np.float64)))").trim().split(' ').map(Number);
  assert.deepEqual(Array.from(parseNpy(readFileSync(join(dir, 'half.npy')), 'h').data as ArrayLike<number>), halves);
  assert.deepEqual(halves.slice(2), [65504, 2 ** -24]);
  assert.throws(() => parseNpy(readFileSync(join(dir, 'big.npy')), join(dir, 'big.npy')), /big-endian dtype '>f4'/);
  assert.throws(() => parseNpy(readFileSync(join(dir, 'str.npy')), join(dir, 'str.npy')), /unsupported dtype '<U1'/);
});

test('npz from np.savez and np.savez_compressed: keys found, CRC checked, labels as float/bool/one-hot', { skip: requireEvidence(!!numpy || 'python3 with numpy is not available') }, () => {
  py(`
import numpy as np
rng = np.random.default_rng(0)
x = rng.standard_normal((7, 1, 2, 3)).astype(np.float32)
y = np.array([0, 2, 1, 1, 0, 2, 2])
np.savez('stored.npz', images=x, labels=y)
np.savez_compressed('deflated.npz', inputs=x.astype(np.float64), targets=y.astype(np.float32), num_classes=np.int64(3))
np.savez('onehot.npz', x=x, y=np.eye(3)[y])
np.savez('u8.npz', x=(np.arange(14).reshape(7, 2) * 18).astype(np.uint8), y=y)
x.tofile('x.bin')
`);
  const x = new Float32Array(Uint8Array.prototype.slice.call(readFileSync(join(dir, 'x.bin'))).buffer);
  const y = [0, 2, 1, 1, 0, 2, 2];
  const s = loadProbe(join(dir, 'stored.npz'));
  assert.deepEqual([s.inputKey, s.labelKey, s.n], ['images', 'labels', 7]);
  assert.deepEqual(s.xShape, [7, 1, 2, 3]);
  assert.deepEqual(Array.from(s.x), Array.from(x));
  assert.deepEqual(Array.from(s.y), y);
  const d = loadProbe(join(dir, 'deflated.npz'));
  assert.deepEqual([d.inputKey, d.labelKey, d.classes], ['inputs', 'targets', 3]);
  assert.deepEqual(Array.from(d.x), Array.from(x), 'float64 inputs narrowed to the same float32 values');
  assert.deepEqual(Array.from(d.y), y);
  const o = loadProbe(join(dir, 'onehot.npz'));
  assert.deepEqual(Array.from(o.y), y);
  assert.match(o.warnings.join(), /one-hot.*argmax/);
  assert.match(loadProbe(join(dir, 'u8.npz')).warnings.join(), /uint8 \(values up to 234\)/);
  // labels out of range for a 2-class model, with the declared count
  assert.throws(() => loadProbe(join(dir, 'stored.npz'), { classes: 2 }), /label 1 is 2, out of range for 2 classes/);
  // a flipped byte inside a deflated member: inflate error or CRC mismatch, never silent data
  const bytes = readFileSync(join(dir, 'deflated.npz'));
  const m = readNpz(bytes, 'deflated.npz').get('inputs')!;
  assert.equal(m.size, 7 * 6 * 8 + 128);
  bytes[200] ^= 0xff;
  assert.throws(() => loadProbe(write('flipped.npz', bytes)), (e: Error) => e.message.startsWith(join(dir, 'flipped.npz')) && /corrupt \.npz/.test(e.message));
});

test('crc32 equals zlib\'s (Python binascii) on known input', () => {
  // binascii.crc32(b'123456789') = 0xCBF43926, the CRC-32/ISO-HDLC check value
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test('bad probe data: clear errors starting with the file and naming the problem', () => {
  const npyBytes = (header: string, body: Uint8Array) => {
    let h = header;
    while ((10 + h.length + 1) % 64) h += ' ';
    h += '\n';
    const out = new Uint8Array(10 + h.length + body.length);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(out.buffer).setUint16(8, h.length, true);
    out.set(new TextEncoder().encode(h), 10);
    out.set(body, 10 + h.length);
    return out;
  };
  const cases: [string, Uint8Array, RegExp][] = [
    ['nan.npz', npz({ ...good, x: { ...good.x, data: [0, NaN, 2, 3, 4, 5] } }), /'x' contains NaN at flat index 1 \(example 0\)/],
    ['inf.npz', npz({ ...good, x: { ...good.x, data: [0, 1, 2, 3, 4, -Infinity] } }), /contains -Infinity at flat index 5 \(example 2\)/],
    ['neg.npz', npz({ ...good, y: { ...good.y, data: [0, -1, 1] } }), /label 1 is -1; labels must be non-negative/],
    ['frac.npz', npz({ x: good.x, y: { dtype: '<f8', shape: [3], data: [0, 0.5, 1] } }), /label 1 is 0\.5; labels must be integer class indices \(dtype float64\)/],
    ['len.npz', npz({ ...good, y: { dtype: '<i8', shape: [2], data: [0, 1] } }), /'x' has 3 examples but 'y' has 2 labels/],
    ['yshape.npz', npz({ ...good, y: { dtype: '<i8', shape: [3, 1, 1], data: [0, 1, 1] } }), /'y' has shape \[3, 1, 1\]; expected one class index per example/],
    ['keys.npz', npz({ images2: good.x, y: good.y }), /no input array: looked for 'x', 'inputs', 'images', 'data', 'X'; the file has 'images2', 'y'/],
    ['nolabels.npz', npz({ x: good.x }), /no label array.*the file has 'x'/],
    ['empty.npz', npz({ x: { dtype: '<f4', shape: [0, 2], data: [] }, y: { dtype: '<i8', shape: [0], data: [] } }), /no examples/],
    ['truncated.npz', npz(good).subarray(0, 60), /not a valid \.npz \(zip\) file: no end-of-central-directory record/],
    ['garbage.npz', new TextEncoder().encode('PK this is not really a zip archive at all'), /not a valid \.npz/],
    ['text.npz', new TextEncoder().encode('hello'), /not an \.npz archive/],
    ['short.npy', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", new Uint8Array(16)), /truncated data: 16 bytes for 6 × float32 \(24 needed/],
    ['hdr.npy', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", new Uint8Array(24)).subarray(0, 40), /truncated \.npy header/],
    ['obj.npy', npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", new Uint8Array(24)), /unsupported dtype '\|O'/],
    ['magic.npy', new TextEncoder().encode('not numpy at all'), /not an \.npz archive \(no zip signature\) nor an \.npy array|bad magic bytes/],
  ];
  for (const [name, bytes, re] of cases) {
    const p = write(name, bytes);
    assert.throws(() => loadProbe(p), (e: Error) => e.message.startsWith(p) && re.test(e.message), `${name}`);
  }
  assert.throws(() => loadProbe(join(dir, 'none.npz')), (e: Error) => /none\.npz: no such file/.test(e.message));
  assert.throws(() => loadProbe(dir), /is a folder/);
  // an .npy of inputs alone needs its labels beside it
  const xs = write('alone.npy', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", new Uint8Array(24)));
  assert.throws(() => loadProbe(xs), /no label array.*NAME_y\.npy/);
  write('alone_y.npy', npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", new Uint8Array(24)));
  assert.deepEqual(Array.from(loadProbe(xs).y), [0, 0, 0]);
});

test('probe shape against the model input: same rank checked, reshape only when the count fits, else an error', () => {
  const p = loadProbe(write('ok.npz', npz(good)));
  const input = (shape: (number | string | null)[] | null, dtype: string | null = 'float32') => ({ name: 'input', shape, dtype: dtype as 'float32' });
  assert.deepEqual(checkProbeAgainstModel(p, input(['N', 2])), { perExample: [2], warnings: [] });
  assert.deepEqual(checkProbeAgainstModel(p, input([3, 'features'])), { perExample: [2], warnings: [] });
  assert.deepEqual(checkProbeAgainstModel(p, input(null)), { perExample: [2], warnings: [] });
  const r = checkProbeAgainstModel(p, input(['N', 1, 2]));
  assert.deepEqual(r.perExample, [1, 2]);
  assert.match(r.warnings[0], /reshaped to \[3, 1, 2\] to fit model input 'input' \[N, 1, 2\] \(same 2 values per example/);
  const fails: [ReturnType<typeof input>, RegExp][] = [
    [input(['N', 1, 28, 28]), /probe 'x' is \[3, 2\] but model input 'input' is \[N, 1, 28, 28\]: 2 values per example where the model needs 784/],
    [input(['N', 3]), /probe 'x' is \[3, 2\] but model input 'input' is \[N, 3\]$/],
    [input(['N', 'c', 2]), /the ranks differ and the model's per-example shape is not fully known/],
    [input(['N', 2], 'int64'), /model input 'input' is int64; forward passes feed floating-point probes/],
  ];
  for (const [i, re] of fails) assert.throws(() => checkProbeAgainstModel(p, i), (e: Error) => e.message.startsWith(p.path) && re.test(e.message), String(re));
});

test('the fixture probes (np.savez from the training script) load', { skip: requireEvidence(haveFixtures || 'no ../shared/fixtures') }, () => {
  const p = loadProbe(fixture('probe_train.npz'));
  assert.deepEqual(p.xShape, [500, 1, 28, 28]);
  assert.equal(p.y.length, 500);
  assert.ok(p.x.every((v) => v >= 0 && v <= 1));
  assert.ok(p.y.every((v) => v >= 0 && v < 10));
});
