// What the hints know about each open source file, computed from its text (cached per document
// version) and from reports already in the analysis service's cache — never by waiting for an
// analysis: the checkpoint references with the files they match (for CodeLens), the module
// definitions matched to a report per class (for inlay hints and diagnostics), and which report
// each class's numbers come from and why (src/workspace/hintProvenance.ts): a checkpoint the user
// pinned for it, else the newest checkpoint of each save/export line of the file, else the one the
// `theoryLens.hints.checkpoint` setting names — only when compatible with the code (layer names and the
// shapes its constructor arguments evaluate to); an open report is never a reason.
import { dirname, isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import type { LayerReport, Report } from '../../protocol/report';
import type { TheoryLensServices } from '../services';
import { BackgroundAnalyses } from './backgroundAnalyses';
import { isSeries, matchAll, type RefMatch } from '../../workspace/checkpointMatcher';
import { fileParts, findCheckpointRefs, type CheckpointRef } from '../../workspace/checkpointRefs';
import type { CheckpointIndex } from '../../workspace/checkpointIndex';
import { builtShape } from '../../workspace/codeShapes';
import { PythonScopes } from '../../workspace/constEval';
import { chooseForOwner, type HintCandidate, type HintSource } from '../../workspace/hintProvenance';
import { byOwner, layerModule, type OwnerMatch } from '../../workspace/moduleMatcher';
import { classLines, findModuleDefs, type ModuleDef } from '../../workspace/moduleDefs';
import { scanSource } from '../../workspace/sourceScanner';
import { Disposable } from '../dispose';

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
  source: HintSource;
  match: OwnerMatch;
}

