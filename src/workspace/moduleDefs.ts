// The Python module-path matcher: which PyTorch module paths a model definition creates, read from
// its source text, so per-layer numbers of a checkpoint can be shown on the lines that define them.
//   self.fc1 = nn.Linear(…)                     → fc1
//   self.body = nn.Sequential(nn.Linear, nn.ReLU(), nn.Linear)        → body.0, body.2
//   nn.Sequential(OrderedDict([("fc", nn.Linear(…))]))                → body.fc
//   self.layers = nn.ModuleList([nn.Linear(…) for i in …])            → layers.* (every index)
//   self.layers = nn.ModuleList([nn.Linear(…), nn.Linear(…)])         → layers.0, layers.1
//   self.heads = nn.ModuleDict({"cls": nn.Linear(…)})                 → heads.cls
//   self.add_module("fc", nn.Linear(…)); self.blocks.append(nn.Conv2d(…))  → fc; blocks.*
//   model.fc = nn.Linear(512, 10)  (outside a class: fine-tuning scripts) → fc
// Paths are relative to the class that defines them; where that class sits inside the model
// (`encoder.` for `self.encoder = Encoder()`) is found when matching against a checkpoint's modules
// (moduleMatcher.ts). Limits: a lexical reader, not an interpreter — modules built by helper functions,
// `setattr`, loops over `add_module` with computed names, or composite layers (TransformerEncoderLayer)
// are not seen; `*` stands for any index. Pure; no vscode import.
import { SourceCursor } from './sourceCursor';
import { positionAt, scanSource, type ScannedSource } from './sourceScanner';

export interface ModuleDef {
  /** Start (the assignment target, or the entry inside a container) and end (after the call's `)`), 0-based. */
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  /** Module path relative to its owner: `fc1`, `layers.0`, `layers.*`, `body.fc`. */
  path: string;
  /** Constructor: `Linear`, `Conv2d`, `LSTM`, … */
  ctor: string;
  /** Offset of the constructor call's `(` in the text (its arguments: constEval.ts). */
  open: number;
  /** The enclosing class, or `<receiver>` (e.g. `<model>`) for assignments outside a class. */
  owner: string;
  /** Where a hint goes: the end of the line's code, or just after the call when another definition follows on the line. */
  hintLine: number;
  hintCol: number;
}

