// Bounded memory on a generated model: a 384 MiB safetensors checkpoint (24 layers of 4096×1024 float32)
// analysed in a fresh process peaks far below the model's size above that process's own baseline
// (one layer's float copy at a time; positional reads go through the page cache, never an mmap counted
// in RSS). The peak is printed; README "LLM scale" states it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { values } from '../helpers/onnx-writer';
import { writeStreaming } from '../helpers/safetensors-writer';

const LAYERS = 32;
const ROWS = 4096;
const COLS = 1024;
const MODEL_MIB = (LAYERS * ROWS * COLS * 4) / 2 ** 20;

test(`analysing a ${MODEL_MIB} MiB checkpoint keeps peak RSS under half its size above the baseline`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-mem-'));
  try {
    const model = join(dir, 'big.safetensors');
    const small = join(dir, 'small.safetensors');
    const specs = Array.from({ length: LAYERS }, (_, i) => ({ name: `layers.${i}.weight`, dtype: 'F32' as const, shape: [ROWS, COLS] }));
    writeStreaming(model, specs, (i, write) => {
      for (let r = 0; r < ROWS; r += 256) {
        const v = values(256 * COLS, 1000 + i * 64 + r / 256);
        write(new Uint8Array(v.buffer));
      }
    });
    writeStreaming(small, [{ name: 'fc.weight', dtype: 'F32', shape: [64, 32] }], (_, write) => write(new Uint8Array(values(64 * 32, 1).buffer)));
    // The child warms up on a tiny model (modules, WebAssembly, onnxruntime loaded), takes its RSS as the
    // baseline, then analyses the big one and reports its peak RSS (getrusage ru_maxrss).
    const script = `
      const { analyze } = require(${JSON.stringify(join(__dirname, '..', '..', 'src', 'engine', 'analyze.ts'))});
      (async () => {
        await analyze({ model: ${JSON.stringify(small)}, threads: 1, randomize: false });
        global.gc && global.gc();
        const base = process.memoryUsage().rss;
        const r = await analyze({ model: ${JSON.stringify(model)}, threads: 1, randomize: false });
        const peak = process.resourceUsage().maxRSS * 1024;
        console.log(JSON.stringify({ base, peak, layers: r.layers.length, spec0: r.layers[0].metrics.spectralNorm }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const p = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', '-e', script], { encoding: 'utf8', timeout: 300_000 });
    assert.equal(p.status, 0, p.stderr);
    const r = JSON.parse(p.stdout.trim().split('\n').pop()!);
    assert.equal(r.layers, LAYERS);
    assert.ok(r.spec0 > 0);
    const aboveMiB = (r.peak - r.base) / 2 ** 20;
    console.log(`peak RSS ${(r.peak / 2 ** 20).toFixed(0)} MiB, baseline ${(r.base / 2 ** 20).toFixed(0)} MiB, above baseline ${aboveMiB.toFixed(0)} MiB for a ${MODEL_MIB} MiB model`);
    assert.ok(aboveMiB < MODEL_MIB / 2, `peak ${aboveMiB.toFixed(0)} MiB above baseline for a ${MODEL_MIB} MiB model`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
