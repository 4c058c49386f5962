#!/usr/bin/env node
// theory-lens: the engine headless. argv → AnalyzeOptions → analyze() → report (text or JSON).
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULTS } from '../defaults';
import type { AnalyzeOptions, Precision, Progress, Provider } from '../protocol/worker';
import { analyze } from '../engine/analyze';
import { METRIC_INFO } from '../engine/layers/metricInfo';
import { MEASURES } from '../engine/measures/registry';
import { CancelledError } from '../protocol/cancelled';
import { VERSION } from '../engine/version';
import { errorDetail, errorLine, escapeControl } from '../input/error';
import { toCsv, toMarkdown, toText } from '../report/format';
import { parseInputShape } from '../onnx/shapes';
import { SWEEP_USAGE } from './sweep';
import { hugePageDecision, probeHugePages, rerunUnder } from './hugepages';
import { onInterrupt } from './signals';
import { collectMain, sweepMain } from './sweepCommands';

export const USAGE = `Usage:
  theory-lens analyze MODEL [options]          analyse a checkpoint: .onnx, .safetensors (or a folder /
                                               *.index.json of shards), torch.save .pt/.pth/.bin/.ckpt
  theory-lens measures [--json]                list every measure and per-layer metric
${SWEEP_USAGE}
  theory-lens --version | --help

Options of analyze:
  --init INIT             initial/reference checkpoint, any format (distances to init, *-init measures)
  --roles ROLES.json      layer roles for state dicts: {"tensor-name glob": "linear|linear-transposed|conv|
                          conv-transposed|embedding|fused-qkv|fused-qkv-transposed|parameter"}; a value
                          may be {"role"?, "groups", "inputShape", "strides", "dilations"} for convs
  --data PROBE.npz        probe data (.npz/.npy) for forward-pass measures and bounds
  --test-data TEST.npz    held-out probe for test accuracy/loss
  --data-keys X,Y         keys of inputs and labels in the .npz (default: x/inputs/images/data, y/labels/targets)
  --train-size M          number of training examples the model was trained on (bounds need it)
  --json                  print the JSON report (schema in src/protocol/report.ts)
  --csv | --markdown      print the per-layer table as CSV, or the report as Markdown
  --out FILE              write the output to FILE instead of stdout
  --provider P            auto | cpu | cuda (default ${DEFAULTS.provider}; auto: CUDA when available, else CPU)
  --precision P           float32 | float64 eigen-solver precision (default ${DEFAULTS.precision})
  --seed N                seed of every random draw (default ${DEFAULTS.seed})
  --delta D               confidence δ of the bounds (default ${DEFAULTS.delta})
  --mc-draws N            Monte-Carlo draws per σ step of the flatness searches (default ${DEFAULTS.mcDraws})
  --landscape N           loss-landscape points per axis (default ${DEFAULTS.landscapePoints}; 0 = off)
  --landscape-2d          also compute a 2-D loss-landscape grid
  --input-shape NAME=1,3,640,640
                          pin the size of a dynamic model input (repeatable); shape inference,
                          and with it the exact conv norms, runs from it. For a state dict
                          (.safetensors, .pt): a conv layer's input by tensor or module name
                          (e.g. features.0=1,3,32,32 or features.0=32,32)
  --no-conv-exact         skip the exact convolution operator spectra
  --conv-ww               also compute WeightWatcher's pooled kernel-slice α for convs
  --no-randomize          skip the randomization check (shuffled-ESD distance and ‖Wʳ‖₂)
  --randomize-exact       every eigenvalue of every shuffled layer (default: layers with a short side
                          ≥ 768 get the shuffled ESD estimated from diagonal blocks, a quarter of the work)
  --no-fold-bn            do not fold BatchNorm into the preceding layer
  --weights-only          skip forward passes even when --data is given
  --threads N             worker threads for per-layer spectra (default: cores, at most ${DEFAULTS.maxThreads})
  --progress MODE         bar | json | none: progress on stderr (default: a bar on a terminal, else none);
                          json = one JSON object a line ({phase, done, total, layer, etaMs, layerMs, layerPhases, message})
  --quiet                 no progress on stderr
  --debug                 on failure, also print the stack trace (errors are otherwise one line)

Ctrl-C cancels within a second and prints the partial report of the layers measured so far (exit 130).`;

