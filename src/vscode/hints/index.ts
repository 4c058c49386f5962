// Hints beside the training code: CodeLens on lines that name checkpoints, inlay hints on layer
// definitions matched to a checkpoint's layers by module path (hover: every metric), and Information
// diagnostics for layers the theory flags. Everything reads cached reports; analyses of referenced
// checkpoints run in the background worker and refresh the hints when they finish.
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { LayerReport, Report } from '../../protocol/report';
import { formatNumber } from '../../report/format';
import type { TheoryLensServices } from '../services';
import { epochOf, findCheckpointRefs, findLayerDefs, globToRegExp, matchDefinitions, type CheckpointRef } from './python';

const SELECTOR: vscode.DocumentSelector = [{ language: 'python' }, { language: 'typescript' }, { language: 'javascript' }];
const cfg = () => vscode.workspace.getConfiguration('theoryLens.hints');

/** Checkpoint files a reference can name, newest (highest epoch, then latest mtime) first. */
async function resolveRef(ref: CheckpointRef, doc: vscode.TextDocument): Promise<vscode.Uri[]> {
  const re = globToRegExp(ref.glob);
  const files = await vscode.workspace.findFiles('**/*.onnx', '**/node_modules/**', 2000);
  const dirHint = ref.literal.includes('/') ? ref.literal.split('/').slice(0, -1).join('/').replace(/\{[^}]*\}/g, '') : '';
  const hits = files.filter((f) => re.test(basename(f.fsPath)) && (!dirHint || f.fsPath.includes(dirHint.replace(/^\.\//, ''))));
  if (ref.plain) {
    const near = hits.filter((f) => f.fsPath.endsWith(ref.literal.replace(/^\.\//, '')));
    if (near.length) return near;
  }
  const mtime = (u: vscode.Uri) => {
    try {
      return statSync(u.fsPath).mtimeMs;
    } catch {
      return 0;
    }
  };
  void doc;
  // Epoch numbers order a run (epoch_05 … epoch_30) only when the names differ by their numbers alone;
  // otherwise the newest file wins.
  const stems = new Set(hits.map((f) => basename(f.fsPath).replace(/\d+/g, '#')));
  const byEpoch = stems.size === 1;
  return hits.sort((a, b) => (byEpoch ? (epochOf(basename(b.fsPath)) ?? -1) - (epochOf(basename(a.fsPath)) ?? -1) : 0) || mtime(b) - mtime(a) || b.fsPath.localeCompare(a.fsPath));
}

/** The headline of a report for a lens: α̂ · ‖W‖₂ product · best bound. */
export function headline(r: Report, prev?: Report): string {
  const parts: string[] = [];
  const ah = r.measures.wwMeanAlphaWeighted?.value;
  if (ah !== null && ah !== undefined) parts.push(`α̂ ${formatNumber(ah, 3)}`);
  const lps = r.measures.logProdSpec?.value;
  if (lps !== null && lps !== undefined) {
    const prod = Math.exp(lps / 2);
    const p0 = prev?.measures.logProdSpec?.value;
    const arrow = p0 === null || p0 === undefined ? '' : lps > p0 ? ' ↑' : lps < p0 ? ' ↓' : ' =';
    parts.push(`‖W‖₂ prod ${formatNumber(prod, 3)}${arrow}`);
  }
  const bounds = r.bounds.filter((b) => b.value !== null).sort((a, b) => a.value! - b.value!);
  if (bounds.length) parts.push(`bound ${formatNumber(bounds[0].value, 2)}${bounds[0].vacuous ? ' (vacuous)' : ''}`);
  const acc = r.measures.testAccuracy?.value ?? r.measures.trainAccuracy?.value;
  if (acc !== null && acc !== undefined) parts.push(`acc ${formatNumber(acc, 3)}`);
  return parts.join(' · ');
}

class LensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  constructor(private readonly services: TheoryLensServices) {}
  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (!cfg().get('codeLens', true)) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const ref of findCheckpointRefs(doc.getText())) {
      if (token.isCancellationRequested) break;
      const files = await resolveRef(ref, doc);
      const range = new vscode.Range(ref.line, ref.start, ref.line, ref.end);
      if (!files.length) {
        lenses.push(new vscode.CodeLens(range, { title: `θ no checkpoint matches ${ref.glob} yet`, command: '' }));
        continue;
      }
      const newest = files[0];
      const report = this.services.analysis.cached(newest);
      const prev = files[1] ? this.services.analysis.cached(files[1]) : undefined;
      const name = basename(newest.fsPath, '.onnx');
      if (!report) {
        // analyse in the background; the lens updates when the report arrives
        void this.services.analysis.analyze(newest, { background: true }).then(() => this.refresh(), () => undefined);
        if (files[1]) void this.services.analysis.analyze(files[1], { background: true }).then(() => this.refresh(), () => undefined);
      }
      const title = report ? `θ ${name}: ${headline(report, prev)}` : `θ ${name}: analysing…`;
      lenses.push(new vscode.CodeLens(range, { title, command: 'theoryLens.analyze', arguments: [newest], tooltip: `Open the Theory Lens report of ${newest.fsPath}` }));
      if (files.length > 1) {
        lenses.push(new vscode.CodeLens(range, { title: `compare ${files.length} checkpoints`, command: 'theoryLens.openComparison', arguments: [] }));
      }
    }
    return lenses;
  }
}

/** The report whose modules best match the document's layer definitions (most recently analysed first). */
function reportFor(doc: vscode.TextDocument, recent: Report[]): { report: Report; matches: ReturnType<typeof matchDefinitions> } | null {
  const defs = findLayerDefs(doc.getText());
  if (!defs.length) return null;
  for (const report of recent) {
    const modules = report.layers.map((l) => l.module).filter((m): m is string => !!m);
    const matches = matchDefinitions(defs, modules);
    if (matches.length) return { report, matches };
  }
  return null;
}

function layerLine(l: LayerReport): string {
  const m = l.metrics;
  const bits = [`‖W‖₂ ${formatNumber(m.spectralNorm, 3)}`];
  if (m.alpha !== null && m.alpha !== undefined) bits.push(`α ${formatNumber(m.alpha, 3)}`);
  if (m.stableRank !== null && m.stableRank !== undefined) bits.push(`srank ${formatNumber(m.stableRank, 3)}`);
  return bits.join(' · ');
}

function hover(report: Report, layers: LayerReport[]): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = false;
  md.supportHtml = false;
  const esc = (s: string) => s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
  md.appendMarkdown(`**Theory Lens** — ${esc(report.model.fileName)}\n\n`);
  for (const l of layers) {
    md.appendMarkdown(`**${esc(l.module ?? l.name)}** (${esc(l.op)} ${l.matrixShape.join('×')})\n\n| metric | value |\n|---|---|\n`);
    for (const [k, v] of Object.entries(l.metrics)) {
      md.appendMarkdown(`| ${esc(report.metricInfo[k]?.name ?? k)} | ${esc(formatNumber(v))} |\n`);
    }
    for (const f of l.flags ?? []) md.appendMarkdown(`\n⚠ ${esc(f.message)}\n`);
    md.appendMarkdown('\n');
  }
  return md;
}

class LayerHints implements vscode.InlayHintsProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlayHints = this.changed.event;
  constructor(private readonly recent: () => Report[]) {}
  refresh(): void {
    this.changed.fire();
  }
  provideInlayHints(doc: vscode.TextDocument, range: vscode.Range): vscode.InlayHint[] {
    if (!cfg().get('inlayHints', true)) return [];
    const found = reportFor(doc, this.recent());
    if (!found) return [];
    const out: vscode.InlayHint[] = [];
    for (const { def, modules } of found.matches) {
      if (def.line < range.start.line || def.line > range.end.line) continue;
      const layers = modules.map((m) => found.report.layers.find((l) => l.module === m)).filter((l): l is LayerReport => !!l);
      if (!layers.length) continue;
      const label = layers.length === 1 ? layerLine(layers[0]) : layers.map((l) => `${l.module}: ${layerLine(l)}`).join(' | ');
      const hint = new vscode.InlayHint(new vscode.Position(def.line, def.end), `  θ ${label}`, vscode.InlayHintKind.Parameter);
      hint.tooltip = hover(found.report, layers);
      hint.paddingLeft = true;
      out.push(hint);
    }
    return out;
  }
}

export function registerHints(context: vscode.ExtensionContext, services: TheoryLensServices): void {
  const recent: Report[] = [];
  const foreground = new Set<string>();
  const lens = new LensProvider(services);
  const hints = new LayerHints(() => recent);
  const diagnostics = vscode.languages.createDiagnosticCollection('theoryLens');
  const updateDiagnostics = (doc: vscode.TextDocument) => {
    if (doc.languageId !== 'python') return;
    if (!cfg().get('diagnostics', true)) {
      diagnostics.delete(doc.uri);
      return;
    }
    const found = reportFor(doc, recent);
    const list: vscode.Diagnostic[] = [];
    for (const { def, modules } of found?.matches ?? []) {
      for (const m of modules) {
        const l = found!.report.layers.find((x) => x.module === m);
        for (const f of l?.flags ?? []) {
          const d = new vscode.Diagnostic(new vscode.Range(def.line, def.start, def.line, def.end), `${m}: ${f.message}`, f.severity === 'warning' ? vscode.DiagnosticSeverity.Information : vscode.DiagnosticSeverity.Hint);
          d.source = `Theory Lens (${found!.report.model.fileName})`;
          list.push(d);
        }
      }
    }
    diagnostics.set(doc.uri, list);
  };
  let timer: NodeJS.Timeout | undefined;
  const refreshSoon = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      lens.refresh();
      hints.refresh();
      for (const e of vscode.window.visibleTextEditors) updateDiagnostics(e.document);
    }, 300);
  };
  context.subscriptions.push(
    vscode.languages.registerCodeLensProvider(SELECTOR, lens),
    vscode.languages.registerInlayHintsProvider({ language: 'python' }, hints),
    diagnostics,
    services.analysis.onDidAnalyze(({ report, defaults, background }) => {
      if (!defaults) return;
      // reports the user opened come before those analysed in the background for lenses
      const i = recent.findIndex((r) => r.model.path === report.model.path);
      if (i >= 0) recent.splice(i, 1);
      if (background) {
        const firstBackground = recent.findIndex((r) => !foreground.has(r.model.path));
        recent.splice(firstBackground < 0 ? recent.length : firstBackground, 0, report);
      } else {
        foreground.add(report.model.path);
        recent.unshift(report);
      }
      if (recent.length > 20) recent.pop();
      refreshSoon();
    }),
    vscode.workspace.onDidOpenTextDocument(updateDiagnostics),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('theoryLens') && refreshSoon()),
    { dispose: () => clearTimeout(timer) },
  );
}