/** Constructors of modules whose weights the engine measures. */
export const MEASURED = new Set([
  'Linear', 'LazyLinear', 'Bilinear', 'Conv1d', 'Conv2d', 'Conv3d', 'ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d',
  'LazyConv1d', 'LazyConv2d', 'LazyConv3d', 'LazyConvTranspose1d', 'LazyConvTranspose2d', 'LazyConvTranspose3d',
  'Embedding', 'EmbeddingBag', 'LSTM', 'GRU', 'RNN', 'LSTMCell', 'GRUCell', 'RNNCell', 'MultiheadAttention',
]);
const CONTAINERS = new Set(['Sequential', 'ModuleList', 'ModuleDict']);
/** `nn.Linear(`, `torch.nn.Linear(`, `Linear(` — the constructor name and the offset of its `(`. */
const CALL = /^(?:(?:torch\.)?nn\.)?([A-Z]\w*)\s*\(/;

interface Leaf {
  start: number;
  end: number;
  /** Offset of the constructor call's `(`. */
  open: number;
  path: string[];
  ctor: string;
}

class DefReader extends SourceCursor {
  /** Measured modules an expression at `p` creates, with paths relative to it. */
  expr(p: number, end: number, path: string[], out: Leaf[]): void {
    p = this.skipForward(p);
    const text = this.m.slice(p, end);
    const call = CALL.exec(text);
    if (!call) {
      // *[…] / *(…) unpacked into a container: indices unknown
      if (text.startsWith('*')) this.expr(p + 1, end, [...path.slice(0, -1), '*'], out);
      else if (text.startsWith('[') && this.hasTopLevelFor(p, this.matchForward(p))) this.expr(p + 1, this.matchForward(p), path, out);
      return;
    }
    const ctor = call[1];
    const open = p + call[0].length - 1;
    const close = this.matchForward(open);
    if (close < 0 || close >= end) return;
    if (MEASURED.has(ctor)) {
      out.push({ start: p, end: close + 1, open, path, ctor });
      return;
    }
    if (!CONTAINERS.has(ctor)) return; // a class of the user's: matched by prefix later
    const args = this.items(open, close).filter(([a]) => !/^\w+\s*=[^=]/.test(this.m.slice(a, a + 40)));
    if (ctor === 'Sequential') {
      if (args.length === 1 && /^(?:(?:collections\.)?OrderedDict\s*\(|\{)/.test(this.m.slice(args[0][0], args[0][1]))) {
        this.named(args[0][0], args[0][1], path, out);
        return;
      }
      args.forEach(([a, b], i) => this.expr(a, b, [...path, String(i)], out));
      return;
    }
    if (!args.length) return;
    const [a, b] = args[0];
    if (ctor === 'ModuleDict') {
      this.named(a, b, path, out);
      return;
    }
    // ModuleList([...]) or ModuleList(expr for ...)
    const first = this.m[a];
    if (first === '[' || first === '(') {
      const c = this.matchForward(a);
      if (this.hasTopLevelFor(a, c)) this.expr(a + 1, c, [...path, '*'], out);
      else this.items(a, c).forEach(([x, y], i) => this.expr(x, y, [...path, String(i)], out));
    } else if (this.hasTopLevelFor(open, close)) this.expr(a, b, [...path, '*'], out);
  }

  /** OrderedDict([("a", m), …]), OrderedDict(a=m), {"a": m, …}, dict(a=m): named children. */
  named(p: number, end: number, path: string[], out: Leaf[]): void {
    p = this.skipForward(p);
    const head = /^(?:(?:collections\.)?OrderedDict|dict)\s*\(/.exec(this.m.slice(p, end));
    if (head) {
      const open = p + head[0].length - 1;
      const close = this.matchForward(open);
      const items = this.items(open, close);
      if (items.length === 1 && (this.m[items[0][0]] === '[' || this.m[items[0][0]] === '{')) {
        this.named(items[0][0], items[0][1], path, out);
        return;
      }
      for (const [a, b] of items) {
        const kw = /^(\w+)\s*=/.exec(this.m.slice(a, b));
        if (kw) this.expr(a + kw[0].length, b, [...path, kw[1]], out);
      }
      return;
    }
    const c = this.m[p];
    if (c !== '[' && c !== '{') return;
    const close = this.matchForward(p);
    if (this.hasTopLevelFor(p, close)) return; // {f"l{i}": … for i in …}: names computed
    for (const [a, b] of this.items(p, close)) {
      if (c === '[') {
        // ("name", module)
        if (this.m[a] !== '(') continue;
        const inner = this.items(a, this.matchForward(a));
        const name = inner.length === 2 ? this.plainStringAt(inner[0][0]) : null;
        if (name !== null) this.expr(inner[1][0], inner[1][1], [...path, name], out);
      } else {
        const colon = this.m.indexOf(':', a);
        const name = this.plainStringAt(a);
        if (name !== null && colon > 0 && colon < b) this.expr(colon + 1, b, [...path, name], out);
      }
    }
  }
}

interface ClassSpan {
  name: string;
  indent: number;
  from: number;
  to: number;
}

function classSpans(src: ScannedSource): ClassSpan[] {
  const lines = src.masked.split('\n');
  const spans: ClassSpan[] = [];
  const open: ClassSpan[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const indent = line.length - line.trimStart().length;
    while (open.length && indent <= open[open.length - 1].indent) open.pop()!.to = i - 1;
    const c = /^(\s*)class\s+(\w+)/.exec(line);
    if (c) {
      const span = { name: c[2], indent: c[1].length, from: i, to: lines.length - 1 };
      spans.push(span);
      open.push(span);
    }
  });
  return spans;
}

/** `source`: Python text, or its scan (scanSource(text, 'python')). */
export function findModuleDefs(source: string | ScannedSource): ModuleDef[] {
  const src = typeof source === 'string' ? scanSource(source, 'python') : source;
  const r = new DefReader(src);
  const spans = classSpans(src);
  const ownerAt = (line: number) => spans.filter((s) => s.from <= line && line <= s.to).sort((a, b) => b.indent - a.indent)[0]?.name;
  const out: ModuleDef[] = [];
  const emit = (leaves: Leaf[], targetStart: number, receiver: string, prefix: string[]) => {
    for (const leaf of leaves) {
      // a direct definition is annotated from its target (`self.fc1 = …`); a container entry from the entry
      const start = leaf.path.length === 0 ? targetStart : leaf.start;
      const a = positionAt(src.lineStarts, start);
      const b = positionAt(src.lineStarts, leaf.end);
      out.push({
        line: a.line, col: a.col, endLine: b.line, endCol: b.col, path: [...prefix, ...leaf.path].join('.'), ctor: leaf.ctor, open: leaf.open,
        owner: ownerAt(a.line) ?? `<${receiver}>`, hintLine: b.line, hintCol: b.col,
      });
    }
  };
  // self.x = …, self.x: nn.Module = …, a.b.c = … (statement starts only)
  const assign = /(^|[;\n])[ \t]*([A-Za-z_]\w*)\.([A-Za-z_][\w.]*)[ \t]*(?::[^=\n]+)?=(?!=)[ \t]*/g;
  for (const m of r.m.matchAll(assign)) {
    const targetStart = m.index! + m[1].length + /^[ \t]*/.exec(m[0].slice(m[1].length))![0].length;
    const rhs = m.index! + m[0].length;
    // the expression runs to the end of the logical line (brackets may span lines)
    const lineEnd = r.logicalLineEnd(rhs);
    const leaves: Leaf[] = [];
    r.expr(rhs, lineEnd, [], leaves);
    emit(leaves, targetStart, m[2], m[3].split('.'));
  }
  // self.add_module("name", …), self.register_module("name", …), self.blocks.append(…)/.extend([...])
  const calls = /(^|[;\n])[ \t]*([A-Za-z_]\w*)\.(?:(add_module|register_module)\s*\(|([A-Za-z_][\w.]*)\.(append|extend|insert)\s*\()/g;
  for (const m of r.m.matchAll(calls)) {
    const open = m.index! + m[0].length - 1;
    const close = r.matchForward(open);
    if (close < 0) continue;
    const args = r.items(open, close);
    const leaves: Leaf[] = [];
    if (m[3]) {
      const name = args.length === 2 ? r.plainStringAt(args[0][0]) : null;
      if (name === null) continue;
      r.expr(args[1][0], args[1][1], [], leaves);
      emit(leaves, leaves[0]?.start ?? open, m[2], [name]);
    } else {
      const arg = m[5] === 'insert' ? args[1] : args[0];
      if (!arg) continue;
      const c = r.m[arg[0]];
      if (m[5] === 'extend' && (c === '[' || c === '(')) {
        const end = r.matchForward(arg[0]);
        if (r.hasTopLevelFor(arg[0], end)) r.expr(arg[0] + 1, end, ['*'], leaves);
        else for (const [x, y] of r.items(arg[0], end)) r.expr(x, y, ['*'], leaves);
      } else if (m[5] !== 'extend') r.expr(arg[0], arg[1], ['*'], leaves);
      // every leaf is at least one index deep: direct appends are annotated from the entry
      emit(leaves.map((l) => ({ ...l, path: l.path.length ? l.path : ['*'] })), open, m[2], m[4].split('.'));
    }
  }
  out.sort((a, b) => a.line - b.line || a.col - b.col);
  const masked = src.masked.split('\n');
  for (const d of out) {
    const later = out.some((o) => o !== d && o.endLine === d.endLine && o.endCol > d.endCol);
    if (!later) d.hintCol = Math.max(d.endCol, masked[d.endLine].replace(/\r$/, '').trimEnd().length);
  }
  return out;
}

/** Lines of `class Name` statements, by name (the first one when a name repeats). */
export function classLines(source: string | ScannedSource): Map<string, number> {
  const out = new Map<string, number>();
  (typeof source === 'string' ? scanSource(source, 'python') : source).masked.split('\n').forEach((l, i) => {
    const m = /^\s*class\s+(\w+)/.exec(l);
    if (m && !out.has(m[1])) out.set(m[1], i);
  });
  return out;
}