export class UsageError extends Error {}

type Format = 'text' | 'json' | 'csv' | 'markdown';

export interface CliArgs {
  command: 'analyze' | 'measures' | 'help' | 'version';
  options?: AnalyzeOptions;
  format: Format;
  out?: string;
  quiet: boolean;
  progress?: 'bar' | 'json' | 'none';
  /** Print stack traces of failures (after the one-line error). */
  debug?: boolean;
}

function num(flag: string, v: string | undefined, { int = false, min = -Infinity, max = Infinity } = {}): number {
  if (v === undefined) throw new UsageError(`${flag} needs a value`);
  const n = Number(v);
  if (!Number.isFinite(n) || (int && !Number.isInteger(n)) || n < min || n > max) {
    throw new UsageError(`${flag}: '${v}' is not ${int ? 'an integer' : 'a number'}${min > -Infinity ? ` ≥ ${min}` : ''}${max < Infinity ? ` ≤ ${max}` : ''}`);
  }
  return n;
}

function existingFile(flag: string, v: string | undefined): string {
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a file path`);
  const p = resolve(v);
  if (!existsSync(p)) throw new UsageError(`${flag}: no such file: ${v}`);
  if (!statSync(p).isFile()) throw new UsageError(`${flag}: not a file: ${v}`);
  return p;
}

/** A file, or a folder (a sharded safetensors / pytorch_model.bin checkpoint). */
function existingPath(flag: string, v: string | undefined): string {
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a file path (or a folder of shards)`);
  const p = resolve(v);
  if (!existsSync(p)) throw new UsageError(`${flag}: no such file or folder: ${v}`);
  return p;
}

