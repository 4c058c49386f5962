// The one error type of every input file, and the one-line form every failure takes at a boundary (the
// CLI's stderr, the analysis worker's reply, a webview's error box): it names the file, says what is
// wrong, has every control character escaped and is at most LIMITS.maxMessage characters long. Stacks
// never appear in it; the CLI prints them with --debug and the extension writes them to its Output channel.
import { LIMITS } from './limits';

/**
 * Escapes control characters (C0, DEL, C1, and the Unicode line/paragraph separators and bidi overrides)
 * as \n, \r, \t, \e or \xHH / \u{HHHH}, so file-provided text cannot move the cursor, ring the bell,
 * recolour a terminal, forge a line or reorder what is shown.
 */
export function escapeControl(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    switch (c) {
      case '\n': return '\\n';
      case '\r': return '\\r';
      case '\t': return '\\t';
      case '\x1b': return '\\e';
      default: {
        const code = c.charCodeAt(0);
        return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
      }
    }
  });
}

/** Cuts `s` to at most `max` characters, marking the cut with an ellipsis (never inside a surrogate pair). */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = max - 1;
  if (cut > 0 && /[\ud800-\udbff]/.test(s[cut - 1])) cut--;
  return s.slice(0, cut) + '…';
}

/** File-provided text for a one-line message: control characters escaped, at most `max` characters. */
export function oneLine(s: string, max: number = LIMITS.maxMessage): string {
  return truncate(escapeControl(s), max);
}

/** A name quoted inside a message (tensor, node, key), escaped and shortened. */
export function quoteName(s: string): string {
  return `'${oneLine(s, LIMITS.maxQuotedName)}'`;
}

/**
 * A problem with an input file: `file: [tensor 'name': ]problem`, one line, escaped, bounded. The
 * readers' CheckpointError (ONNX and the other checkpoint formats) and ProbeError (.npz/.npy) extend it.
 */
export class InputError extends Error {
  readonly file: string;
  readonly problem: string;
  readonly tensor?: string;
  constructor(file: string, problem: string, tensor?: string) {
    const f = oneLine(file, 160);
    const t = tensor === undefined ? undefined : oneLine(tensor, LIMITS.maxQuotedName);
    const p = escapeControl(problem);
    super(truncate(`${f}: ${t !== undefined ? `tensor '${t}': ` : ''}${p}`, LIMITS.maxMessage));
    this.file = file;
    this.problem = truncate(p, LIMITS.maxMessage);
    if (t !== undefined) this.tensor = tensor;
    this.name = 'InputError';
  }
}

/**
 * The one line a boundary shows for any failure while working on `file`: an InputError as it is; any
 * other error prefixed with the file (unless it already starts with it), escaped and truncated. Never a
 * stack; never an empty message.
 */
export function errorLine(e: unknown, file: string): string {
  if (e instanceof InputError) return e.message;
  const raw = e instanceof Error ? e.message : typeof e === 'string' ? e : String(e);
  const message = raw && raw.trim() ? raw : `${(e as Error)?.name ?? 'error'} without a message`;
  const named = message.startsWith(file) ? message : `${file}: ${message}`;
  return oneLine(named);
}

/** The stack (or the message when there is none), for --debug and the Output channel. */
export function errorDetail(e: unknown): string {
  return e instanceof Error ? e.stack ?? `${e.name}: ${e.message}` : String(e);
}
