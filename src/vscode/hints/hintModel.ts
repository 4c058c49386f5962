// What the hints know about each open source file, computed from its text (cached per document
// version) and from reports already in the analysis service's cache — never by waiting for an
// analysis: the checkpoint references with the files they match (for CodeLens), the module
// definitions matched to a report per class (for inlay hints and diagnostics), and which report
// each class's numbers come from. Priority per class: a checkpoint the user pinned for it, then the
// newest checkpoint of each of the file's CodeLens references, then the most recently analysed ones.
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { LayerReport, Report } from '../../protocol/report';
import type { TheoryLensServices } from '../services';
import { BackgroundAnalyses } from './backgroundAnalyses';
import { isSeries, matchAll, type RefMatch } from './checkpointMatcher';
import { findCheckpointRefs, type CheckpointRef } from './checkpointRefs';
import { CheckpointIndex } from './checkpointIndex';
import { byOwner, matchOwner, type OwnerMatch } from './moduleMatcher';
import { classLines, findModuleDefs, type ModuleDef } from './moduleDefs';
import { scanSource } from './sourceScanner';

export interface RefInfo {
  ref: CheckpointRef;
  /** Matching files, newest first. */
  matches: RefMatch[];
  /** The matches are a numbered series (trend against the previous one is meaningful). */
  series: boolean;
}

export interface OwnerAnnotation {
  owner: string;
  /** Line of `class Owner`, or of its first definition outside a class. */
  line: number;
  report: Report;
  source: 'pinned' | 'opened' | 'lens' | 'recent';
  match: OwnerMatch;
}

export interface LayerAnnotation {
  def: ModuleDef;
  layers: LayerReport[];
  owner: OwnerAnnotation;
}

/** Source files larger than this (characters) get no hints: parsing one takes ~50 ms per MB on every edit. */
const MAX_CHARS = 2_000_000;

export const languageOf = (doc: vscode.TextDocument): 'python' | 'js' | null =>
  doc.languageId === 'python' ? 'python' : /^(typescript|javascript)(react)?$/.test(doc.languageId) ? 'js' : null;