export function parseArgs(argv: string[]): CliArgs {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') return { command: 'help', format: 'text', quiet: true };
  if (cmd === '--version' || cmd === '-v') return { command: 'version', format: 'text', quiet: true };
  if (cmd === 'measures') {
    const extra = rest.filter((a) => a !== '--json');
    if (extra.length) throw new UsageError(`unknown argument to measures: ${extra[0]}`);
    return { command: 'measures', format: rest.includes('--json') ? 'json' : 'text', quiet: true };
  }
  if (cmd !== 'analyze') throw new UsageError(`unknown command '${cmd}'`);
  let model: string | undefined;
  const o: Partial<AnalyzeOptions> = {};
  let format: Format = 'text';
  let out: string | undefined;
  let quiet = false;
  let progress: CliArgs['progress'];
  let debug = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const next = () => rest[++i];
    switch (a) {
      case '--init': o.init = existingPath(a, next()); break;
      case '--roles': o.roles = existingFile(a, next()); break;
      case '--data': o.data = existingFile(a, next()); break;
      case '--test-data': o.testData = existingFile(a, next()); break;
      case '--data-keys': {
        const v = next();
        if (!v || !/^[^,]*,[^,]*$/.test(v)) throw new UsageError('--data-keys needs X,Y (e.g. images,labels)');
        const [x, y] = v.split(',');
        o.dataKeys = { ...(x ? { x } : {}), ...(y ? { y } : {}) };
        break;
      }
      case '--train-size': o.trainSize = num(a, next(), { int: true, min: 1 }); break;
      case '--json': format = 'json'; break;
      case '--csv': format = 'csv'; break;
      case '--markdown': format = 'markdown'; break;
      case '--out': {
        const v = next();
        if (!v) throw new UsageError('--out needs a file path');
        out = resolve(v);
        break;
      }
      case '--provider': {
        const v = next();
        if (v !== 'auto' && v !== 'cpu' && v !== 'cuda') throw new UsageError(`--provider must be auto, cpu or cuda, not '${v ?? ''}'`);
        o.provider = v as Provider;
        break;
      }
      case '--precision': {
        const v = next();
        if (v !== 'float32' && v !== 'float64') throw new UsageError(`--precision must be float32 or float64, not '${v ?? ''}'`);
        o.precision = v as Precision;
        break;
      }
      case '--seed': o.seed = num(a, next(), { int: true, min: 0, max: 2 ** 32 - 1 }); break;
      case '--delta': o.delta = num(a, next(), { min: 1e-12, max: 0.5 }); break;
      case '--mc-draws': o.mcDraws = num(a, next(), { int: true, min: 1, max: 10000 }); break;
      case '--landscape': o.landscapePoints = num(a, next(), { int: true, min: 0, max: 201 }); break;
      case '--landscape-2d': o.landscape2d = true; break;
      case '--input-shape': {
        const v = next();
        if (v === undefined) throw new UsageError('--input-shape needs NAME=D1,D2,... (e.g. images=1,3,640,640)');
        try {
          const [name, dims] = parseInputShape(v);
          o.inputShapes = { ...(o.inputShapes ?? {}), [name]: dims };
        } catch (e) {
          throw new UsageError(`--input-shape: ${(e as Error).message}`);
        }
        break;
      }
      case '--no-conv-exact': o.convExact = false; break;
      case '--conv-ww': o.convWeightWatcher = true; break;
      case '--no-randomize': o.randomize = false; break;
      case '--randomize-exact': o.randomizeExact = true; break;
      case '--no-fold-bn': o.foldBatchNorm = false; break;
      case '--weights-only': o.weightsOnly = true; break;
      case '--threads': o.threads = num(a, next(), { int: true, min: 1, max: 64 }); break;
      case '--quiet': case '-q': quiet = true; break;
      case '--progress': {
        const v = next();
        if (v !== 'bar' && v !== 'json' && v !== 'none') throw new UsageError(`--progress must be bar, json or none, not '${v ?? ''}'`);
        progress = v;
        break;
      }
      case '--debug': debug = true; break;
      default:
        if (a.startsWith('-')) throw new UsageError(`unknown option '${a}'`);
        if (model) throw new UsageError(`unexpected argument '${a}' (one model per run)`);
        model = existingPath('MODEL', a);
    }
  }
  if (!model) throw new UsageError('analyze needs a MODEL (.onnx, .safetensors, .pt/.pth/.bin/.ckpt, or a folder of shards)');
  return { command: 'analyze', options: { ...o, model }, format, ...(out ? { out } : {}), quiet, ...(progress ? { progress } : {}), ...(debug ? { debug } : {}) };
}

function listMeasures(json: boolean): string {
  const measures = MEASURES.map((m) => ({ id: m.id, name: m.name, formula: m.formula, reference: m.reference, equation: m.equation ?? null, needs: m.needs, group: m.group }));
  if (json) return JSON.stringify({ metrics: METRIC_INFO, measures }, null, 2) + '\n';
  const lines = ['Per-layer metrics:'];
  for (const [id, i] of Object.entries(METRIC_INFO)) lines.push(`  ${id.padEnd(28)} ${i.name} — ${i.formula}  [${i.reference}]`);
  lines.push('', 'Aggregate measures:');
  for (const m of measures) lines.push(`  ${m.id.padEnd(28)} ${m.name} — ${m.formula}  [${m.reference}${m.equation ? `, eq. ${m.equation}` : ''}] needs: ${m.needs.join(', ')}`);
  return lines.join('\n') + '\n';
}

