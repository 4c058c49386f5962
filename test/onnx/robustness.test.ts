// Bad input never crashes or hangs the reader: truncations at every 1/16 of a real checkpoint, seeded
// random byte flips, wire-type errors, lengths past the end, non-ONNX files. Each case either loads or
// throws a CheckpointError that names the file.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CheckpointError, loadCheckpointSync } from '../../src/onnx';
import { ProtoWriter } from '../../src/onnx/protobuf';
import { fixture, haveFixtures } from '../helpers/fixtures';
import { kitchenSinkSpec } from '../helpers/kitchen-sink';
import { buildModel, mlp } from '../helpers/onnx-writer';

const dir = mkdtempSync(join(tmpdir(), 'tl-robust-'));
const source = haveFixtures ? readFileSync(fixture('cnn.onnx')) : Buffer.from(buildModel(mlp([8, 4, 2])).bytes);

const kitchenSink = Buffer.from(buildModel(kitchenSinkSpec).bytes);

/** Loads bytes from a file and touches every layer's values; returns 'ok' or the CheckpointError. */
function attempt(bytes: Uint8Array, name: string): 'ok' | CheckpointError {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  try {
    const c = loadCheckpointSync(p);
    // Touch every value the checkpoint can hand out: lazily decoded data fails here, if anywhere.
    for (const t of c.tensors.values()) t.toFloat64();
    for (const l of c.layers) {
      l.matrix();
      l.bias?.toFloat64();
    }
    return 'ok';
  } catch (e) {
    if (e instanceof CheckpointError) {
      assert.ok(e.message.startsWith(p), `the message names the file: ${e.message}`);
      return e;
    }
    throw new Error(`${name}: ${(e as Error).name} escaped instead of a CheckpointError: ${(e as Error).stack}`);
  }
}

test('truncated at every 1/16 of its length', { timeout: 60000 }, () => {
  for (let k = 0; k < 16; k++) {
    const cut = Math.floor((source.length * k) / 16);
    const r = attempt(source.subarray(0, cut), `trunc-${k}.onnx`);
    assert.notEqual(r, 'ok', `a file cut to ${cut} of ${source.length} bytes must not load`);
  }
});

test('the unflipped models load, with every value readable', () => {
  assert.equal(attempt(source, 'source.onnx'), 'ok');
  assert.equal(attempt(kitchenSink, 'sink.onnx'), 'ok');
  const c = loadCheckpointSync(join(dir, 'sink.onnx'));
  assert.deepEqual(c.layers.map((l) => l.name + (l.part ? ` ${l.part}` : '')).slice(0, 5), ['typed.weight', 'half.weight', 'q.weight', 'c.weight', 'sp.weight']);
  assert.equal(c.layers.length, 5 + 8);
});

for (const [label, bytes] of [['the cnn fixture', source], ['a model with weights in every place', kitchenSink]] as const) {
  test(`200 seeded random byte flips of ${label}: load or a clear error, never a crash or hang`, { timeout: 120000 }, () => {
    let a = 12345;
    const rnd = () => {
      a = (Math.imul(a, 1103515245) + 12345) >>> 0;
      return a / 4294967296;
    };
    let errors = 0;
    for (let i = 0; i < 200; i++) {
      const b = Uint8Array.from(bytes);
      const flips = 1 + Math.floor(rnd() * 8);
      // flip bytes mostly in the structure (the first 4 KiB) where they matter most
      for (let f = 0; f < flips; f++) b[Math.floor(rnd() * Math.min(b.length, rnd() < 0.7 ? 4096 : b.length))] ^= 1 + Math.floor(rnd() * 255);
      if (attempt(b, 'flip.onnx') !== 'ok') errors++;
    }
    assert.ok(errors > 0, 'some flips are detected');
  });

  test(`${label} truncated at every byte of its first 512 and every 1/64 after`, { timeout: 60000 }, () => {
    const cuts = new Set<number>();
    for (let k = 0; k < Math.min(512, bytes.length); k++) cuts.add(k);
    for (let k = 0; k < 64; k++) cuts.add(Math.floor((bytes.length * k) / 64));
    for (const cut of cuts) assert.notEqual(attempt(bytes.subarray(0, cut), 'cut.onnx'), 'ok', `cut to ${cut} of ${bytes.length} bytes`);
  });
}

test('wire-type errors, lengths past the end, non-ONNX files, empty files, folders', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty.onnx', new Uint8Array(0), /empty/],
    ['png.onnx', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), /is a PNG image, not an ONNX model/],
    ['text.onnx', new TextEncoder().encode('hello, this is not a model\n'), /is a text file, not an ONNX model/],
    ['model.pt', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0]), /is a ZIP archive \(a PyTorch/],
    ['pickle.pt', Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc]), /is a Python pickle/],
    ['random.bin', Uint8Array.from([0x07, 0x00, 0xff, 0x13, 0x99]), /not a valid ONNX model: malformed or truncated/],
    ['group.onnx', Uint8Array.from([0x0b, 0x0c]), /wire type/],
    ['pastend.onnx', new ProtoWriter().int(1, 8).tag(7, 2).varint(1 << 20).finish(), /length|remain|malformed/],
    ['nograph.onnx', new ProtoWriter().int(1, 8).string(2, 'x').finish(), /no graph/],
    ['badtype.onnx', new ProtoWriter().int(1, 8).message(7, (g) => g.message(5, (t) => t.packedVarints(1, [1]).int(2, 99).string(8, 'w').bytes(9, new Uint8Array(4)))).finish(), /unknown data type 99/],
  ];
  for (const [name, bytes, re] of cases) {
    const r = attempt(bytes, name);
    assert.ok(r instanceof CheckpointError && re.test(r.message), `${name}: ${r === 'ok' ? 'loaded' : r.message}`);
  }
  assert.throws(() => loadCheckpointSync(dir), /is a folder/);
  assert.throws(() => loadCheckpointSync(join(dir, 'nope.onnx')), /no such file/);
});

test('a weight whose data is shorter than its shape is an error naming the tensor', () => {
  const bytes = new ProtoWriter().int(1, 8).message(7, (g) => {
    g.message(1, (n) => n.string(1, 'x').string(1, 'w').string(2, 'y').string(4, 'Gemm'));
    g.message(5, (t) => t.packedVarints(1, [2, 2]).int(2, 1).string(8, 'w').bytes(9, new Uint8Array(12)));
  }).finish();
  const r = attempt(bytes, 'short.onnx');
  assert.ok(r instanceof CheckpointError && /'w'.*12 bytes/.test(r.message), String(r));
});
