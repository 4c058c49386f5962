// One table of defaults (src/defaults.ts): package.json's documented setting defaults, the settings
// reader, the CLI usage text and the engine's report settings all agree with it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { USAGE } from '../src/cli/main';
import { DEFAULTS, SETTING_DEFAULTS } from '../src/defaults';
import { resolveOptions } from '../src/engine/analyze';
import { settingsFrom } from '../src/workspace/options';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
const props: Record<string, { default?: unknown }> = pkg.contributes.configuration.properties;

test("package.json's setting defaults equal src/defaults.ts", () => {
  for (const [key, value] of Object.entries(SETTING_DEFAULTS)) {
    assert.ok(`theoryLens.${key}` in props, `theoryLens.${key} is declared in package.json`);
    assert.deepEqual(props[`theoryLens.${key}`].default, value, `theoryLens.${key}`);
  }
});

test('the settings reader falls back to the same defaults', () => {
  assert.deepEqual(settingsFrom((_key, fallback) => fallback), { ...SETTING_DEFAULTS });
  const s = settingsFrom((key, fallback) => (key === 'seed' ? (7 as typeof fallback) : fallback));
  assert.equal(s.seed, 7);
});

test('the CLI usage states the defaults', () => {
  for (const [flag, value] of [['--seed', DEFAULTS.seed], ['--delta', DEFAULTS.delta], ['--mc-draws', DEFAULTS.mcDraws], ['--landscape', DEFAULTS.landscapePoints], ['--precision', DEFAULTS.precision], ['--provider', DEFAULTS.provider]] as const) {
    const line = USAGE.split('\n').find((l) => l.trimStart().startsWith(`${flag} `));
    assert.ok(line?.includes(`default ${value}`), `${flag}: ${line}`);
  }
});

test('the engine fills in the same defaults', () => {
  const o = resolveOptions({ model: 'x.onnx' });
  for (const k of ['provider', 'precision', 'convExact', 'convWeightWatcher', 'foldBatchNorm', 'randomize', 'randomizeExact', 'seed', 'delta', 'mcDraws', 'landscapePoints', 'esdMaxPoints', 'weightsOnly'] as const) {
    assert.equal(o[k], DEFAULTS[k], k);
  }
});
