// Reports are cached per (file, size, mtime, options, and the size/mtime of the init and probe files).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Report } from '../../src/protocol/report';
import type { AnalyzeOptions } from '../../src/protocol/worker';
import { cacheKey, ReportCache } from '../../src/workspace/reportCache';

const dir = mkdtempSync(join(tmpdir(), 'tl-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const model = join(dir, 'm.onnx');
const init = join(dir, 'm.init.onnx');
writeFileSync(model, 'model-v1');
writeFileSync(init, 'init');
const fake = (tag: string) => ({ tag }) as unknown as Report;
const opts = (o: Partial<AnalyzeOptions> = {}): AnalyzeOptions => ({ model, init, seed: 0, ...o });

describe('ReportCache', () => {
  it('hits for the same file, contents and options', () => {
    const c = new ReportCache();
    c.set(model, opts(), fake('a'), true);
    assert.equal((c.get(model, opts()) as unknown as { tag: string }).tag, 'a');
    assert.equal(c.latest(model), c.get(model, opts()));
  });
  it('misses when a setting differs', () => {
    const c = new ReportCache();
    c.set(model, opts(), fake('a'), true);
    assert.equal(c.get(model, opts({ seed: 1 })), undefined);
    assert.equal(c.get(model, opts({ precision: 'float64' })), undefined);
  });
  it('misses when the checkpoint changes on disk (mtime or size), and latest() forgets it', () => {
    const c = new ReportCache();
    c.set(model, opts(), fake('a'), true);
    const t = new Date(Date.now() + 5000);
    utimesSync(model, t, t);
    assert.equal(c.get(model, opts()), undefined);
    assert.equal(c.latest(model), undefined);
    c.set(model, opts(), fake('b'), true);
    writeFileSync(model, 'model-v2 longer');
    utimesSync(model, t, t); // same mtime, different size
    assert.equal(c.get(model, opts()), undefined);
  });
  it('misses when the init checkpoint it was analysed against changes', () => {
    const c = new ReportCache();
    c.set(model, opts(), fake('a'), true);
    const k1 = cacheKey(opts());
    const t = new Date(Date.now() + 10000);
    utimesSync(init, t, t);
    assert.notEqual(cacheKey(opts()), k1);
    assert.equal(c.get(model, opts()), undefined);
  });
  it('latest() prefers the report of the default options; keeps a few option sets per file', () => {
    const c = new ReportCache(2);
    c.set(model, opts(), fake('default'), true);
    c.set(model, opts({ init: undefined }), fake('override'), false);
    assert.equal((c.latest(model) as unknown as { tag: string }).tag, 'default');
    c.set(model, opts({ seed: 5 }), fake('third'), false);
    assert.equal(c.get(model, opts()), undefined, 'the oldest entry is dropped beyond perFile');
    assert.equal((c.latest(model) as unknown as { tag: string }).tag, 'third');
    c.delete(model);
    assert.equal(c.latest(model), undefined);
  });
  it('a missing file is never a hit', () => {
    const c = new ReportCache();
    const gone = join(dir, 'gone.onnx');
    c.set(gone, opts({ model: gone }), fake('x'), true);
    assert.equal(c.latest(gone), undefined);
  });
});
