// The safetensors reader on files written by test/helpers/safetensors-writer.ts: every dtype decoded
// exactly (float8 by hand-derived values), metadata, data order, shards, and hostile headers refused
// with one line naming the file before anything of the claimed size is allocated.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCheckpoint, readerFor } from '../../src/checkpoint/readers';
import { CheckpointError } from '../../src/onnx/types';
import { loadSafetensors } from '../../src/safetensors/reader';
import { values } from '../helpers/onnx-writer';
import { layout, raw, safetensorsBytes, tensor, type StDType } from '../helpers/safetensors-writer';

const dir = mkdtempSync(join(tmpdir(), 'tl-st-'));
let n = 0;
function save(bytes: Uint8Array, name = `m${n++}.safetensors`, sub = ''): string {
  const folder = join(dir, sub);
  mkdirSync(folder, { recursive: true });
  const p = join(folder, name);
  writeFileSync(p, bytes);
  return p;
}

test('every dtype decodes to its exact values', () => {
  const exact = [0, 1, -2, 0.5, -0.125, 3.75, 100, -7];
  const ints = [0, 1, -2, 3, -128, 127, 5, -7];
  const uints = [0, 1, 2, 3, 255, 127, 5, 7];
  const cases: [StDType, number[]][] = [
    ['F32', exact], ['F64', exact], ['F16', exact], ['BF16', exact],
    ['I8', ints], ['I16', ints], ['I32', ints], ['I64', ints], ['U8', uints], ['U16', uints], ['U32', uints], ['U64', uints], ['BOOL', [0, 1, 1, 0, 1, 0, 0, 1]],
  ];
  const p = save(safetensorsBytes(cases.map(([d, v], i) => tensor(`t${i}.${d}`, d, [2, 4], v))));
  const c = loadSafetensors(p);
  cases.forEach(([d, v], i) => {
    const t = c.tensors.get(`t${i}.${d}`)!;
    assert.deepEqual(Array.from(t.toFloat32()), v, d);
    assert.deepEqual(Array.from(t.toFloat64()), v, d);
  });
});

test('float8 E4M3FN and E5M2 are measured after conversion (hand-derived values)', () => {
  // E4M3FN: bias 7, 3 mantissa bits, S.1111.111 = NaN. E5M2: bias 15, 2 mantissa bits, IEEE inf/NaN.
  const e4 = { bytes: [0x38, 0x40, 0x3c, 0x01, 0x7e, 0xb8, 0x08, 0x7f], want: [1, 2, 1.5, 2 ** -9, 448, -1, 2 ** -6, NaN] };
  const e5 = { bytes: [0x3c, 0x40, 0x3e, 0x01, 0x7b, 0xbc, 0x7c, 0x7d], want: [1, 2, 1.5, 2 ** -16, 57344, -1, Infinity, NaN] };
  const p = save(safetensorsBytes([
    { name: 'a', dtype: 'F8_E4M3', shape: [8], data: Uint8Array.from(e4.bytes) },
    { name: 'b', dtype: 'F8_E5M2', shape: [8], data: Uint8Array.from(e5.bytes) },
  ]));
  const c = loadSafetensors(p);
  assert.deepEqual(Array.from(c.tensors.get('a')!.toFloat64()), e4.want);
  assert.deepEqual(Array.from(c.tensors.get('b')!.toFloat64()), e5.want);
  assert.equal(c.tensors.get('a')!.dtype, 'float8e4m3fn');
});

test('metadata, data order, layers and biases; the registry picks the reader by content', async () => {
  const w0 = values(12, 1);
  const w1 = values(6, 2);
  const { header, data } = layout([tensor('fc0.weight', 'F32', [3, 4], w0), tensor('fc0.bias', 'F32', [3], values(3, 3)), tensor('fc1.weight', 'F32', [2, 3], w1), tensor('norm.weight', 'F32', [2], [1, 1])], { format: 'pt', note: 'hi' });
  // header keys written in reverse: the reader follows the data order
  const reversed = Object.fromEntries(Object.entries(header).reverse());
  const p = save(raw(reversed, data), 'model.weights');
  assert.equal(readerFor(p).id, 'safetensors');
  const c = await loadCheckpoint(p);
  assert.equal(c.format, 'safetensors');
  assert.deepEqual(c.metadata, { format: 'pt', note: 'hi' });
  assert.deepEqual(c.layers.map((l) => [l.name, l.op, l.role, [...l.matrixShape], l.bias?.name ?? null]), [
    ['fc0.weight', 'Linear', 'dense', [3, 4], 'fc0.bias'],
    ['fc1.weight', 'Linear', 'dense', [2, 3], null],
  ]);
  assert.deepEqual(Array.from(c.layers[0].matrix()), Array.from(w0));
  assert.equal(c.storedParameters, 12 + 3 + 6 + 2);
  assert.match(c.layers[0].notes!.role, /2-D \.weight: linear/);
});