export async function main(argv: string[]): Promise<number> {
  const write = (s: string) => process.stdout.write(s + '\n');
  const warn = (s: string) => process.stderr.write(s + '\n');
  if (argv[0] === 'sweep') return sweepMain(argv.slice(1), write, warn);
  if (argv[0] === 'collect') return collectMain(argv.slice(1), write, warn);
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`theory-lens: ${escapeControl(e.message)}\n\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (args.command === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (args.command === 'version') {
    process.stdout.write(VERSION + '\n');
    return 0;
  }
  if (args.command === 'measures') {
    process.stdout.write(listMeasures(args.format === 'json'));
    return 0;
  }
  const ac = new AbortController();
  const offInterrupt = onInterrupt(['SIGINT'], () => ac.abort());
  const mode = args.quiet ? 'none' : args.progress ?? (process.stderr.isTTY ? 'bar' : 'none');
  const clear = () => mode === 'bar' && process.stderr.write('\r\x1b[K');
  try {
    const report = await analyze(args.options!, { signal: ac.signal, partialOnCancel: true, progress: progressPrinter(mode) });
    clear();
    const text =
      args.format === 'json' ? JSON.stringify(report, null, 2) + '\n'
      : args.format === 'csv' ? toCsv(report)
      : args.format === 'markdown' ? toMarkdown(report)
      : toText(report);
    if (args.out) writeFileSync(args.out, text);
    else process.stdout.write(text);
    if (report.partial?.cancelled) {
      process.stderr.write(`theory-lens: cancelled after ${report.partial.measuredLayers} of ${report.partial.totalLayers} layers: the report above is partial\n`);
      return 130;
    }
    return 0;
  } catch (e) {
    clear();
    // One line naming the file (escaped, at most 300 characters); the stack only with --debug.
    process.stderr.write(`theory-lens: ${e instanceof CancelledError ? 'cancelled' : errorLine(e, args.options!.model)}\n`);
    if (args.debug && !(e instanceof CancelledError)) process.stderr.write(`${errorDetail(e)}\n`);
    return 1;
  } finally {
    offInterrupt();
  }
}

/** `3 m 12 s`, `45 s`. */
export function formatEta(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`;
}

/** Progress on stderr: a redrawn bar with the layer and ETA on a terminal, or one JSON object a line. */
export function progressPrinter(mode: 'bar' | 'json' | 'none', write = (s: string) => void process.stderr.write(s)): ((p: Progress) => void) | undefined {
  if (mode === 'none') return undefined;
  if (mode === 'json') return (p) => write(JSON.stringify(p) + '\n');
  return (p) => {
    if (p.phase === 'layers' && p.total > 0) {
      const width = 24;
      const fill = Math.round((width * p.done) / p.total);
      const eta = p.etaMs !== undefined && p.done > 0 && p.done < p.total ? `  ETA ${formatEta(p.etaMs)}` : '';
      write(`\r\x1b[K[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${p.done}/${p.total} layers${eta}  ${escapeControl(p.layer ?? '')}`.slice(0, (process.stderr.columns || 120) + 4));
    } else write(`\r\x1b[K${p.phase}: ${escapeControl(p.message)}`);
  };
}

/** Runs the CLI in this process, or once more under glibc's huge-page setting where that pays off (hugepages.ts). */
async function start(argv: string[]): Promise<number> {
  const d = hugePageDecision(probeHugePages(argv));
  if (argv.includes('--debug')) process.stderr.write(`theory-lens: ${d.env ? `re-running under ${d.why} (transparent huge pages for large buffers)` : `huge pages not requested: ${d.why}`}\n`);
  if (d.env) {
    const code = await rerunUnder(d.env);
    if (code !== null) return code;
  }
  return main(argv);
}

if (require.main === module) {
  start(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      // Never a stack trace unless asked for: one line, then the stack with --debug.
      process.stderr.write(`theory-lens: internal error: ${errorLine(e, 'theory-lens')}\n`);
      if (process.argv.includes('--debug')) process.stderr.write(`${errorDetail(e)}\n`);
      process.exit(70);
    },
  );
}