/** A class whose chosen checkpoint does not fit its code: no numbers, and why. */
export interface OwnerRefusal {
  owner: string;
  line: number;
  path: string;
  source: HintSource;
  reason: string;
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

export interface Annotations {
  owners: OwnerAnnotation[];
  layers: LayerAnnotation[];
  refusals: OwnerRefusal[];
}

/** Initial weights (`X.init.onnx`, `init.onnx`): they lead a run; their numbers never annotate the code. */
export const isInit = (p: string): boolean => /(^|[\\/.])init\.onnx$/i.test(p);

export class HintModel extends Disposable {
  private readonly emitter = this._register(new vscode.EventEmitter<void>());
  /** Fires (debounced) when what the hints show may have changed: a report arrived, checkpoints changed, a pin. */
  readonly onDidChange = this.emitter.event;
  readonly index: CheckpointIndex;
  readonly background: BackgroundAnalyses;
  /** Reports analysed with the default options (the service's cache also holds comparison runs with another init). */
  private readonly defaults = new WeakSet<Report>();
  private readonly pins = new Map<string, string>();
  private generation = 0;
  private readonly textCache = new Map<string, { version: number; refs: CheckpointRef[]; defs: ModuleDef[]; classes: Map<string, number>; scopes: () => PythonScopes | null }>();
  private readonly refCache = new Map<string, { key: string; value: RefInfo[] }>();
  private readonly annCache = new Map<string, { key: string; value: Annotations }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(context: vscode.ExtensionContext, private readonly services: TheoryLensServices) {
    super();
    this.index = services.checkpoints;
    this.background = this._register(new BackgroundAnalyses(services, (p) => this.cached(p) !== undefined, () => this.changed(), (p) => this.index.mtime(p)));
    this._register({ dispose: () => clearTimeout(this.timer) });
    for (const d of [
      this.index.onDidChange(() => this.changed()),
      services.analysis.onDidAnalyze(({ report, defaults }) => {
        if (!defaults) return;
        this.defaults.add(report);
        this.changed();
      }),
      services.analysis.onDidPartial(() => this.changed()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('theoryLens.hints.checkpoint')) this.changed();
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        const k = d.uri.toString();
        this.textCache.delete(k);
        this.refCache.delete(k);
        this.annCache.delete(k);
      }),
    ]) this._register(d);
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
    let scopes: PythonScopes | null | undefined;
    const value = {
      version: doc.version,
      refs: src && lang ? findCheckpointRefs(src, lang) : [],
      defs: src && lang === 'python' ? findModuleDefs(src) : [],
      classes: src && lang === 'python' ? classLines(src) : new Map<string, number>(),
      // the names bound in the file, read only when a class is checked against a checkpoint
      scopes: () => (scopes === undefined ? (scopes = src && lang === 'python' ? new PythonScopes(src) : null) : scopes),
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
    const all = refs.length ? matchAll(refs.map(fileParts), docDir, roots, this.index.files()) : [];
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

  /** The checkpoint the `theoryLens.hints.checkpoint` setting names for this file's workspace folder, if any. */
  private settingCheckpoint(doc: vscode.TextDocument): string | undefined {
    const p = vscode.workspace.getConfiguration('theoryLens.hints', doc.uri).get<string>('checkpoint', '').trim();
    if (!p) return undefined;
    if (isAbsolute(p)) return p;
    const root = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    return root ? join(root, p) : undefined;
  }

  /**
   * Checkpoints whose numbers may annotate this file's classes, in the order of their reasons (pins are
   * per class, added in annotations()): the newest checkpoint of each of the file's save/export lines —
   * a numbered series (a training run) first; initial weights (`.init`) never — then the setting's.
   */
  candidates(doc: vscode.TextDocument): HintCandidate[] {
    const out: HintCandidate[] = [];
    const seen = new Set<string>();
    const add = (path: string | undefined, source: HintSource) => {
      if (!path || seen.has(path)) return;
      seen.add(path);
      out.push({ path, source, report: this.cached(path) });
    };
    const rank = (r: RefInfo) => (r.series ? 0 : 1);
    for (const r of this.refs(doc).slice().sort((a, b) => rank(a) - rank(b))) {
      if (!isInit(r.matches[0].path)) add(r.matches[0].path, 'writes');
    }
    add(this.settingCheckpoint(doc), 'setting');
    return out;
  }

  /** Per class: the report its numbers come from, or why none; per definition: the report layers it produced. */
  annotations(doc: vscode.TextDocument): Annotations {
    const k = doc.uri.toString();
    const key = `${doc.version}:${this.generation}`;
    const hit = this.annCache.get(k);
    if (hit?.key === key) return hit.value;
    const text = this.text(doc);
    const { defs, classes } = text;
    const owners: OwnerAnnotation[] = [];
    const layers: LayerAnnotation[] = [];
    const refusals: OwnerRefusal[] = [];
    if (defs.length) {
      const cands = this.candidates(doc);
      const scopes = text.scopes();
      const shapeOf = (d: ModuleDef) => (scopes ? builtShape(d, scopes) : null);
      for (const [owner, list] of byOwner(defs)) {
        const pinPath = this.pinned(doc.uri, owner);
        const tries: HintCandidate[] = pinPath ? [{ path: pinPath, source: 'pinned', report: this.cached(pinPath) }] : cands;
        const choice = chooseForOwner(owner, list, tries, shapeOf);
        const line = classes.get(owner) ?? list[0].line;
        if (choice?.kind === 'incompatible') {
          refusals.push({ owner, line, path: choice.candidate.path, source: choice.candidate.source, reason: choice.reason });
          continue;
        }
        if (choice?.kind !== 'numbers') continue;
        const ann: OwnerAnnotation = { owner, line, report: choice.report, source: choice.candidate.source, match: choice.match };
        owners.push(ann);
        for (const d of choice.match.defs) {
          const ls = choice.report.layers.filter((l) => { const m = layerModule(l); return m !== null && d.modules.includes(m); });
          if (ls.length) layers.push({ def: d.def, layers: ls, owner: ann });
        }
      }
    }
    const value = { owners, layers, refusals };
    this.annCache.set(k, { key, value });
    return value;
  }

  /** Ask for the analyses this file's hints need: the newest checkpoint of each reference (for a series, also the one before) and the setting's. */
  requestFor(doc: vscode.TextDocument): void {
    for (const r of this.refs(doc)) {
      this.background.request(r.matches[0].path);
      if (r.series && r.matches[1]) this.background.request(r.matches[1].path);
    }
    const s = this.settingCheckpoint(doc);
    if (s && this.index.has(s)) this.background.request(s);
  }

}
