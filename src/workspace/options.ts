// Analysis options for a checkpoint: the settings, plus the conventions that find an initial
// checkpoint and probe data beside it. Pure functions of (file, settings, directory listing) so they
// are unit-tested without VS Code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { SETTING_DEFAULTS } from '../defaults';
import type { AnalyzeOptions, Precision, Provider } from '../protocol/worker';

export interface Settings {
  executionProvider: Provider;
  precision: Precision;
  probeData: string;
  testData: string;
  probeKeys: string;
  trainSize: number;
  initPattern: string;
  convExact: boolean;
  seed: number;
  delta: number;
  mcDraws: number;
  landscapePoints: number;
  /** Also the 2-D loss landscape (points² forward passes). */
  landscape2d: boolean;
  forwardPasses: boolean;
  randomize: boolean;
  randomizeExact: boolean;
  /** Pinned sizes of dynamic model inputs (input name → dims); the reader checks them. */
  inputShapes?: Record<string, number[]>;
}

/** The settings through `get` (VS Code's configuration.get), each defaulting to src/defaults.ts' value. */
export function settingsFrom(get: <T>(key: string, fallback: T) => T): Settings {
  const out: Record<string, unknown> = {};
  for (const [key, fallback] of Object.entries(SETTING_DEFAULTS)) out[key] = get(key, fallback);
  return out as unknown as Settings;
}

/** The initial checkpoint of `file` by convention: the pattern setting, then X.init.onnx, init.onnx, epoch_00/epoch_0. */
export function findInit(file: string, pattern: string): string | undefined {
  const dir = dirname(file);
  const name = basename(file, '.onnx');
  if (name.endsWith('.init')) return undefined;
  const candidates: string[] = [];
  if (pattern) candidates.push(resolve(dir, pattern.replace(/\$\{name\}/g, name)));
  candidates.push(join(dir, `${name}.init.onnx`), join(dir, 'init.onnx'), join(dir, 'epoch_00.onnx'), join(dir, 'epoch_0.onnx'), join(dir, 'epoch_000.onnx'));
  // a run folder next to its init: run_mlp/epoch_05.onnx → run_mlp.init.onnx
  candidates.push(join(dirname(dir), `${basename(dir)}.init.onnx`));
  return candidates.find((c) => c !== file && existsSync(c) && statSync(c).isFile());
}

/** A probe beside the checkpoint or in its parent: names containing `prefer` first, else the only .npz. */
export function findProbe(file: string, prefer: 'train' | 'test'): string | undefined {
  for (const dir of [dirname(file), dirname(dirname(file))]) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.npz'));
    } catch {
      continue;
    }
    const hit = names.find((n) => n.toLowerCase().includes(prefer));
    if (hit) return join(dir, hit);
    if (prefer === 'train' && names.length === 1 && !names[0].toLowerCase().includes('test')) return join(dir, names[0]);
  }
  return undefined;
}

export function resolveSetting(p: string, workspace: string | undefined): string | undefined {
  if (!p) return undefined;
  return isAbsolute(p) ? p : workspace ? resolve(workspace, p) : undefined;
}

export function optionsFor(file: string, s: Settings, workspace: string | undefined, overrides: Partial<AnalyzeOptions> = {}): AnalyzeOptions {
  const init = findInit(file, s.initPattern);
  // a probe the user chose replaces the training probe only: the test probe is still found (beside the
  // checkpoint, else beside the chosen probe), and never equals the training probe
  const data = s.forwardPasses ? overrides.data ?? resolveSetting(s.probeData, workspace) ?? findProbe(file, 'train') : undefined;
  const testData = s.forwardPasses && data ? overrides.testData ?? resolveSetting(s.testData, workspace) ?? findProbe(file, 'test') ?? findProbe(data, 'test') : undefined;
  const [x, y] = s.probeKeys.includes(',') ? s.probeKeys.split(',').map((k) => k.trim()) : [undefined, undefined];
  return {
    model: file,
    ...(init ? { init } : {}),
    ...(data ? { data } : {}),
    ...(testData && testData !== data ? { testData } : {}),
    ...(x || y ? { dataKeys: { ...(x ? { x } : {}), ...(y ? { y } : {}) } } : {}),
    ...(s.trainSize > 0 ? { trainSize: s.trainSize } : {}),
    provider: s.executionProvider,
    precision: s.precision,
    convExact: s.convExact,
    seed: s.seed,
    delta: s.delta,
    mcDraws: s.mcDraws,
    landscapePoints: s.landscapePoints,
    ...(s.landscape2d ? { landscape2d: true } : {}),
    randomize: s.randomize,
    ...(s.randomizeExact ? { randomizeExact: true } : {}),
    ...(s.inputShapes && typeof s.inputShapes === 'object' && Object.keys(s.inputShapes).length ? { inputShapes: s.inputShapes } : {}),
    ...overrides,
  };
}
