// What training code says about checkpoints and layers, read from its text (no vscode import, unit
// tested): string literals naming .onnx files (plain, f-strings, .format and % patterns → globs), and
// layer definitions (`self.fc1 = nn.Linear(...)`, several per line, ModuleList/Sequential entries)
// with the module paths they create. A line-based reader, not a Python parser: it handles the idioms
// of training scripts, not arbitrary metaprogramming.

export interface CheckpointRef {
  line: number;
  start: number;
  end: number;
  /** The literal text of the string. */
  literal: string;
  /** A glob over file names: wildcards where the code substitutes values. */
  glob: string;
  /** True when the string has no substitutions (a plain path). */
  plain: boolean;
}

const STRING = /(\b[rRbBfF]{1,2})?("([^"\\\n]|\\.)*"|'([^'\\\n]|\\.)*')/g;

/** f"run/epoch_{ep:02d}.onnx" → run/epoch_*.onnx; "%s_%02d.onnx" → *_*.onnx; "{}.onnx".format → *.onnx. */
export function literalToGlob(prefix: string, body: string): { glob: string; plain: boolean } {
  let g = body;
  const isF = /f/i.test(prefix);
  const before = g;
  if (isF || /\{[^}]*\}/.test(g)) g = g.replace(/\{\{/g, '\u0001').replace(/\}\}/g, '\u0002').replace(/\{[^}]*\}/g, '*').replace(/\u0001/g, '{').replace(/\u0002/g, '}');
  g = g.replace(/%(\([^)]*\))?[-+ #0]*\d*(\.\d+)?[sdifgeExXor]/g, '*');
  g = g.replace(/\*+/g, '*');
  return { glob: g, plain: g === before && !g.includes('*') };
}

export function findCheckpointRefs(text: string): CheckpointRef[] {
  const out: CheckpointRef[] = [];
  text.split(/\r?\n/).forEach((lineText, line) => {
    const code = stripComment(lineText);
    for (const m of code.matchAll(STRING)) {
      const prefix = m[1] ?? '';
      const quoted = m[2];
      const body = quoted.slice(1, -1);
      if (!/\.onnx$/i.test(body)) continue;
      const { glob, plain } = literalToGlob(prefix, body);
      out.push({ line, start: m.index!, end: m.index! + m[0].length, literal: body, glob, plain });
    }
  });
  return out;
}

function stripComment(line: string): string {
  // a # outside strings starts a comment
  let q: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === '\\') i++;
      else if (c === q) q = null;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}

