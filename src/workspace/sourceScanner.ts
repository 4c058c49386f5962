// A lexical pass over Python or TypeScript/JavaScript source: where the string literals are (with
// their prefix, quotes and body) and a "masked" copy of the text in which comments and string bodies
// are blanked to spaces (same length, same line breaks), so later passes can match brackets, commas
// and operators without being fooled by a `(` or `#` inside a string. Pure; no vscode import.

export type SourceLanguage = 'python' | 'js';

export interface StringToken {
  /** Offsets in the text: [start, end) covers prefix, quotes and body. */
  start: number;
  end: number;
  /** Python prefix letters (`f`, `rb`, …), lower-cased; '' for JS. */
  prefix: string;
  quote: string;
  /** The text between the quotes, escapes left as written. */
  body: string;
  /** Python f-string or JS template literal: `{…}` / `${…}` are substitutions. */
  interpolated: boolean;
  /** Triple-quoted (Python): docstrings and long text, never a path. */
  triple: boolean;
}

export interface ScannedSource {
  text: string;
  strings: StringToken[];
  masked: string;
  /** Offset of the first character of each line. */
  lineStarts: number[];
}

export function lineStartsOf(text: string): number[] {
  const out = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) out.push(i + 1);
  return out;
}

/** (line, column) of an offset, by binary search over line starts. */
export function positionAt(lineStarts: readonly number[], offset: number): { line: number; col: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, col: offset - lineStarts[lo] };
}

const isIdent = (c: string | undefined) => c !== undefined && /[\w$]/.test(c);

export function scanSource(text: string, language: SourceLanguage): ScannedSource {
  const strings: StringToken[] = [];
  // ranges to blank, in order; the masked text is assembled once at the end
  const blanks: [number, number][] = [];
  const blank = (from: number, to: number) => {
    if (to > from) blanks.push([from, to]);
  };
  let i = 0;
  const n = text.length;
  // jump from one character that can start a comment or string to the next
  const next = language === 'python' ? /["'#]/g : /["'`/]/g;
  while (i < n) {
    next.lastIndex = i;
    const hit = next.exec(text);
    if (!hit) break;
    i = hit.index;
    const c = text[i];
    if (language === 'python' && c === '#') {
      const e = text.indexOf('\n', i);
      const end = e < 0 ? n : e;
      blank(i, end);
      i = end;
      continue;
    }
    if (language === 'js' && c === '/' && text[i + 1] === '/') {
      const e = text.indexOf('\n', i);
      const end = e < 0 ? n : e;
      blank(i, end);
      i = end;
      continue;
    }
    if (language === 'js' && c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      const end = e < 0 ? n : e + 2;
      blank(i, end);
      i = end;
      continue;
    }
    if (c === '"' || c === "'" || (language === 'js' && c === '`')) {
      // Python prefix letters directly before the quote (f"…", rb'…'), not part of a longer name
      let p = i;
      if (language === 'python') {
        while (p > 0 && /[rRbBuUfF]/.test(text[p - 1]) && i - p < 2) p--;
        if (isIdent(text[p - 1])) p = i;
      }
      const prefix = text.slice(p, i).toLowerCase();
      const triple = language === 'python' && text.startsWith(c.repeat(3), i);
      const open = triple ? 3 : 1;
      let j = i + open;
      let closed = false;
      while (j < n) {
        const d = text[j];
        if (d === '\\') {
          j += 2;
          continue;
        }
        if (c === '`' && d === '$' && text[j + 1] === '{') {
          // template substitution: skip to its matching brace (nested strings are rare; braces counted)
          let depth = 1;
          j += 2;
          while (j < n && depth > 0) {
            if (text[j] === '{') depth++;
            else if (text[j] === '}') depth--;
            j++;
          }
          continue;
        }
        if (triple ? text.startsWith(c.repeat(3), j) : d === c) {
          closed = true;
          break;
        }
        if (d === '\n' && !triple && c !== '`') break; // unterminated single-line string
        j++;
      }
      const bodyEnd = Math.min(j, n);
      const end = closed ? bodyEnd + open : bodyEnd;
      strings.push({
        start: p, end, prefix, quote: c, body: text.slice(i + open, bodyEnd),
        interpolated: prefix.includes('f') || c === '`', triple,
      });
      blank(i + open, bodyEnd);
      i = end;
      continue;
    }
    i++;
  }
  const parts: string[] = [];
  let at = 0;
  for (const [a, b] of blanks) {
    parts.push(text.slice(at, a), text.slice(a, b).replace(/[^\r\n]/g, ' '));
    at = b;
  }
  parts.push(text.slice(at));
  return { text, strings, masked: parts.join(''), lineStarts: lineStartsOf(text) };
}
