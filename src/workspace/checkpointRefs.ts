// Where training code names checkpoint files: string literals ending in a checkpoint extension (`.onnx`,
// `.safetensors`, `.pt`, `.pth`, `.bin`, `.ckpt` — ONNX exports, `torch.save`, safetensors' `save_file`)
// and the folder of `save_pretrained("out/dir")` / `from_pretrained("local/dir")` (a Hugging Face folder:
// model.safetensors, or model.safetensors.index.json with its shards), with the values the
// code substitutes turned into wildcards — f-strings and JS template literals (`{ep:02d}`, `${ep}`),
// `.format(…)`, `%` formatting, `+` concatenation — and the directories in front of them from
// `os.path.join(out, name, …)`, `path.join(…)`, `Path(out) / …` and `.joinpath(…)`. The result is a
// path pattern that checkpointMatcher.ts resolves against the files on disk. Pure; no vscode import.
// A lexical reader, not an interpreter: a variable is "any value", so `os.path.join(out, f"{name}.onnx")`
// matches every `*.onnx` below any folder; checkpointMatcher gives a file to the most specific pattern.
import { SourceCursor } from './sourceCursor';
import { positionAt, scanSource, type ScannedSource, type SourceLanguage, type StringToken } from './sourceScanner';

/** One component of a path pattern: text with `*` where the code substitutes a value, or any path. */
export type PathPart = { kind: 'glob'; glob: string } | { kind: 'any' };

export interface CheckpointRef {
  /** Position of the `.onnx` string literal (0-based line/column, end exclusive). */
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  /** Path parts, joined by `/`: `[any, any, glob "epoch_*.onnx"]` for `os.path.join(out, name, f"epoch_{ep:02d}.onnx")`. */
  parts: PathPart[];
  /** Human-readable pattern, e.g. `any/any/epoch_*.onnx` shown with `*` for each wildcard. */
  display: string;
  /** No wildcard: a plain path. */
  plain: boolean;
  /** A Hugging Face model folder (save_pretrained / from_pretrained), not a file: see `fileParts`. */
  folder: boolean;
}

/** File names a checkpoint reference may end with (what the readers open). */
export const CHECKPOINT_EXTENSIONS = ['onnx', 'safetensors', 'pt', 'pth', 'bin', 'ckpt'] as const;
const CHECKPOINT_NAME = new RegExp(`\\.(?:${CHECKPOINT_EXTENSIONS.join('|')})$`, 'i');
/** Calls whose first argument is a Hugging Face model folder. */
const FOLDER_CALL = /(?:^|\.)(?:save_pretrained|from_pretrained)$/;
/** The file of a Hugging Face folder a checkpoint index lists: model.safetensors or model.safetensors.index.json. */
export const HF_FOLDER_FILE = 'model.safetensors*';

/** The path pattern of the checkpoint file(s) a reference names: a folder reference ends in its weights file. */
export function fileParts(ref: Pick<CheckpointRef, 'parts' | 'folder'>): PathPart[] {
  return ref.folder ? [...ref.parts, { kind: 'glob', glob: HF_FOLDER_FILE }] : ref.parts;
}

const PATH_CALL = /(?:^|\.)(?:join|joinpath|resolve|Path|PurePath|PosixPath|PurePosixPath|WindowsPath)$/;