test('a folder of shards and an index.json open as one model', async () => {
  const sub = `shards${n++}`;
  save(safetensorsBytes([tensor('a.weight', 'BF16', [2, 2], [1, 2, 3, 4])]), 'model-00001-of-00002.safetensors', sub);
  save(safetensorsBytes([tensor('b.weight', 'F16', [2, 2], [5, 6, 7, 8])]), 'model-00002-of-00002.safetensors', sub);
  const index = save(new TextEncoder().encode(JSON.stringify({ metadata: {}, weight_map: { 'a.weight': 'model-00001-of-00002.safetensors', 'b.weight': 'model-00002-of-00002.safetensors' } })), 'model.safetensors.index.json', sub);
  for (const p of [join(dir, sub), index]) {
    const c = await loadCheckpoint(p);
    assert.deepEqual(c.layers.map((l) => l.name), ['a.weight', 'b.weight']);
    assert.deepEqual(Array.from(c.layers[1].matrix()), [5, 6, 7, 8]);
    assert.ok(c.warnings.some((w) => /2 shards/.test(w)));
  }
  const bad = save(new TextEncoder().encode(JSON.stringify({ weight_map: { x: '../etc/passwd' } })), 'evil.safetensors.index.json', `evil${n++}`);
  await assert.rejects(loadCheckpoint(bad), /not a file name beside the index/);
});

test('hostile files: one clear error naming the file, nothing of the claimed size allocated', async () => {
  const good = layout([tensor('w', 'F32', [2, 2], [1, 2, 3, 4])]);
  const h = good.header as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const variant = (edit: (x: typeof h) => unknown) => raw(edit(structuredClone(h)), good.data);
  const cases: [string, Uint8Array, RegExp][] = [
    ['truncated header length', Uint8Array.from([1, 2, 3]), /only 3 bytes/],
    ['header length past EOF', raw(h, good.data, 1000n), /runs past the end of the file/],
    ['header length 2^63', raw(h, good.data, 2n ** 63n), /over the 100000000-byte limit/],
    ['header not JSON', (() => { const b = raw(h, good.data); b[8] = 0x5b; b[9] = 0x7b; return b; })(), /header is not valid JSON|not a JSON object/],
    ['offsets past the data', variant((x) => ((x.w.data_offsets = [0, 400]), x)), /run past the end of the data/],
    ['dtype lie', variant((x) => ((x.w.dtype = 'F64'), x)), /needs 32 bytes but the file gives it 16/],
    ['shape lie', variant((x) => ((x.w.shape = [3, 2]), x)), /needs 24 bytes/],
    ['giant shape', variant((x) => ((x.w.shape = [2 ** 40, 2 ** 40]), x)), /more elements than any file can hold/],
    ['negative dim', variant((x) => ((x.w.shape = [-1, 4]), x)), /not a list of non-negative integers/],
    ['unknown dtype', variant((x) => ((x.w.dtype = 'Q4'), x)), /unknown dtype "Q4"/],
    ['reversed offsets', variant((x) => ((x.w.data_offsets = [16, 0]), x)), /0 ≤ begin ≤ end/],
    ['overlap', raw({ ...h, v: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, good.data), /overlap those of 'w'/],
  ];
  const before = process.memoryUsage().rss;
  for (const [what, bytes, re] of cases) {
    const p = save(bytes, `hostile${n++}.safetensors`);
    await assert.rejects(loadCheckpoint(p), (e: unknown) => {
      assert.ok(e instanceof CheckpointError, `${what}: ${String(e)}`);
      assert.match(e.message, re, what);
      assert.ok(e.message.startsWith(p), `${what}: names the file`);
      assert.ok(!e.message.includes('\n'), `${what}: one line`);
      return true;
    });
  }
  assert.ok(process.memoryUsage().rss - before < 200 * 2 ** 20, 'no giant allocation');
});

test('a tensor truncated after the header was read fails when measured, naming the tensor', () => {
  const bytes = safetensorsBytes([tensor('fc.weight', 'F32', [64, 64], values(4096, 1))]);
  const p = save(bytes);
  const c = loadSafetensors(p);
  writeFileSync(p, bytes.subarray(0, bytes.length - 100));
  assert.throws(() => c.layers[0].matrix(), (e: unknown) => e instanceof CheckpointError && /tensor 'fc\.weight'.*truncated/.test(e.message));
});