export class HintModel implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  /** Fires (debounced) when what the hints show may have changed: a report arrived, checkpoints changed, a pin. */
  readonly onDidChange = this.emitter.event;
  readonly index: CheckpointIndex;
  readonly background: BackgroundAnalyses;
  /** Default-option reports in the order they were analysed, most recent first; `opened`: the user asked for it (a report panel). */
  private readonly recent: { report: Report; opened: boolean }[] = [];
  /** Reports analysed with the default options (the service's cache also holds comparison runs with another init). */
  private readonly defaults = new WeakSet<Report>();
  private readonly pins = new Map<string, string>();
  private generation = 0;
  private readonly textCache = new Map<string, { version: number; refs: CheckpointRef[]; defs: ModuleDef[]; classes: Map<string, number> }>();
  private readonly refCache = new Map<string, { key: string; value: RefInfo[] }>();
  private readonly annCache = new Map<string, { key: string; value: { owners: OwnerAnnotation[]; layers: LayerAnnotation[] } }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(context: vscode.ExtensionContext, private readonly services: TheoryLensServices) {
    this.index = CheckpointIndex.shared(context);
    this.background = new BackgroundAnalyses(services, (p) => this.cached(p) !== undefined, () => this.changed());
    this.disposables.push(
      this.emitter,
      this.background,
      this.index.onDidChange(() => this.changed()),
      services.analysis.onDidAnalyze(({ report, defaults, background }) => {
        if (!defaults) return;
        this.defaults.add(report);
        const i = this.recent.findIndex((r) => r.report.model.path === report.model.path);
        const opened = !background || (i >= 0 && this.recent[i].opened);
        if (i >= 0) this.recent.splice(i, 1);
        this.recent.unshift({ report, opened });
        if (this.recent.length > 30) this.recent.pop();
        this.changed();
      }),
      services.analysis.onDidPartial(() => this.changed()),
      vscode.workspace.onDidCloseTextDocument((d) => {
        const k = d.uri.toString();
        this.textCache.delete(k);
        this.refCache.delete(k);
        this.annCache.delete(k);
      }),
    );
    void this.index.ready.then(() => this.changed());
  }

  /** Something the hints depend on changed: recompute lazily, tell the providers once (debounced). */
  changed(): void {
    this.generation++;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.emitter.fire(), 150);
  }

  private text(doc: vscode.TextDocument) {
    const k = doc.uri.toString();
    const hit = this.textCache.get(k);
    if (hit && hit.version === doc.version) return hit;
    const lang = languageOf(doc);
    // one lexical pass serves the references, the definitions and the class lines; a huge generated
    // file (over MAX_CHARS) gets no hints rather than a slow extension host
    const text = lang ? doc.getText() : '';
    const src = lang && text.length <= MAX_CHARS ? scanSource(text, lang) : null;
    const value = {
      version: doc.version,
      refs: src && lang ? findCheckpointRefs(src, lang) : [],
      defs: src && lang === 'python' ? findModuleDefs(src) : [],
      classes: src && lang === 'python' ? classLines(src) : new Map<string, number>(),
    };
    this.textCache.set(k, value);
    return value;
  }

  /** The file's checkpoint references that match at least one file, with their matches. */
  refs(doc: vscode.TextDocument): RefInfo[] {
    const k = doc.uri.toString();
    const key = `${doc.version}:${this.generation}`;
    const hit = this.refCache.get(k);
    if (hit?.key === key) return hit.value;
    const { refs } = this.text(doc);
    const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const docDir = doc.uri.scheme === 'file' ? dirname(doc.uri.fsPath) : roots[0] ?? '/';
    const all = refs.length ? matchAll(refs.map((r) => r.parts), docDir, roots, this.index.files()) : [];
    const value = refs.map((ref, i) => ({ ref, matches: all[i], series: isSeries(all[i]) })).filter((r) => r.matches.length);
    this.refCache.set(k, { key, value });
    return value;
  }

  defs(doc: vscode.TextDocument): ModuleDef[] {
    return this.text(doc).defs;
  }

  /**
   * The cached default-option report of a checkpoint as it is on disk now; while its analysis runs, the
   * latest partial report (weight-only numbers first, forward-pass numbers as their phases finish).
   */
  cached(path: string): Report | undefined {
    const uri = vscode.Uri.file(path);
    const r = this.services.analysis.cached(uri);
    return r && this.defaults.has(r) ? r : this.services.analysis.partial(uri);
  }

  pin(doc: vscode.Uri, owner: string, checkpoint: string | undefined): void {
    const k = `${doc.toString()}|${owner}`;
    if (checkpoint) this.pins.set(k, checkpoint);
    else this.pins.delete(k);
    if (checkpoint) this.background.request(checkpoint);
    this.changed();
  }

  pinned(doc: vscode.Uri, owner: string): string | undefined {
    return this.pins.get(`${doc.toString()}|${owner}`);
  }

  /**
   * Reports whose numbers can annotate this file, in priority order (pins are per class, added in
   * annotations()): the checkpoints the user opened reports of (most recent first), the newest
   * checkpoint of each of the file's CodeLens references, then other recently analysed ones.
   */
  candidates(doc: vscode.TextDocument): { report: Report; source: 'opened' | 'lens' | 'recent' }[] {
    const out: { report: Report; source: 'opened' | 'lens' | 'recent' }[] = [];
    const seen = new Set<string>();
    const add = (report: Report | undefined, source: 'opened' | 'lens' | 'recent') => {
      // a report of a file that changed since is stale: only what the cache holds now counts
      if (!report || seen.has(report.model.path) || this.cached(report.model.path) !== report) return;
      seen.add(report.model.path);
      out.push({ report, source });
    };
    for (const r of this.recent) if (r.opened) add(r.report, 'opened');
    // a numbered series (a training run) first, initial weights last
    const rank = (r: RefInfo) => (r.series ? 0 : /\.init\.onnx$/i.test(r.matches[0].path) ? 2 : 1);
    for (const r of this.refs(doc).slice().sort((a, b) => rank(a) - rank(b))) add(this.cached(r.matches[0].path), 'lens');
    for (const r of this.recent) add(r.report, 'recent');
    return out;
  }

  /** Per class: the report its numbers come from; per definition: the report layers it produced. */
  annotations(doc: vscode.TextDocument): { owners: OwnerAnnotation[]; layers: LayerAnnotation[] } {
    const k = doc.uri.toString();
    const key = `${doc.version}:${this.generation}`;
    const hit = this.annCache.get(k);
    if (hit?.key === key) return hit.value;
    const { defs, classes } = this.text(doc);
    const owners: OwnerAnnotation[] = [];
    const layers: LayerAnnotation[] = [];
    if (defs.length) {
      const cands = this.candidates(doc);
      for (const [owner, list] of byOwner(defs)) {
        const pinPath = this.pinned(doc.uri, owner);
        const pinReport = pinPath ? this.cached(pinPath) : undefined;
        const tries = [...(pinReport ? [{ report: pinReport, source: 'pinned' as const }] : []), ...(pinPath ? [] : cands)];
        for (const c of tries) {
          const modules = c.report.layers.map((l) => l.module).filter((m): m is string => !!m);
          const match = matchOwner(owner, list, modules);
          if (!match) continue;
          const ann: OwnerAnnotation = { owner, line: classes.get(owner) ?? list[0].line, report: c.report, source: c.source, match };
          owners.push(ann);
          for (const d of match.defs) {
            const ls = c.report.layers.filter((l) => l.module !== null && d.modules.includes(l.module));
            if (ls.length) layers.push({ def: d.def, layers: ls, owner: ann });
          }
          break;
        }
      }
    }
    const value = { owners, layers };
    this.annCache.set(k, { key, value });
    return value;
  }

  /** Ask for the analyses this file's hints need: the newest checkpoint of each reference and, for a series, the one before. */
  requestFor(doc: vscode.TextDocument): void {
    for (const r of this.refs(doc)) {
      this.background.request(r.matches[0].path);
      if (r.series && r.matches[1]) this.background.request(r.matches[1].path);
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
