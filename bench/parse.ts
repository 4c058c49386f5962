// npm run bench:parse — parse time and peak memory of loadCheckpoint on a generated ~650 MB model,
// against fs.readFile of the same file, each in a fresh process (peak RSS from the kernel's
// accounting). Ratios printed; nothing asserted. The temp file is deleted afterwards.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProtoWriter } from '../src/onnx/protobuf';

const LAYERS = Number(process.env.PARSE_LAYERS ?? 40);
const N = 2048;
const dir = mkdtempSync(join(tmpdir(), 'theory-lens-parse-'));
const file = join(dir, 'big.onnx');

function write(): number {
  const weight = new Float32Array(N * N);
  for (let i = 0; i < weight.length; i++) weight[i] = Math.sin(i) * 0.01;
  const bytes = new Uint8Array(weight.buffer);
  const g = new ProtoWriter();
  for (let l = 0; l < LAYERS; l++) {
    g.message(1, (n) => n.string(1, l ? `h${l - 1}` : 'x').string(1, `layer${l}.weight`).string(2, `h${l}`).string(3, `/layer${l}/Gemm`).string(4, 'Gemm').message(5, (a) => a.string(1, 'transB').int(3, 1).int(20, 2)));
  }
  g.string(2, 'big');
  for (let l = 0; l < LAYERS; l++) g.message(5, (t) => t.packedVarints(1, [N, N]).int(2, 1).string(8, `layer${l}.weight`).bytes(9, bytes));
  const vi = (field: number, name: string) => g.message(field, (v) => v.string(1, name).message(2, (t) => t.message(1, (tt) => tt.int(1, 1).message(2, (s) => s.message(1, (d) => d.string(2, 'N')).message(1, (d) => d.int(1, N))))));
  vi(11, 'x');
  vi(12, `h${LAYERS - 1}`);
  const m = new ProtoWriter();
  m.int(1, 8).string(2, 'theory-lens-bench').message(8, (o) => o.string(1, '').int(2, 13));
  m.message(7, (gg) => { for (const p of g.parts()) gg.raw(p); });
  const fd = openSync(file, 'w');
  let size = 0;
  for (const p of m.parts()) {
    writeSync(fd, p);
    size += p.length;
  }
  closeSync(fd);
  return size;
}

function measure(code: string): { ms: number; maxRssMB: number; out: string } {
  const r = execFileSync(process.execPath, ['--import', 'tsx', '-e', `
const t0 = performance.now();
(async () => {
  const out = await (async () => { ${code} })();
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ ms, maxRssMB: process.resourceUsage().maxRSS / 1024, out: String(out) }));
})();`], { encoding: 'utf8', cwd: join(__dirname, '..'), maxBuffer: 1 << 20 });
  return JSON.parse(r.trim().split('\n').pop()!);
}

try {
  const size = write();
  console.log(`generated ${(size / 1e6).toFixed(0)} MB (${LAYERS} Gemm weights of ${N}×${N} float32) in ${file}`);
  const baseline = measure(`return 'node'`);
  const readFile = measure(`const b = await require('node:fs').promises.readFile(${JSON.stringify(file)}); return b.length`);
  const parse = measure(`const { loadCheckpoint } = require('./src/onnx'); const c = await loadCheckpoint(${JSON.stringify(file)}); return c.layers.length + ' layers'`);
  const oneLayer = measure(`const { loadCheckpoint } = require('./src/onnx'); const c = await loadCheckpoint(${JSON.stringify(file)}); let s = 0; for (const l of c.layers) { const m = l.matrix(); s += m[0]; } return c.layers.length + ' layers read one at a time'`);
  const row = (name: string, r: { ms: number; maxRssMB: number; out: string }) =>
    console.log(`${name.padEnd(44)} ${r.ms.toFixed(0).padStart(7)} ms   peak RSS ${r.maxRssMB.toFixed(0).padStart(6)} MB   (${r.out})`);
  row('node + tsx start-up (baseline)', baseline);
  row('fs.promises.readFile', readFile);
  row('loadCheckpoint (metadata, layers, shapes)', parse);
  row('loadCheckpoint + every layer.matrix()', oneLayer);
  const net = (r: { ms: number }) => Math.max(1, r.ms - baseline.ms);
  console.log(`ratio parse/readFile: time ${(net(parse) / net(readFile)).toFixed(3)}×, peak memory above baseline ${((parse.maxRssMB - baseline.maxRssMB) / Math.max(1, readFile.maxRssMB - baseline.maxRssMB)).toFixed(3)}×`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
