// Writes the regression files of manifest.json: one minimal input per defect class that the issue's
// campaign or this fuzzer found. Run: node --import tsx test/fuzz/regressions/make.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { ProtoWriter } from '../../../src/onnx/protobuf';
import { npz } from '../../helpers/npz-writer';
import { buildModel, values, type ModelSpec } from '../../helpers/onnx-writer';

const dir = __dirname;
const put = (name: string, bytes: Uint8Array) => writeFileSync(join(dir, name), bytes);
const model = (spec: ModelSpec) => buildModel(spec).bytes;

// One value declaring a [16384, 16384] dense shape, feeding a MatMul (90 bytes → 2.1 GB before).
put('sparse-16384x16384-matmul.onnx', model({
  inputs: [{ name: 'x', shape: ['N', 16384] }], outputs: [{ name: 'y', shape: null }],
  sparse: [{ values: { name: 'w', dims: [1], data: [1] }, indices: [5], dims: [16384, 16384] }],
  nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
}));
// A sparse [2^30] tensor used as a Reshape shape (8 GB reserved before).
put('sparse-2e30-reshape.onnx', model({
  inputs: [{ name: 'x', shape: ['N', 4] }], outputs: [{ name: 'y', shape: null }],
  sparse: [{ values: { name: 's', dtype: 'int64', dims: [1], data: [2] }, indices: [0], dims: [2 ** 30] }],
  nodes: [{ op: 'Reshape', inputs: ['x', 's'], outputs: ['y'] }],
}));
// LSTM W of dims [1 000 000, 4, 1] with 16 bytes of data (millions of layers before).
put('lstm-1e6-directions.onnx', model({
  inputs: [{ name: 's', shape: [5, 1, 1] }], outputs: [{ name: 'r', shape: null }],
  initializers: [{ name: 'W', dims: [1, 4, 1], data: [1, 2, 3, 4] }, { name: 'R', dims: [1, 4, 1], data: [1, 2, 3, 4] }],
  nodes: [{ op: 'LSTM', inputs: ['s', 'W', 'R'], outputs: ['r'], attrs: { hidden_size: 1 } }],
}));
{
  // the writer checks data against dims, so the [1e6, 4, 1] dims are written by hand
  const bytes = new ProtoWriter().int(1, 8).message(7, (g) => {
    g.message(1, (n) => n.string(1, 's').string(1, 'W').string(1, 'R').string(2, 'r').string(4, 'LSTM').message(5, (a) => a.string(1, 'hidden_size').int(3, 1).int(20, 2)));
    g.message(5, (t) => t.packedVarints(1, [1000000, 4, 1]).int(2, 1).string(8, 'W').bytes(9, new Uint8Array(16)));
    g.message(5, (t) => t.packedVarints(1, [1000000, 4, 1]).int(2, 1).string(8, 'R').bytes(9, new Uint8Array(16)));
    g.message(11, (v) => v.string(1, 's'));
  }).int(1, 8).finish();
  put('lstm-1e6-directions.onnx', bytes);
}
const attention = (sizes: number[]): ModelSpec => ({
  inputs: [{ name: 'x', shape: [1, 3, 4] }], outputs: [{ name: 'y', shape: null }],
  initializers: [{ name: 'qkv', dims: [4, 12], data: values(48, 1) }],
  nodes: [{ op: 'Attention', domain: 'com.microsoft', inputs: ['x', 'qkv'], outputs: ['y'], attrs: { num_heads: 1, qkv_hidden_sizes: sizes } }],
  extraOpsets: [{ domain: 'com.microsoft', version: 1 }],
});
put('attention-qkv-2e31.onnx', model(attention([2 ** 31, 1, 1])));
put('attention-qkv-negative.onnx', model(attention([-4, 1, 1])));
// A DequantizeLinear scale stored as a sparse tensor of dims [2^29] (decoded at load before: 2.1 GB).
put('dequantize-sparse-scale-2e29.onnx', model({
  inputs: [{ name: 'x', shape: ['N', 3] }], outputs: [{ name: 'y', shape: null }],
  initializers: [{ name: 'wq', dtype: 'int8', dims: [3, 2], data: [1, 2, 3, 4, 5, 6] }],
  sparse: [{ values: { name: 'scale', dims: [1], data: [0.5] }, indices: [0], dims: [2 ** 29] }],
  nodes: [
    { op: 'DequantizeLinear', inputs: ['wq', 'scale'], outputs: ['w'] },
    { op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] },
  ],
}));
// A Conv without kernel_shape before another Conv (a NaN input size reached the conv spectra before).
put('conv-without-kernel-shape.onnx', model({
  inputs: [{ name: 'x', shape: [1, 1, 8, 8] }], outputs: [{ name: 'y', shape: null }],
  initializers: [{ name: 'conv1.weight', dims: [2, 1, 3, 3], data: values(18, 2) }, { name: 'conv2.weight', dims: [2, 2, 3, 3], data: values(36, 3) }],
  nodes: [
    { op: 'Conv', name: '/conv1/Conv', inputs: ['x', 'conv1.weight'], outputs: ['h'], attrs: { strides: [] } },
    { op: 'Conv', name: '/conv2/Conv', inputs: ['h', 'conv2.weight'], outputs: ['y'] },
  ],
}));
// A conv whose inferred input is 65536×98304 (the exact conv spectrum asked for a 48 GB array before).
put('conv-huge-input.onnx', model({
  inputs: [{ name: 'x', shape: [1, 3, 65536, 98304] }], outputs: [{ name: 'y', shape: null }],
  initializers: [{ name: 'conv.weight', dims: [2, 3, 3, 3], data: values(54, 5) }],
  nodes: [{ op: 'Conv', name: '/conv/Conv', inputs: ['x', 'conv.weight'], outputs: ['y'], attrs: { kernel_shape: [3, 3] } }],
}));
// A conv group that does not divide c_out (found by npm run fuzz, seed 1: a raw RangeError from the conv spectra).
put('conv-group-2e31.onnx', model({
  inputs: [{ name: 'x', shape: [1, 3, 8, 8] }], outputs: [{ name: 'y', shape: null }],
  initializers: [{ name: 'conv.weight', dims: [2, 3, 3, 3], data: values(54, 6) }],
  nodes: [{ op: 'Conv', name: '/conv/Conv', inputs: ['x', 'conv.weight'], outputs: ['y'], attrs: { kernel_shape: [3, 3], group: 2 ** 31 - 1 } }],
}));
// 150 000 empty nodes in 300 KB (a million in 2 MB took 55 s and 557 MB of objects before).
{
  const inner = new Uint8Array(2 * 150_000);
  for (let i = 0; i < inner.length; i += 2) inner[i] = 0x0a;
  put('nodes-150k-empty.onnx', new ProtoWriter().int(1, 8).bytes(7, inner).finish());
}
// A 1 MiB dims field (a 4 MB one-line error before).
put('dims-1mib.onnx', new ProtoWriter().int(1, 8).message(7, (g) => {
  g.message(5, (t) => t.packedVarints(1, new Array(1 << 20).fill(1)).int(2, 1).string(8, 'w').bytes(9, new Uint8Array(4)));
}).finish());
// Names with terminal escapes and a spreadsheet formula: the model loads; output is made inert.
put('hostile-names.onnx', model({
  producer: '\x1b[2J\x1b[31mpwned\x07\r\n', inputs: [{ name: 'x', shape: ['N', 2] }], outputs: [{ name: 'y', shape: null }],
  initializers: [{ name: "=cmd|' /C calc'!A0", dims: [2, 2], data: [1, 2, 3, 4] }, { name: '\x1b]0;title\x07w\r\nFAKE LINE', dims: [2, 2], data: [1, 0, 0, 1] }],
  nodes: [
    { op: 'Gemm', name: '@SUM(A1)', inputs: ['x', "=cmd|' /C calc'!A0"], outputs: ['h'], attrs: { transB: 1 } },
    { op: 'Gemm', name: '+1', inputs: ['h', '\x1b]0;title\x07w\r\nFAKE LINE'], outputs: ['y'], attrs: { transB: 1 } },
  ],
}));
// External data through a name with control characters that does not exist: the error is escaped.
put('external-control-location.onnx', model({
  inputs: [{ name: 'x', shape: ['N', 2] }], outputs: [{ name: 'y', shape: null }],
  initializers: [{ name: 'w', dims: [2, 2], data: [1, 2, 3, 4], external: { location: 'missing\x1b[31m\r\n.bin' } }],
  nodes: [{ op: 'Gemm', inputs: ['x', 'w'], outputs: ['y'], attrs: { transB: 1 } }],
}));

