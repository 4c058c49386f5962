// activate(): builds the adapters and pushes every registration into context.subscriptions. Nothing
// heavy loads here: the analysis worker (and onnxruntime inside it) starts on the first analysis.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Report } from './protocol/report';
import { formatNumber } from './report/format';
import { WorkerAnalysisService } from './vscode/analysisService';
import { CheckpointEditorProvider } from './vscode/checkpointEditor';
import { registerComparison } from './vscode/compare';
import { registerHints } from './vscode/hints';
import { ReportPanels } from './vscode/reportPanels';
import type { TheoryLensServices } from './vscode/services';

/** The file a command applies to: its argument, the active .onnx editor/report, or a picker. */
async function targetFile(arg: unknown, panels: ReportPanels): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  const active = vscode.window.activeTextEditor?.document.uri ?? (vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: vscode.Uri } | undefined)?.uri;
  if (active?.fsPath.endsWith('.onnx')) return active;
  if (panels.active) return panels.active.file;
  const pick = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'ONNX checkpoints': ['onnx'] }, title: 'Checkpoint to analyse' });
  return pick?.[0];
}

export function activate(context: vscode.ExtensionContext): void {
  const t0 = performance.now();
  const output = vscode.window.createOutputChannel('Theory Lens');
  const analysis = new WorkerAnalysisService(context.extensionUri, output);
  const panels = new ReportPanels(context.extensionUri, analysis, output);
  const services: TheoryLensServices = {
    extensionUri: context.extensionUri,
    analysis,
    output,
    openReport: (file) => panels.open(file),
  };

  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 50);
  status.command = 'theoryLens.analyze';
  const showStatus = (r: Report) => {
    const ah = r.measures.wwMeanAlphaWeighted?.value;
    const bound = r.bounds.filter((b) => b.value !== null).sort((a, b) => a.value! - b.value!)[0];
    status.text = `$(graph) θ ${basename(r.model.path)}${ah != null ? ` α̂ ${formatNumber(ah, 3)}` : ''}${bound ? ` · bound ${formatNumber(bound.value, 2)}` : ''}`;
    status.tooltip = `Theory Lens: ${r.model.path} — click to open the report`;
    status.show();
  };

  context.subscriptions.push(
    output, analysis, panels, status,
    CheckpointEditorProvider.register(context, analysis, output),
    analysis.onDidAnalyze(({ report, defaults }) => defaults && showStatus(report)),
    vscode.commands.registerCommand('theoryLens.analyze', async (arg?: unknown) => {
      const file = await targetFile(arg, panels);
      if (file) await panels.open(file);
    }),
    vscode.commands.registerCommand('theoryLens.reanalyze', async (arg?: unknown) => {
      const file = await targetFile(arg, panels);
      if (file) {
        analysis.invalidate(file);
        await panels.open(file, true);
      }
    }),
    vscode.commands.registerCommand('theoryLens.chooseInit', async (arg?: unknown) => {
      const file = await targetFile(arg, panels);
      if (!file) return;
      const pick = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'ONNX checkpoints': ['onnx'] }, title: `Initial checkpoint for ${basename(file.fsPath)}`, defaultUri: vscode.Uri.joinPath(file, '..') });
      if (!pick?.[0]) return;
      analysis.overrides.set(file.fsPath, { ...analysis.overrides.get(file.fsPath), init: pick[0].fsPath });
      await panels.open(file, true);
    }),
    vscode.commands.registerCommand('theoryLens.chooseProbe', async (arg?: unknown) => {
      const file = await targetFile(arg, panels);
      if (!file) return;
      const pick = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'NumPy probe data': ['npz', 'npy'] }, title: `Probe data for ${basename(file.fsPath)}`, defaultUri: vscode.Uri.joinPath(file, '..') });
      if (!pick?.[0]) return;
      analysis.overrides.set(file.fsPath, { ...analysis.overrides.get(file.fsPath), data: pick[0].fsPath });
      await panels.open(file, true);
    }),
    vscode.commands.registerCommand('theoryLens.exportReport', async (arg?: unknown) => {
      const file = await targetFile(arg, panels);
      if (!file) return;
      await panels.open(file);
      const format = await vscode.window.showQuickPick(['json', 'csv', 'markdown'], { title: 'Export the report as' });
      if (format) await panels.viewFor(file)?.export(format as 'json' | 'csv' | 'markdown');
    }),
    vscode.commands.registerCommand('theoryLens.showOutput', () => output.show()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('theoryLens')) output.appendLine('settings changed: new analyses use them (cached reports are keyed by settings)');
    }),
  );
  // Re-analyse open reports when their checkpoint changes on disk (debounced).
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.onnx', true, false, true);
  const timers = new Map<string, NodeJS.Timeout>();
  context.subscriptions.push(watcher, watcher.onDidChange((uri) => {
    clearTimeout(timers.get(uri.fsPath));
    timers.set(uri.fsPath, setTimeout(() => {
      analysis.invalidate(uri);
      if (panels.viewFor(uri)) void panels.viewFor(uri)!.run(true);
    }, 1000));
  }), { dispose: () => timers.forEach(clearTimeout) });

  registerHints(context, services);
  registerComparison(context, services);
  output.appendLine(`Theory Lens activated in ${(performance.now() - t0).toFixed(1)} ms (no worker or onnxruntime loaded yet)`);
}

export function deactivate(): void {}
