// Resolves the path patterns of checkpointRefs.ts against the checkpoint files that exist: relative
// patterns against the source file's folder and every workspace folder, a leading variable
// (`os.path.join(out, …)`) as any folder. Each wildcard captures what the code substituted, so the
// newest match is the one with the highest substituted number (`epoch_{ep}` → 30), else the newest
// file. A file several patterns match belongs to the most specific one (`{name}.init.onnx` keeps
// `mlp.init.onnx` away from `{name}.onnx`). Pure; no vscode import. Paths are compared with `/`.
import { posix } from 'node:path';
import { epochOf, naturalCompare } from './checkpointOrder';
import type { PathPart } from './checkpointRefs';

export interface CheckpointFile {
  path: string;
  mtime: number;
}

export interface RefMatch extends CheckpointFile {
  /** What each `*` of the pattern matched, left to right. */
  captures: string[];
}

const slash = (p: string) => p.replace(/\\/g, '/');
const esc = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
const segmentRe = (glob: string) => glob.split('*').map(esc).join('([^/]*)');
const ANY = '[^/]+(?:/[^/]+)*';

/** Regular expressions over absolute `/`-separated paths that a pattern can produce. */
export function patternRegExps(parts: readonly PathPart[], docDir: string, roots: readonly string[]): RegExp[] {
  if (!parts.length) return [];
  const rest = (from: number) =>
    parts.slice(from).map((p) => (p.kind === 'any' ? ANY : segmentRe(p.glob))).join('/');
  const first = parts[0];
  if (first.kind === 'any') return [new RegExp(`^(?:.*/)?${rest(1)}$`)];
  if (first.glob === '') return [new RegExp(`^${rest(0)}$`)]; // absolute: the leading '' gives the '/'
  // relative: literal leading segments (`..` included) resolve against each base folder
  let k = 0;
  while (k < parts.length - 1 && parts[k].kind === 'glob' && !(parts[k] as { glob: string }).glob.includes('*')) k++;
  const lead = parts.slice(0, k).map((p) => (p as { glob: string }).glob);
  const out = new Map<string, RegExp>();
  for (const base of [docDir, ...roots]) {
    // base folders are absolute (POSIX or `C:/…`): join, do not resolve against the process's cwd
    const prefix = posix.join(slash(base), ...lead).replace(/\/+$/, '') || '/';
    const tail = rest(k);
    const src = `^${esc(prefix === '/' ? '' : prefix)}/${tail}$`;
    out.set(src, new RegExp(src));
  }
  return [...out.values()];
}

/** Literal characters of a pattern: the more, the more specific. */
export function specificity(parts: readonly PathPart[]): number {
  return parts.reduce((n, p) => n + (p.kind === 'glob' ? p.glob.replace(/\*/g, '').length : 0), 0);
}

/** Whether matches form a numbered series (a substituted number, or an epoch number in every name): then "previous" means something. */
export function isSeries(ms: readonly RefMatch[]): boolean {
  if (ms.length < 2) return false;
  const width = Math.min(...ms.map((m) => m.captures.length));
  for (let i = 0; i < width; i++) if (ms.every((m) => /^\d+$/.test(m.captures[i]))) return true;
  return ms.every((m) => epochOf(posix.basename(slash(m.path))) !== null) && width === 0;
}

/** Newest first: by the last substituted value that is a number in every match, else the epoch number in every name, else mtime. */
export function newestFirst<T extends RefMatch>(ms: readonly T[]): T[] {
  const width = Math.min(...ms.map((m) => m.captures.length));
  let idx = -1;
  for (let i = width - 1; i >= 0 && idx < 0; i--) if (ms.every((m) => /^\d+$/.test(m.captures[i]))) idx = i;
  const names = ms.map((m) => posix.basename(slash(m.path)));
  const byName = idx < 0 && names.every((n) => epochOf(n) !== null);
  const keyed = ms.map((m, i) => ({ m, name: names[i], num: idx >= 0 ? Number(m.captures[idx]) : byName ? epochOf(names[i])! : 0 }));
  keyed.sort((a, b) => {
    if (idx >= 0 || byName) {
      if (a.num !== b.num) return b.num - a.num;
    }
    return b.m.mtime - a.m.mtime || naturalCompare(b.name, a.name) || naturalCompare(b.m.path, a.m.path);
  });
  return keyed.map((k) => k.m);
}

/** Files one pattern matches, newest first. */
export function matchPattern(parts: readonly PathPart[], docDir: string, roots: readonly string[], files: readonly CheckpointFile[]): RefMatch[] {
  const res = patternRegExps(parts, docDir, roots);
  const out: RefMatch[] = [];
  for (const f of files) {
    const p = slash(f.path);
    for (const re of res) {
      const m = re.exec(p);
      if (m) {
        out.push({ ...f, captures: m.slice(1) });
        break;
      }
    }
  }
  return newestFirst(out);
}

/** Matches of every pattern of one source file; a file matched by several goes to the most specific pattern(s). */
export function matchAll(patterns: readonly (readonly PathPart[])[], docDir: string, roots: readonly string[], files: readonly CheckpointFile[]): RefMatch[][] {
  const all = patterns.map((p) => matchPattern(p, docDir, roots, files));
  const spec = patterns.map(specificity);
  const best = new Map<string, number>();
  all.forEach((ms, i) => ms.forEach((m) => best.set(m.path, Math.max(best.get(m.path) ?? -1, spec[i]))));
  return all.map((ms, i) => ms.filter((m) => best.get(m.path) === spec[i]));
}