// External data named 'undefined' (npm run fuzz, seed 777): the message quotes the name and gives the
// model's folder, not the joined path (which repeated the file's text unquoted).
put('external-location-js-word.onnx', model({
  inputs: [{ name: 'x', shape: ['N', 2] }], outputs: [{ name: 'y', shape: null }],
  initializers: [{ name: 'w', dims: [2, 2], data: [1, 2, 3, 4], external: { location: 'undefined' } }],
  nodes: [{ op: 'Gemm', inputs: ['x', 'w'], outputs: ['y'], attrs: { transB: 1 } }],
}));

// Probe files.
const probe = { x: { dtype: '<f4', shape: [2, 3], data: values(6, 4) }, y: { dtype: '<i8', shape: [2], data: [0, 1] } };
// A deflated member that inflates far past its declared size (6.4 GB from 2.1 MB before; 8 MiB here).
{
  const good = npz(probe, { deflate: true });
  const bomb = new Uint8Array(deflateRawSync(new Uint8Array(8 << 20)));
  // replace member x's data by the bomb, keeping its directory entry's sizes (declared small)
  const parts = splitZip(good);
  parts[0].data = bomb;
  put('npz-inflation-bomb.npz', joinZip(parts));
}
// A member declaring 6.4 GB uncompressed.
{
  const parts = splitZip(npz(probe, { deflate: true }));
  parts[0].usize = 6.4e9;
  put('npz-declares-6gb.npz', joinZip(parts, true));
}
// zip64 archive whose member inflates past its zip64-declared size.
{
  const parts = splitZip(npz(probe, { deflate: true }));
  parts[0].data = new Uint8Array(deflateRawSync(new Uint8Array(4 << 20)));
  put('npz-zip64-bomb.npz', joinZip(parts, true));
}
// Label 10^12 (int64): wrapped to −727379968 in an Int32Array before.
put('labels-1e12.npz', npz({ x: probe.x, y: { dtype: '<i8', shape: [2], data: [1e12, 0] } }));
// An .npy whose header holds control characters and a newline.
{
  const header = "{'descr': '\x1b[31m<f4\x07', 'fortran_order': False, 'shape': (2,), }\r\n";
  const npy = new Uint8Array(10 + header.length + 8);
  npy.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(npy.buffer).setUint16(8, header.length, true);
  npy.set(Buffer.from(header, 'latin1'), 10);
  put('npy-control-header.npy', npy);
}