const LAYER_CTORS = /(?:nn\.|torch\.nn\.)?(Linear|LazyLinear|Bilinear|Conv[123]d|ConvTranspose[123]d|LazyConv[123]d|Embedding|LSTM|GRU|RNN|MultiheadAttention|ModuleList|Sequential)\s*\(/y;

export interface LayerDef {
  line: number;
  /** Column just after the definition's closing parenthesis (where a hint goes). */
  end: number;
  start: number;
  /** Attribute path as written (`fc1`, `layers`, `encoder.fc`). */
  attr: string;
  ctor: string;
  /** Module paths this definition creates: `fc1`; `layers.*` for a comprehension; `body.0`, `body.2` for Sequential entries. */
  modules: string[];
  /** The enclosing class, if any. */
  cls: string | null;
}

/** Index of the parenthesis closing the one at `open`, or -1 (strings skipped). */
function closeParen(s: string, open: number): number {
  let depth = 0;
  let q: string | null = null;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === '\\') i++;
      else if (c === q) q = null;
      continue;
    }
    if (c === '"' || c === "'") q = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Top-level comma-separated arguments of a call's argument text. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let q: string | null = null;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      cur += c;
      if (c === '\\') cur += s[++i] ?? '';
      else if (c === q) q = null;
      continue;
    }
    if (c === '"' || c === "'") q = c;
    if ('([{'.includes(c)) depth++;
    if (')]}'.includes(c)) depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export function findLayerDefs(text: string): LayerDef[] {
  const lines = text.split(/\r?\n/);
  const out: LayerDef[] = [];
  let cls: { name: string; indent: number } | null = null;
  lines.forEach((raw, line) => {
    const code = stripComment(raw);
    const indent = raw.length - raw.trimStart().length;
    const c0 = /^(\s*)class\s+(\w+)/.exec(code);
    if (c0) cls = { name: c0[2], indent: c0[1].length };
    else if (cls && code.trim() && indent <= cls.indent) cls = null;
    const assign = /(?:^|;)\s*(?:\w+)\.([A-Za-z_][\w.]*)\s*(?::\s*[\w.[\], ]+)?=\s*/g;
    for (const m of code.matchAll(assign)) {
      const at = m.index! + m[0].length;
      LAYER_CTORS.lastIndex = at;
      const c = LAYER_CTORS.exec(code);
      if (!c) continue;
      const open = at + c[0].length - 1;
      // a definition may span lines: join until the parenthesis closes
      let joined = code;
      let close = closeParen(joined, open);
      let extra = 0;
      while (close < 0 && line + extra + 1 < lines.length && extra < 30) {
        extra++;
        joined += '\n' + stripComment(lines[line + extra]);
        close = closeParen(joined, open);
      }
      const attr = m[1];
      const ctor = c[1];
      const inner = close > 0 ? joined.slice(open + 1, close) : '';
      let modules = [attr];
      if (ctor === 'ModuleList' || ctor === 'Sequential') {
        const listed = ctor === 'ModuleList' ? inner.replace(/^\s*\[|\]\s*$/g, '') : inner;
        if (/\bfor\b/.test(listed)) modules = [`${attr}.*`];
        else {
          modules = [];
          splitArgs(listed).forEach((a, i) => {
            if (/(Linear|Conv|Embedding|LSTM|GRU|RNN|Attention)\w*\s*\(/.test(a)) modules.push(`${attr}.${i}`);
          });
        }
      }
      const end = close > 0 && extra === 0 ? close + 1 : code.trimEnd().length;
      out.push({ line, start: m.index! + (m[0].startsWith(';') ? 1 : 0), end, attr, ctor, modules, cls: cls?.name ?? null });
    }
  });
  return out;
}

/** Report modules matched by a definition's module paths: exact, `x.*` prefix, or as a path suffix. */
export function matchModules(def: LayerDef, reportModules: readonly string[]): string[] {
  const hits = new Set<string>();
  for (const pat of def.modules) {
    if (pat.endsWith('.*')) {
      const base = pat.slice(0, -2);
      for (const m of reportModules) if (m === base || m.startsWith(`${base}.`) || m.endsWith(`.${base}`) || m.includes(`.${base}.`)) {
        if (new RegExp(`(^|\\.)${base.replace(/\./g, '\\.')}\\.\\d+$`).test(m)) hits.add(m);
      }
      continue;
    }
    if (reportModules.includes(pat)) hits.add(pat);
    else for (const m of reportModules) if (m.endsWith(`.${pat}`)) hits.add(m);
  }
  return [...hits].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

/**
 * The definitions to annotate with a report: per class, only when most of its layer definitions
 * (at least two thirds) match the report's modules — a class of another architecture that happens to
 * share a name (`head`) is left alone.
 */
export function matchDefinitions(defs: LayerDef[], reportModules: readonly string[]): { def: LayerDef; modules: string[] }[] {
  const byClass = new Map<string, { def: LayerDef; modules: string[] }[]>();
  for (const def of defs) {
    const k = def.cls ?? '';
    byClass.set(k, [...(byClass.get(k) ?? []), { def, modules: matchModules(def, reportModules) }]);
  }
  const out: { def: LayerDef; modules: string[] }[] = [];
  for (const list of byClass.values()) {
    const hit = list.filter((x) => x.modules.length);
    if (hit.length && hit.length * 3 >= list.length * 2) out.push(...hit);
  }
  return out;
}

/** Epoch-aware ordering key of a checkpoint name: the last number in it (epoch_05 < epoch_10). */
export function epochOf(name: string): number | null {
  const m = /(\d+)(?!.*\d)/.exec(name.replace(/\.onnx$/i, ''));
  return m ? Number(m[1]) : null;
}

/** A glob over a file path's basename (only * wildcards) as a RegExp. */
export function globToRegExp(glob: string): RegExp {
  const base = glob.split(/[\\/]/).pop()!;
  return new RegExp(`^${base.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/\\\\]*')}$`, 'i');
}
