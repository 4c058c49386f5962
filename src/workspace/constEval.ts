// What the numbers in a model's constructor calls are, where the file says so: integer and float
// literals, parameter defaults, names bound once in the file (module constants, locals of the
// defining function, `self.x = …`), and + − × / // % ** of those — `nn.Linear(c2 * 7 * 7, fc)` with
// `def __init__(self, c2=16, fc=64)` is Linear(784, 64). When the file constructs the class with
// arguments that evaluate (`SmallCNN(fc=128)`), they replace the defaults; call sites that disagree or
// do not evaluate leave the parameter unknown. Anything else (attributes, calls, config objects) is
// unknown: an unknown number is never guessed, it only removes that check. Pure; no vscode import.
import { SourceCursor } from './sourceCursor';
import type { ScannedSource } from './sourceScanner';

/** A name's value: a number, or null when it is bound in a way this evaluator cannot follow. */
export type Scope = ReadonlyMap<string, number | null>;

/** An argument's value: a number, a tuple of numbers (unknown elements null), or null. */
export type ArgValue = number | (number | null)[] | null;

type Tok = { kind: 'num'; value: number } | { kind: 'name'; name: string } | { kind: 'op'; op: string };

function tokenize(s: string): Tok[] | null {
  const out: Tok[] = [];
  const re = /\s*(?:(\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)|([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)|(\*\*|\/\/|[-+*/%()]))/y;
  let i = 0;
  while (i < s.length) {
    if (/^\s*$/.test(s.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) return null;
    i = re.lastIndex;
    if (m[1] !== undefined) out.push({ kind: 'num', value: Number(m[1].replace(/_/g, '')) });
    else if (m[2] !== undefined) out.push({ kind: 'name', name: m[2] });
    else out.push({ kind: 'op', op: m[3] });
  }
  return out;
}

/**
 * Value of an arithmetic expression over numbers and names, or null when any part is unknown or it is
 * not such an expression. Python semantics for `//` (floor) and `%` (sign of the divisor).
 */
export function evaluate(expr: string, scope: Scope): number | null {
  const toks = tokenize(expr);
  if (!toks || !toks.length) return null;
  let i = 0;
  const peek = (op: string) => toks[i]?.kind === 'op' && (toks[i] as { op: string }).op === op;
  // sum := term (('+'|'-') term)*; term := unary (('*'|'/'|'//'|'%') unary)*; unary := '-' unary | power; power := atom ('**' unary)?
  const sum = (): number | null => {
    let v = term();
    while (v !== null && (peek('+') || peek('-'))) {
      const op = (toks[i++] as { op: string }).op;
      const r = term();
      v = r === null ? null : op === '+' ? v + r : v - r;
    }
    return v;
  };
  const term = (): number | null => {
    let v = unary();
    while (v !== null && (peek('*') || peek('/') || peek('//') || peek('%'))) {
      const op = (toks[i++] as { op: string }).op;
      const r = unary();
      if (r === null || (op !== '*' && r === 0)) return null;
      v = op === '*' ? v * r : op === '/' ? v / r : op === '//' ? Math.floor(v / r) : v - r * Math.floor(v / r);
    }
    return v;
  };
  const unary = (): number | null => {
    if (peek('-')) {
      i++;
      const v = unary();
      return v === null ? null : -v;
    }
    if (peek('+')) {
      i++;
      return unary();
    }
    return power();
  };
  const power = (): number | null => {
    const b = atom();
    if (b !== null && peek('**')) {
      i++;
      const e = unary();
      return e === null ? null : b ** e;
    }
    return b;
  };
  const atom = (): number | null => {
    const t = toks[i++];
    if (!t) return null;
    if (t.kind === 'num') return t.value;
    if (t.kind === 'name') return scope.get(t.name) ?? null;
    if (t.op === '(') {
      const v = sum();
      if (!peek(')')) return null;
      i++;
      return v;
    }
    return null;
  };
  const v = sum();
  return i === toks.length && v !== null && Number.isFinite(v) ? v : null;
}

interface Binding {
  name: string;
  /** Offset of the right-hand side and its end. */
  start: number;
  end: number;
  line: number;
}

interface FunctionSpan {
  name: string;
  /** Class the function is defined in, when it is a method. */
  cls: string | undefined;
  /** Lines [from, to] of the whole def, body included. */
  from: number;
  to: number;
  params: { name: string; index: number; default?: [number, number] }[];
}

const lineOf = (starts: readonly number[], offset: number) => {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
};

/** Names bound in a Python file, and the scope in force at a line (for the arguments of a constructor there). */
export class PythonScopes {
  private readonly cur: SourceCursor;
  private readonly lines: string[];
  private readonly functions: FunctionSpan[] = [];
  private readonly assigns: Binding[] = [];
  private readonly moduleScope = new Map<string, number | null>();
  private readonly classArgs = new Map<string, Map<string, number | null>>();

  constructor(src: ScannedSource) {
    this.cur = new SourceCursor(src);
    this.lines = src.masked.split('\n');
    this.readFunctions();
    this.readAssignments();
    // module constants: assignments at column 0, each name bound once (else unknown)
    for (const b of this.assigns) {
      const col = b.start - src.lineStarts[b.line];
      if (this.indentOf(b.line) !== 0 || col < 0) continue;
      this.bind(this.moduleScope, b.name, evaluate(this.cur.m.slice(b.start, b.end), this.moduleScope));
    }
    this.readCallSites();
  }

  private indentOf(line: number): number {
    const l = this.lines[line] ?? '';
    return l.length - l.trimStart().length;
  }

  private bind(scope: Map<string, number | null>, name: string, v: number | null): void {
    if (scope.has(name) && scope.get(name) !== v) scope.set(name, null);
    else scope.set(name, v);
  }

  private readFunctions(): void {
    const m = this.cur.m;
    const classes: { name: string; indent: number }[] = [];
    for (let i = 0; i < this.lines.length; i++) {
      const line = this.lines[i];
      if (!line.trim()) continue;
      const indent = this.indentOf(i);
      while (classes.length && indent <= classes[classes.length - 1].indent) classes.pop();
      const c = /^\s*class\s+(\w+)/.exec(line);
      if (c) classes.push({ name: c[1], indent });
      const d = /^(\s*)(?:async\s+)?def\s+(\w+)\s*\(/.exec(line);
      if (!d) continue;
      const open = this.cur.src.lineStarts[i] + d[0].length - 1;
      const close = this.cur.matchForward(open);
      if (close < 0) continue;
      const params: FunctionSpan['params'] = [];
      let index = 0;
      for (const [a, b] of this.cur.items(open, close)) {
        const p = /^\*{0,2}([A-Za-z_]\w*)\s*(?::[^=]*)?(=)?/.exec(m.slice(a, b));
        if (!p) continue;
        const eq = p[2] ? a + p[0].length : -1;
        params.push({ name: p[1], index: index++, ...(eq >= 0 ? { default: [eq, b] as [number, number] } : {}) });
      }
      let to = lineOf(this.cur.src.lineStarts, close);
      for (let j = to + 1; j < this.lines.length; j++) {
        if (!this.lines[j].trim()) continue;
        if (this.indentOf(j) <= indent) break;
        to = j;
      }
      const cls = classes.length && classes[classes.length - 1].indent < indent ? classes[classes.length - 1].name : undefined;
      this.functions.push({ name: d[2], cls, from: i, to, params });
    }
  }

  private readAssignments(): void {
    const m = this.cur.m;
    const re = /(^|[;\n])[ \t]*((?:self\.)?[A-Za-z_]\w*)[ \t]*(?::[^=\n]+)?=(?!=)[ \t]*/g;
    for (const hit of m.matchAll(re)) {
      const start = hit.index! + hit[0].length;
      const end = this.cur.logicalLineEnd(start);
      this.assigns.push({ name: hit[2], start, end, line: lineOf(this.cur.src.lineStarts, start) });
    }
  }

  /** `Cls(…)` calls outside Cls's own body: the values they pass per parameter name. */
  private readCallSites(): void {
    const m = this.cur.m;
    const inits = new Map(this.functions.filter((f) => f.name === '__init__' && f.cls).map((f) => [f.cls!, f]));
    for (const [cls, init] of inits) {
      const re = new RegExp(`(?<![\\w.])${cls}\\s*\\(`, 'g');
      const seen = new Map<string, number | null>();
      for (const hit of m.matchAll(re)) {
        const line = lineOf(this.cur.src.lineStarts, hit.index!);
        if (/^\s*class\s/.test(this.lines[line])) continue;
        const open = hit.index! + hit[0].length - 1;
        const close = this.cur.matchForward(open);
        if (close < 0) continue;
        const scope = this.scopeAt(line, false);
        const given = new Set<string>();
        const positional = init.params.filter((p) => p.name !== 'self');
        let k = 0;
        for (const [a, b] of this.cur.items(open, close)) {
          const text = m.slice(a, b);
          if (text.startsWith('*')) {
            for (const p of positional) this.bind(seen, p.name, null);
            continue;
          }
          const kw = /^([A-Za-z_]\w*)\s*=(?!=)/.exec(text);
          const name = kw ? kw[1] : positional[k++]?.name;
          if (!name) continue;
          given.add(name);
          this.bind(seen, name, evaluate(kw ? text.slice(kw[0].length) : text, scope));
        }
        // parameters this call leaves at their default: the default's value
        for (const p of positional) {
          if (given.has(p.name)) continue;
          this.bind(seen, p.name, p.default ? evaluate(m.slice(p.default[0], p.default[1]), this.moduleScope) : null);
        }
      }
      if (seen.size) this.classArgs.set(cls, seen);
    }
  }

  /**
   * The names in force at `line`: module constants, then the enclosing function's parameters (their
   * defaults, or what the file's constructor calls pass) and its locals assigned before `line`.
   */
  scopeAt(line: number, useCallSites = true): Map<string, number | null> {
    const scope = new Map(this.moduleScope);
    const fns = this.functions.filter((f) => f.from <= line && line <= f.to).sort((a, b) => a.from - b.from);
    for (const f of fns) {
      const passed = useCallSites && f.name === '__init__' && f.cls ? this.classArgs.get(f.cls) : undefined;
      for (const p of f.params) {
        if (passed?.has(p.name)) scope.set(p.name, passed.get(p.name)!);
        else scope.set(p.name, p.default ? evaluate(this.cur.m.slice(p.default[0], p.default[1]), scope) : null);
      }
      const locals = new Map<string, number | null>();
      for (const b of this.assigns) {
        if (b.line <= f.from || b.line >= line || b.line > f.to) continue;
        this.bind(locals, b.name, evaluate(this.cur.m.slice(b.start, b.end), new Map([...scope, ...locals])));
      }
      for (const [k, v] of locals) scope.set(k, v);
    }
    return scope;
  }

  /**
   * Values of the arguments of the call whose `(` is at `open`, in the scope of `line`: positional in
   * order, keywords by name; a tuple or list argument (`kernel_size=(3, 5)`) as its elements' values.
   */
  callArgs(open: number, line: number): { positional: ArgValue[]; keywords: Map<string, ArgValue> } {
    const close = this.cur.matchForward(open);
    const scope = this.scopeAt(line);
    const positional: ArgValue[] = [];
    const keywords = new Map<string, ArgValue>();
    if (close < 0) return { positional, keywords };
    const value = (a: number, b: number): ArgValue => {
      const c = this.cur.m[a];
      if ((c === '(' || c === '[') && this.cur.matchForward(a) === b - 1 && this.cur.items(a, b - 1).length !== 1) {
        return this.cur.items(a, b - 1).map(([x, y]) => evaluate(this.cur.m.slice(x, y), scope));
      }
      return evaluate(this.cur.m.slice(a, b), scope);
    };
    for (const [a, b] of this.cur.items(open, close)) {
      const text = this.cur.m.slice(a, b);
      if (text.startsWith('*')) return { positional: [], keywords: new Map() }; // *args: positions unknown
      const kw = /^([A-Za-z_]\w*)\s*=(?!=)/.exec(text);
      if (kw) keywords.set(kw[1], value(this.cur.skipForward(a + kw[0].length), b));
      else positional.push(value(a, b));
    }
    return { positional, keywords };
  }

  get cursor(): SourceCursor {
    return this.cur;
  }
}