/** The body of a string literal as a glob: substitutions become `*`, `{{`/`}}` and `%%` become literal. */
export function stringGlob(tok: StringToken, formatted = false, percent = false): string {
  let s = tok.body;
  if (tok.quote === '`') s = s.replace(/\$\{(?:[^{}]|\{[^{}]*\})*\}/g, '*');
  else if (tok.interpolated || formatted) {
    let out = '';
    for (let i = 0; i < s.length; i++) {
      if (s.startsWith('{{', i) || s.startsWith('}}', i)) {
        out += s[i];
        i++;
      } else if (s[i] === '{') {
        let depth = 1;
        while (++i < s.length && depth > 0) {
          if (s[i] === '{') depth++;
          else if (s[i] === '}') depth--;
        }
        i--;
        out += '*';
      } else out += s[i];
    }
    s = out;
  }
  if (percent) s = s.replace(/%%|%(\([^)]*\))?[-+ #0]*(\*|\d+)?(\.(\*|\d+))?[diouxXeEfFgGcrsa]/g, (m) => (m === '%%' ? '%' : '*'));
  // Windows separators written in the code (`"runs\\epoch.onnx"`, r"runs\epoch.onnx")
  s = tok.prefix.includes('r') ? s.replace(/\\/g, '/') : s.replace(/\\\\/g, '/');
  return s.replace(/\*+/g, '*');
}

interface Operand {
  start: number;
  end: number;
  token?: StringToken;
}

/** Brackets further apart than this are not looked for (bounded work on a huge generated file). */
const LIMIT = 20000;

class Reader extends SourceCursor {
  constructor(src: ScannedSource, private readonly language: SourceLanguage) {
    super(src);
  }

  /** The operand (literal, name, call or subscript chain) ending just before `p`, or null. */
  operandBefore(p: number): Operand | null {
    const end = this.skipBack(p);
    const tok = this.stringEndingAt(end);
    if (tok) return { start: tok.start, end, token: tok };
    let k = end;
    for (;;) {
      const c = this.m[k - 1];
      if (c === ')' || c === ']') {
        const open = this.matchBack(k - 1, LIMIT);
        if (open < 0) return null;
        k = open;
      } else if (c !== undefined && /[\w$.]/.test(c)) {
        while (k > 0 && /[\w$.]/.test(this.m[k - 1])) k--;
        if (this.m[k - 1] !== ')' && this.m[k - 1] !== ']') break;
      } else break;
    }
    return k < end ? { start: k, end } : null;
  }

  /** Operands of the `+` chain that ends with `last`, left to right. */
  plusChain(last: Operand): Operand[] {
    const out = [last];
    for (;;) {
      const p = this.skipBack(out[0].start);
      if (this.m[p - 1] !== '+' || this.m[p - 2] === '+') break;
      const op = this.operandBefore(p - 1);
      if (!op) break;
      out.unshift(op);
    }
    return out;
  }

  /** Glob of an operand chain: literals as written, anything computed as `*`. */
  chainGlob(chain: Operand[], formatted: boolean, percent: boolean): string {
    return chain.map((o, i) => (o.token && !o.token.triple ? stringGlob(o.token, formatted && i === chain.length - 1, percent && i === chain.length - 1) : '*')).join('').replace(/\*+/g, '*');
  }

  /** Glob of an arbitrary expression range (an argument of a join call): its top-level `+` operands. */
  exprGlob(start: number, end: number): string {
    const e = this.skipBack(end);
    const s = this.skipForward(start);
    const tok = this.stringAt(s);
    if (tok && tok.end === e) return stringGlob(tok);
    const last = this.operandBefore(e);
    if (!last) return '*';
    const chain = this.plusChain(last);
    if (this.skipForward(s) !== chain[0].start) return '*';
    // Path("runs"), Path(out): the glob of its single argument
    const call = /^(?:[\w$]+\.)*(?:Path|PurePath|PosixPath|PurePosixPath)\s*\(/.exec(this.m.slice(s, e));
    if (call) {
      const open = s + call[0].length - 1;
      const args = this.matchForward(open, LIMIT) === e - 1 ? this.items(open, e - 1) : [];
      if (args.length === 1) return this.exprGlob(args[0][0], args[0][1]);
    }
    return this.chainGlob(chain, false, false);
  }

  /**
   * Whether the expression starting at `start` (directly, or as the last argument of a path join) is
   * the first argument of `x.save_pretrained(…)` / `X.from_pretrained(…)`.
   */
  isFolderArgument(start: number): boolean {
    let at = start;
    for (let hops = 0; hops < 2; hops++) {
      const open = this.enclosingParen(at, LIMIT);
      if (open < 0) return false;
      const end = this.skipBack(open);
      const callee = this.text.slice(this.dottedNameBefore(end), end);
      const close = this.matchForward(open, LIMIT);
      const args = close < 0 ? [] : this.items(open, close);
      if (FOLDER_CALL.test(callee)) return args.length > 0 && args[0][0] <= at && at < args[0][1];
      if (!PATH_CALL.test(callee)) return false;
      at = this.dottedNameBefore(end); // the join call itself, as an argument of the outer call
    }
    return false;
  }

  /** Path parts written before an expression starting at `start` (join-call arguments, `/` operands); null when a join puts more after it. */
  leadingParts(start: number): PathPart[] | null {
    const parts: PathPart[] = [];
    const asPart = (g: string): PathPart => (g === '*' ? { kind: 'any' } : { kind: 'glob', glob: g });
    // pathlib: a / b / "c.onnx"
    if (this.language === 'python') {
      let p = start;
      for (;;) {
        const q = this.skipBack(p);
        if (this.m[q - 1] !== '/' || this.m[q - 2] === '/') break;
        const op = this.operandBefore(q - 1);
        if (!op) break;
        parts.unshift(asPart(this.exprGlob(op.start, op.end)));
        p = op.start;
      }
      if (parts.length) return parts;
    }
    const open = this.enclosingParen(start, LIMIT);
    if (open < 0) return parts;
    const callee = this.text.slice(this.dottedNameBefore(this.skipBack(open)), this.skipBack(open));
    if (!PATH_CALL.test(callee)) return parts;
    const close = this.matchForward(open, LIMIT);
    if (close < 0) return parts;
    const args = this.items(open, close);
    const mine = args.findIndex(([a, b]) => a <= start && start < b);
    if (mine !== args.length - 1) return null;
    if (/\.joinpath$/.test(callee) || (/\.(?:join|resolve)$/.test(callee) && !/(?:^|\.)(?:path|posixpath|ntpath)\.(?:join|resolve)$/.test(callee))) {
      parts.push({ kind: 'any' }); // receiver.joinpath(…), p.join(…) on a path object
    }
    for (const [a, b] of args.slice(0, -1)) {
      const text = this.m.slice(a, b).trim();
      if (text.startsWith('*') || /^\w+\s*=/.test(text)) parts.push({ kind: 'any' });
      else parts.push(asPart(this.exprGlob(a, b)));
    }
    // a join that is itself the right operand of `/`, or nested in another join, is rare; stop here
    return parts;
  }
}

/** Splits glob parts on `/` and turns whole-segment substitutions (`{out}/x.onnx`) into `any`. */
export function normalizeParts(parts: PathPart[]): PathPart[] {
  const out: PathPart[] = [];
  parts.forEach((p, i) => {
    if (p.kind === 'any') {
      if (out[out.length - 1]?.kind !== 'any') out.push(p);
      return;
    }
    const segs = p.glob.split('/');
    segs.forEach((s, j) => {
      if (s === '' && !(i === 0 && j === 0 && segs.length > 1)) return; // keep a leading '' (absolute path) only
      if (s === '.') return;
      if (s === '*') {
        if (out[out.length - 1]?.kind !== 'any') out.push({ kind: 'any' });
      } else out.push({ kind: 'glob', glob: s });
    });
  });
  return out;
}

export function displayParts(parts: readonly PathPart[]): string {
  return parts.map((p) => (p.kind === 'any' ? '*' : p.glob)).join('/') || '/';
}

/** `source`: the text, or its scan (scanSource) when the caller reads the same text for several things. */
export function findCheckpointRefs(source: string | ScannedSource, language: SourceLanguage = 'python'): CheckpointRef[] {
  const src = typeof source === 'string' ? scanSource(source, language) : source;
  const reader = new Reader(src, language);
  const out: CheckpointRef[] = [];
  // folder arguments are looked for only in files that call save_pretrained / from_pretrained at all
  const folderCalls = /(?:save|from)_pretrained\s*\(/.test(src.masked);
  for (const tok of src.strings) {
    if (tok.triple) continue;
    // the literal itself must end the path: "…/epoch_{ep}.onnx", "%s.pt", ".onnx" after a `+` chain;
    // any other literal only as the folder argument of save_pretrained / from_pretrained
    const file = CHECKPOINT_NAME.test(tok.body);
    if (!file && (!folderCalls || !/[\w*}]$/.test(tok.body))) continue;
    const after = reader.skipForward(tok.end);
    const formatted = /^\.\s*format\s*\(/.test(src.masked.slice(after, after + 20));
    const percent = language === 'python' && src.masked[after] === '%' && src.masked[after + 1] !== '=';
    const chain = reader.plusChain({ start: tok.start, end: tok.end, token: tok });
    const glob = reader.chainGlob(chain, formatted, percent);
    const lead = reader.leadingParts(chain[0].start);
    if (!lead) continue;
    if (!file && !reader.isFolderArgument(chain[0].start)) continue;
    const parts = normalizeParts([...lead, { kind: 'glob', glob }]);
    if (!parts.length || parts[parts.length - 1].kind !== 'glob') continue;
    const a = positionAt(src.lineStarts, tok.start);
    const b = positionAt(src.lineStarts, tok.end);
    out.push({
      line: a.line, col: a.col, endLine: b.line, endCol: b.col, parts, display: displayParts(parts),
      plain: parts.every((p) => p.kind === 'glob' && !p.glob.includes('*')),
      folder: !file,
    });
  }
  return out;
}