// State dicts (found by npm run fuzz, seed 11): safetensors header entries without a dtype, a shape or
// data_offsets ("unknown dtype undefined", "data_offsets undefined" before).
const safetensors = (header: object, dataBytes: number) => {
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  return out;
};
put('safetensors-no-dtype.safetensors', safetensors({ w: { shape: [2, 2], data_offsets: [0, 16] } }, 16));
put('safetensors-no-offsets.safetensors', safetensors({ w: { dtype: 'F32', shape: [2, 2] } }, 16));
put('safetensors-no-shape.safetensors', safetensors({ w: { dtype: 'F32', data_offsets: [0, 16] } }, 16));

/** Members of a zip written by npz(): local data and directory sizes, to rebuild with changes. */
interface Member { name: Uint8Array; crc: number; method: number; data: Uint8Array; usize: number }
function splitZip(z: Uint8Array): Member[] {
  const dv = new DataView(z.buffer, z.byteOffset, z.byteLength);
  const out: Member[] = [];
  for (let p = 0; dv.getUint32(p, true) === 0x04034b50; ) {
    const method = dv.getUint16(p + 8, true);
    const crc = dv.getUint32(p + 14, true);
    const csize = dv.getUint32(p + 18, true);
    const usize = dv.getUint32(p + 22, true);
    const nlen = dv.getUint16(p + 26, true);
    const name = z.slice(p + 30, p + 30 + nlen);
    out.push({ name, crc, method, data: z.slice(p + 30 + nlen, p + 30 + nlen + csize), usize });
    p += 30 + nlen + csize;
  }
  return out;
}
function joinZip(ms: Member[], zip64 = false): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const m of ms) {
    const local = new Uint8Array(30 + m.name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true); lv.setUint16(8, m.method, true); lv.setUint32(14, m.crc, true);
    lv.setUint32(18, m.data.length, true); lv.setUint32(22, Math.min(m.usize, 0xffffffff), true); lv.setUint16(26, m.name.length, true); local.set(m.name, 30);
    const extra = zip64 ? 28 : 0;
    const cd = new Uint8Array(46 + m.name.length + extra);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true); cv.setUint16(10, m.method, true); cv.setUint32(16, m.crc, true);
    cv.setUint32(20, zip64 ? 0xffffffff : m.data.length, true); cv.setUint32(24, zip64 ? 0xffffffff : m.usize, true);
    cv.setUint16(28, m.name.length, true); cv.setUint16(30, extra, true); cv.setUint32(42, zip64 ? 0xffffffff : offset, true); cd.set(m.name, 46);
    if (zip64) {
      const e = 46 + m.name.length;
      cv.setUint16(e, 1, true); cv.setUint16(e + 2, 24, true);
      cv.setBigUint64(e + 4, BigInt(m.usize), true); cv.setBigUint64(e + 12, BigInt(m.data.length), true); cv.setBigUint64(e + 20, BigInt(offset), true);
    }
    parts.push(local, m.data);
    central.push(cd);
    offset += local.length + m.data.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true); ev.setUint16(8, ms.length, true); ev.setUint16(10, ms.length, true); ev.setUint32(12, cdSize, true); ev.setUint32(16, offset, true);
  const all = [...parts, ...central, end];
  const out = new Uint8Array(all.reduce((a, c) => a + c.length, 0));
  let o = 0;
  for (const c of all) { out.set(c, o); o += c.length; }
  return out;
}
