// What the fuzzer runs for one input, in-process, and how it classifies what happened:
//  ok      — the input was analysed (ONNX, state dicts: weight measures of every layer) or loaded (probe);
//  clean   — a one-line InputError that starts with the file's path, ≤ 300 characters, no control
//            characters and no 'undefined'/'NaN' standing in for a value;
//  unclear — anything else: another error type escaping (TypeError, RangeError …), a message without
//            the file name, too long, with raw control characters or undefined/NaN.
// (hang and over-budget are decided by the runner that watches the process.)
import { loadProbe } from '../../src/data/probe';
import { analyze } from '../../src/engine/analyze';
import { errorLine, InputError } from '../../src/input/error';
import { LIMITS } from '../../src/input/limits';
import type { FuzzKind } from './seeds';

export type Outcome = 'ok' | 'clean' | 'unclear' | 'hang' | 'over-budget';

export interface RunResult {
  outcome: Outcome;
  /** The boundary's one line, for errors. */
  message?: string;
  /** Why an error is unclear. */
  why?: string;
  /** For an analysed model: its warnings and number of measured layers. */
  warnings?: string[];
  layers?: number;
}

/** Checks the boundary line of an error thrown while working on `file`. */
export function classifyError(e: unknown, file: string): RunResult {
  const message = errorLine(e, file);
  const why: string[] = [];
  if (!(e instanceof InputError)) why.push(`raw ${(e as Error)?.name ?? typeof e}`);
  if (!(e instanceof InputError && e.message.startsWith(file))) why.push('the error itself does not name the file');
  if (message.length > LIMITS.maxMessage) why.push(`${message.length} characters`);
  if (/[\u0000-\u001f\u007f]/.test(message)) why.push('control characters');
  // (quoted text comes from the file and may say anything, 'undefined' included)
  if (/\b(undefined|NaN)\b/.test(message.replace(/'[^']*'/g, "''"))) why.push('undefined/NaN in place of a value');
  return why.length ? { outcome: 'unclear', message, why: why.join('; ') } : { outcome: 'clean', message };
}

/** Runs one input file through the reader and the weight measures (ONNX) or the probe loader. */
export async function runInput(kind: FuzzKind, file: string): Promise<RunResult> {
  try {
    if (kind === 'onnx' || kind === 'checkpoint') {
      const report = await analyze({ model: file, weightsOnly: true, threads: 1, randomize: false, esdMaxPoints: 64 });
      return { outcome: 'ok', warnings: report.warnings, layers: report.layers.length };
    }
    const probe = loadProbe(file, { classes: 3 });
    return { outcome: 'ok', warnings: probe.warnings };
  } catch (e) {
    return classifyError(e, file);
  }
}
