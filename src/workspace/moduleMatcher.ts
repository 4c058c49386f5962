// Ties module definitions in source (moduleDefs.ts) to the layers of a checkpoint report by module
// path. A class's paths are relative to wherever the class sits in the model, so for each class we
// look for the prefix P (`''`, `encoder.`, `layer1.0.`) under which the most of its definitions exist
// in the report; a class is annotated only when at least two thirds of its measured definitions are
// found under its best prefix — a class of another architecture that happens to share a name (`head`)
// is left alone. A class used at several places (a ResNet block) matches under each of its prefixes.
// Pure; no vscode import.
import { naturalCompare } from './checkpointOrder';
import type { ModuleDef } from './moduleDefs';

export interface DefMatch {
  def: ModuleDef;
  /** Report module paths this definition produced, natural order (`layers.0`, `layers.1`). */
  modules: string[];
}

export interface OwnerMatch {
  owner: string;
  /** Prefixes the class was found under ('' for the root model). */
  prefixes: string[];
  matched: number;
  total: number;
  defs: DefMatch[];
}

const esc = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
/** `layers.*` → `layers\.\d+`, as the tail of a module path after some prefix. */
const pathRe = (path: string) => new RegExp(`^(.*\\.)?${path.split('.').map((p) => (p === '*' ? '\\d+' : esc(p))).join('\\.')}$`);

/** Matches of one class's (owner's) definitions, or null when too few of them are in the report. */
export function matchOwner(owner: string, defs: readonly ModuleDef[], modules: readonly string[]): OwnerMatch | null {
  if (!defs.length) return null;
  const res = defs.map((d) => pathRe(d.path));
  // prefix → defs (indices) found under it
  const byPrefix = new Map<string, Set<number>>();
  for (const m of modules) {
    res.forEach((re, i) => {
      const hit = re.exec(m);
      if (!hit) return;
      const prefix = hit[1] ?? '';
      if (!byPrefix.has(prefix)) byPrefix.set(prefix, new Set());
      byPrefix.get(prefix)!.add(i);
    });
  }
  if (!byPrefix.size) return null;
  const best = Math.max(...[...byPrefix.values()].map((s) => s.size));
  if (best * 3 < defs.length * 2) return null;
  let prefixes = [...byPrefix.entries()].filter(([, s]) => s.size === best).map(([p]) => p);
  if (prefixes.includes('')) prefixes = [''];
  prefixes.sort(naturalCompare);
  const found = defs.map((d, i) => {
    const hits = modules.filter((m) => {
      const h = res[i].exec(m);
      return h && prefixes.includes(h[1] ?? '');
    });
    return { def: d, modules: [...new Set(hits)].sort(naturalCompare) };
  });
  return { owner, prefixes, matched: best, total: defs.length, defs: found.filter((x) => x.modules.length) };
}

/** Groups definitions by owner (class), in source order. */
export function byOwner(defs: readonly ModuleDef[]): Map<string, ModuleDef[]> {
  const out = new Map<string, ModuleDef[]>();
  for (const d of defs) out.set(d.owner, [...(out.get(d.owner) ?? []), d]);
  return out;
}

export interface Candidate<R> {
  report: R;
  modules: readonly string[];
}

/**
 * For every class of a file, the first candidate report (in priority order) that matches it.
 * Returns the chosen candidate's index per owner with its matches; owners nothing matches are absent.
 */
export function chooseReports<R>(defs: readonly ModuleDef[], candidates: readonly Candidate<R>[]): Map<string, { index: number; report: R; match: OwnerMatch }> {
  const out = new Map<string, { index: number; report: R; match: OwnerMatch }>();
  for (const [owner, list] of byOwner(defs)) {
    for (let i = 0; i < candidates.length; i++) {
      const match = matchOwner(owner, list, candidates[i].modules);
      if (match) {
        out.set(owner, { index: i, report: candidates[i].report, match });
        break;
      }
    }
  }
  return out;
}

/**
 * The module path of a state-dict key (`encoder.layers.0.fc1.weight` → `encoder.layers.0.fc1`), for
 * layers read from PyTorch/safetensors files: the parameter name dropped, and the wrappers' `module.`
 * (DataParallel) / `model.` (Lightning) prefix. Null for names that are not such keys.
 */
export function moduleOfKey(key: string): string | null {
  const m = /^(.+)\.(?:weight|bias|weight_orig|weight_ih_l\d+|weight_hh_l\d+|in_proj_weight)$/.exec(key);
  if (!m) return null;
  return m[1].replace(/^(?:module|model)\./, '');
}

/** A report layer's module path: the reader's, else the one its state-dict key names. */
export const layerModule = (l: { module: string | null; name: string }): string | null => l.module ?? moduleOfKey(l.name);
