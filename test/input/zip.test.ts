// The one ZIP reader (src/input/zip.ts) that .npz probes and torch.save archives share, against archives
// written by Python's own zipfile module (an independent writer): stored, deflated, zip64-forced members,
// member and archive comments, read from disk and from memory; then hostile variants of those archives —
// every truncation, every flipped byte of the directory, lying sizes and counts — each either read
// correctly or rejected through the format's `fail` with one line, never another exception.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bytesSource, crc32, fileSource, ZipArchive, type ZipFail } from '../../src/input/zip';
import { requireEvidence } from '../helpers/evidence';

const python = spawnSync('python3', ['-c', 'import zipfile, zlib'], { encoding: 'utf8' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'tl-zip-'));

class ZipProblem extends Error {
  constructor(readonly problem: string, readonly kind: string) {
    super(`${kind}: ${problem}`);
  }
}
const fail: ZipFail = (problem, kind) => {
  throw new ZipProblem(problem, kind);
};

/** Python writes archive `name` and every member's bytes beside it (member i → name.i). */
function pyZip(name: string, zip64: boolean): { path: string; members: Map<string, Uint8Array> } {
  const code = `
import zipfile, random, sys
random.seed(7)
path, zip64 = sys.argv[1], sys.argv[2] == '1'
members = [
  ('stored/a.bin', bytes(random.getrandbits(8) for _ in range(1000)), zipfile.ZIP_STORED),
  ('deflated/b.txt', b'theory lens ' * 500, zipfile.ZIP_DEFLATED),
  ('empty', b'', zipfile.ZIP_STORED),
  ('unicode/\\u03b8.npy', bytes(range(256)) * 3, zipfile.ZIP_DEFLATED),
]
with zipfile.ZipFile(path, 'w') as z:
  z.comment = b'archive comment'
  for i, (n, data, method) in enumerate(members):
    info = zipfile.ZipInfo(n)
    info.compress_type = method
    info.comment = b'member comment %d' % i
    with z.open(info, 'w', force_zip64=zip64) as f:
      f.write(data)
    open(path + '.%d' % i, 'wb').write(data)
print('\\n'.join(n for n, _, _ in members))
`;
  const path = join(dir, name);
  const r = spawnSync('python3', ['-c', code, path, zip64 ? '1' : '0'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const names = r.stdout.trim().split('\n');
  return { path, members: new Map(names.map((n, i) => [n, new Uint8Array(readFileSync(`${path}.${i}`))])) };
}

const skip = requireEvidence(python || 'python3 (for its zipfile module) is not available');

for (const zip64 of [false, true]) {
  test(`members written by Python's zipfile${zip64 ? ' (zip64 forced)' : ''} read back byte for byte, from disk and from memory`, { skip }, () => {
    const { path, members } = pyZip(`py${zip64 ? '64' : ''}.zip`, zip64);
    for (const source of [fileSource(path), bytesSource(new Uint8Array(readFileSync(path)))]) {
      const zip = new ZipArchive(source, fail);
      assert.deepEqual([...zip.entries.keys()], [...members.keys()]);
      for (const [name, data] of members) {
        const e = zip.entries.get(name)!;
        assert.equal(e.size, data.length, name);
        assert.equal(e.crc, crc32(data), name);
        assert.deepEqual(new Uint8Array(zip.read(e)), data, name);
        if (e.method === 0) {
          // a stored member's span is the member itself (torch.save storages are read this way)
          const at = zip.dataOffset(e);
          assert.deepEqual(new Uint8Array(readFileSync(path)).subarray(at, at + e.size), data, name);
        }
      }
    }
  });
}

test('crc32 equals zlib.crc32 (Python) on the check string and on random data', { skip }, () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  const data = new Uint8Array(4099).map((_, i) => (i * 2654435761) >>> 24);
  writeFileSync(join(dir, 'crc.bin'), data);
  const r = spawnSync('python3', ['-c', 'import zlib,sys; print(zlib.crc32(open(sys.argv[1],"rb").read()))', join(dir, 'crc.bin')], { encoding: 'utf8' });
  assert.equal(crc32(data), Number(r.stdout.trim()));
});

/** Opens and reads every member; returns 'ok', or the ZipProblem's kind. Any other exception fails the test. */
function attempt(bytes: Uint8Array): string {
  try {
    const zip = new ZipArchive(bytesSource(bytes), fail);
    for (const e of zip.entries.values()) {
      if (e.size > 1 << 20) continue; // a caller's limit (probes, pickles) stops these before read()
      zip.read(e);
    }
    return 'ok';
  } catch (e) {
    if (e instanceof ZipProblem) {
      assert.ok(!e.problem.includes('\n') && e.problem.length < 300, e.problem);
      assert.ok(!/\b(undefined|NaN)\b/.test(e.problem.replace(/'[^']*'/g, "''")), e.problem);
      return e.kind;
    }
    throw e;
  }
}

test('every truncation and every flipped directory byte: read correctly or one clean problem', { skip }, () => {
  for (const zip64 of [false, true]) {
    const { path, members } = pyZip(`hostile${zip64 ? '64' : ''}.zip`, zip64);
    const good = new Uint8Array(readFileSync(path));
    const outcomes = new Map<string, number>();
    const count = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
    for (let n = 0; n < good.length; n += 7) count(`cut:${attempt(good.subarray(0, n))}`);
    // the central directory and the end records: the last part of the file
    const cdStart = good.length - 600;
    for (let i = Math.max(0, cdStart); i < good.length; i++) {
      for (const x of [0x01, 0x80, 0xff]) {
        const bad = good.slice();
        bad[i] ^= x;
        count(`flip:${attempt(bad)}`);
      }
    }
    // a flipped byte inside a member's data: CRC mismatch (stored) or inflate error/CRC (deflated), never silent
    const zip = new ZipArchive(bytesSource(good), fail);
    for (const e of zip.entries.values()) {
      if (e.size === 0) continue;
      const bad = good.slice();
      bad[zip.dataOffset(e) + 3] ^= 0x10;
      assert.throws(() => new ZipArchive(bytesSource(bad), fail).read(new ZipArchive(bytesSource(bad), fail).entries.get(e.name)!), ZipProblem, e.name);
    }
    assert.ok((outcomes.get('cut:notZip') ?? 0) > 0 && (outcomes.get('flip:corrupt') ?? 0) > 0, JSON.stringify([...outcomes]));
    assert.equal(members.size, 4);
  }
});

test('lying sizes and counts are refused before anything of their size is read or allocated', { skip }, () => {
  const { path } = pyZip('lies.zip', false);
  const good = new Uint8Array(readFileSync(path));
  const v = new DataView(good.buffer);
  let eocd = good.length - 22;
  while (v.getUint32(eocd, true) !== 0x06054b50) eocd--;
  const cdOffset = v.getUint32(eocd + 16, true);
  // 1. a member count the directory cannot hold
  let bad = good.slice();
  new DataView(bad.buffer).setUint16(eocd + 10, 0xfffe, true);
  new DataView(bad.buffer).setUint16(eocd + 8, 0xfffe, true);
  assert.throws(() => new ZipArchive(bytesSource(bad), fail), (e: ZipProblem) => e.kind === 'corrupt' && /announces 65534 members/.test(e.problem));
  // 2. the first member (stored a.bin, 1000 bytes) declares 2 GiB uncompressed: stored sizes must agree
  bad = good.slice();
  new DataView(bad.buffer).setUint32(cdOffset + 24, 2 ** 31, true);
  const zip = new ZipArchive(bytesSource(bad), fail);
  assert.throws(() => zip.read(zip.entries.get('stored/a.bin')!), (e: ZipProblem) => /declares 2147483648 bytes from 1000 stored bytes/.test(e.problem));
  // 3. the deflated member declares more than deflate can produce from its compressed bytes
  const second = cdOffset + 46 + 'stored/a.bin'.length + 0 + 'member comment 0'.length;
  bad = good.slice();
  const bv = new DataView(bad.buffer);
  assert.equal(bv.getUint32(second, true), 0x02014b50, 'second central-directory entry located');
  bv.setUint32(second + 24, 0xfffffffe, true);
  const z3 = new ZipArchive(bytesSource(bad), fail);
  assert.throws(() => z3.read(z3.entries.get('deflated/b.txt')!), (e: ZipProblem) => /deflate cannot produce/.test(e.problem));
  // 4. a deflated member that inflates past what its directory declares: the inflater stops at the cap
  bad = good.slice();
  new DataView(bad.buffer).setUint32(second + 24, 100, true);
  const z4 = new ZipArchive(bytesSource(bad), fail);
  assert.throws(() => z4.read(z4.entries.get('deflated/b.txt')!), (e: ZipProblem) => /inflates to more than the 100 bytes/.test(e.problem));
  // 5. a member whose data lies past the end of the file
  bad = good.slice();
  new DataView(bad.buffer).setUint32(cdOffset + 42, good.length - 10, true);
  assert.throws(() => new ZipArchive(bytesSource(bad), fail), (e: ZipProblem) => /lies outside the file/.test(e.problem));
});
