// One cursor over a scanned source (sourceScanner.ts), shared by every reader of training code
// (checkpointRefs.ts, moduleDefs.ts, saveCalls, the constant evaluator): skipping blanks and line
// continuations, bracket matching and top-level comma splitting on the masked text (comments and
// string bodies blanked), and the string literals by where they start or end. Pure; no vscode import.
import type { ScannedSource, StringToken } from './sourceScanner';

const OPEN = '([{';
const CLOSE = ')]}';

export class SourceCursor {
  /** The masked text: comments and string bodies blanked, same offsets as `text`. */
  readonly m: string;
  readonly text: string;
  private readonly byEnd = new Map<number, StringToken>();
  private readonly byStart = new Map<number, StringToken>();

  constructor(readonly src: ScannedSource) {
    this.m = src.masked;
    this.text = src.text;
    for (const t of src.strings) {
      this.byEnd.set(t.end, t);
      this.byStart.set(t.start, t);
    }
  }

  /** The string literal that starts exactly at `p` (prefix included), if any. */
  stringAt(p: number): StringToken | undefined {
    return this.byStart.get(p);
  }

  /** The string literal that ends exactly at `p` (after its closing quote), if any. */
  stringEndingAt(p: number): StringToken | undefined {
    return this.byEnd.get(p);
  }

  /** The value of a plain (not interpolated) string literal starting at `p`, else null. */
  plainStringAt(p: number): string | null {
    const t = this.byStart.get(p);
    return t && !t.interpolated ? t.body : null;
  }

  /** First index at or after `p` that is not blank or a line continuation. */
  skipForward(p: number): number {
    while (p < this.m.length && /[\s\\]/.test(this.m[p])) p++;
    return p;
  }

  /** Index just after the last non-blank character before `p` (line continuations included). */
  skipBack(p: number): number {
    while (p > 0 && /[\s\\]/.test(this.m[p - 1])) p--;
    return p;
  }

  /** Offset of the bracket closing the one at `open`, or -1 (none within `limit` characters). */
  matchForward(open: number, limit = Infinity): number {
    let depth = 0;
    for (let k = open; k < this.m.length && k - open < limit; k++) {
      const c = this.m[k];
      if (OPEN.includes(c)) depth++;
      else if (CLOSE.includes(c)) {
        depth--;
        if (depth === 0) return k;
      }
    }
    return -1;
  }

  /** Offset of the bracket opening the one that closes at `close`, or -1 (none within `limit`). */
  matchBack(close: number, limit = Infinity): number {
    let depth = 0;
    for (let k = close; k >= 0 && close - k < limit; k--) {
      const c = this.m[k];
      if (CLOSE.includes(c)) depth++;
      else if (OPEN.includes(c)) {
        depth--;
        if (depth === 0) return k;
      }
    }
    return -1;
  }

  /** The unmatched `(` before `p` (the call an expression at `p` is an argument of), or -1. */
  enclosingParen(p: number, limit = Infinity): number {
    let depth = 0;
    for (let k = p - 1; k >= 0 && p - k < limit; k--) {
      const c = this.m[k];
      if (CLOSE.includes(c)) depth++;
      else if (OPEN.includes(c)) {
        if (depth === 0) return c === '(' ? k : -1;
        depth--;
      }
    }
    return -1;
  }

  /** Top-level comma-separated ranges strictly between `open` and `close`, trimmed; empty ones dropped. */
  items(open: number, close: number): [number, number][] {
    const out: [number, number][] = [];
    let depth = 0;
    let from = open + 1;
    const push = (a: number, b: number) => {
      const s = this.skipForward(a);
      const e = Math.max(s, this.skipBack(b));
      if (e > s) out.push([s, e]);
    };
    for (let k = open + 1; k < close; k++) {
      const c = this.m[k];
      if (OPEN.includes(c)) depth++;
      else if (CLOSE.includes(c)) depth--;
      else if (c === ',' && depth === 0) {
        push(from, k);
        from = k + 1;
      }
    }
    push(from, close);
    return out;
  }

  /** Whether the bracketed range has a top-level `for` (a comprehension). */
  hasTopLevelFor(open: number, close: number): boolean {
    let depth = 0;
    for (let k = open + 1; k < close; k++) {
      const c = this.m[k];
      if (OPEN.includes(c)) depth++;
      else if (CLOSE.includes(c)) depth--;
      else if (depth === 0 && c === 'f' && this.m.startsWith('for', k) && !/\w/.test(this.m[k - 1] ?? '') && !/\w/.test(this.m[k + 3] ?? '')) return true;
    }
    return false;
  }

  /** End of the logical line that starts at or before `p`: the first newline or `;` outside brackets, not continued. */
  logicalLineEnd(p: number): number {
    let depth = 0;
    for (let k = p; k < this.m.length; k++) {
      const c = this.m[k];
      if (OPEN.includes(c)) depth++;
      else if (CLOSE.includes(c)) depth--;
      else if ((c === '\n' || c === ';') && depth <= 0 && this.m[k - 1] !== '\\') return k;
    }
    return this.m.length;
  }

  /** Start of a dotted name (`os.path.join`, `self.fc`) that ends at `end`. */
  dottedNameBefore(end: number): number {
    let k = end;
    while (k > 0 && /[\w$.]/.test(this.m[k - 1])) k--;
    return k;
  }
}
