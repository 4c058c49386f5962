// activate(): builds the adapters and pushes every registration into context.subscriptions. Nothing
// heavy loads here: the analysis worker (and onnxruntime inside it) starts a moment later in a
// workspace with checkpoints, else on the first analysis. The activation time is logged to the
// "Theory Lens" Output channel.
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { WorkerAnalysisService } from './vscode/analysisService';
import { CheckpointEditorProvider } from './vscode/checkpointEditor';
import { CheckpointIndexWatcher } from './vscode/checkpointIndexWatcher';
import { CheckpointStatus } from './vscode/checkpointStatus';
import { CheckpointWatcher } from './vscode/checkpointWatcher';
import { ReportPanels } from './vscode/reportPanels';
import { ReportViews } from './vscode/reportViews';
import type { TheoryLensServices } from './vscode/services';
import { registerComparison } from './vscode/compare';
import { registerHints } from './vscode/hints';
import { CHECKPOINT_EXTENSIONS, CHECKPOINT_GLOB, isCheckpointPath } from './checkpoint/formats';

/** Delay between activation and starting the analysis worker (activation itself stays light). */
const WARM_DELAY_MS = 1500;

const isCheckpoint = (u: unknown): u is vscode.Uri => u instanceof vscode.Uri && isCheckpointPath(u.path);

/** The checkpoint of the active editor tab (the .onnx editor, or a text/binary view of a .onnx file). */
function activeTabCheckpoint(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: unknown } | undefined;
  return isCheckpoint(input?.uri) ? input.uri : undefined;
}

/** Asks for a checkpoint: the workspace's .onnx files, or any file through the open dialog. */
async function pickCheckpoint(title: string): Promise<vscode.Uri | undefined> {
  const found = await vscode.workspace.findFiles(CHECKPOINT_GLOB, '**/node_modules/**', 2000);
  const browse = { label: '$(folder-opened) Browse…', uri: undefined as vscode.Uri | undefined };
  // initial weights (X.init.onnx, init.onnx) lead a run: not offered as checkpoints (Browse… still reaches them)
  const items = found
    .filter((uri) => !/(^|[\\/.])init\.onnx$/i.test(uri.fsPath))
    .sort((a, b) => a.fsPath.localeCompare(b.fsPath))
    .map((uri) => {
      const rel = dirname(vscode.workspace.asRelativePath(uri, vscode.workspace.workspaceFolders !== undefined && vscode.workspace.workspaceFolders.length > 1));
      return { label: basename(uri.fsPath), description: rel === '.' ? '' : rel, uri };
    });
  const pick = items.length ? await vscode.window.showQuickPick([...items, browse], { title, matchOnDescription: true, placeHolder: 'checkpoint (.onnx, .safetensors, .pt, .pth, .bin, .ckpt)' }) : browse;
  if (!pick) return undefined;
  if (pick.uri) return pick.uri;
  const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { Checkpoints: CHECKPOINT_EXTENSIONS.map((e) => e.slice(1)) }, title });
  return chosen?.[0];
}

export function activate(context: vscode.ExtensionContext): void {
  const t0 = performance.now();
  const activatedAt = Date.now();
  const output = vscode.window.createOutputChannel('Theory Lens');
  const analysis = new WorkerAnalysisService(context.extensionUri, output);
  const views = new ReportViews();
  const status = new CheckpointStatus(analysis);
  const panels = new ReportPanels(context.extensionUri, analysis, output, views, status);
  panels.activatedAt = activatedAt;
  const checkpoints = new CheckpointIndexWatcher();
  context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(ReportPanels.viewType, panels));
  const services: TheoryLensServices = {
    extensionUri: context.extensionUri,
    analysis,
    output,
    checkpoints: checkpoints.index,
    openReport: (file) => panels.open(file),
  };

  /**
   * The checkpoint a command applies to: its argument (explorer, editor title, status bar), the .onnx of
   * the active editor tab, the focused report when `useReport` (re-analyse, export, choose…), else asks.
   */
  const target = async (arg: unknown, title: string, useReport = true): Promise<vscode.Uri | undefined> =>
    isCheckpoint(arg) ? arg : activeTabCheckpoint() ?? (useReport ? panels.active?.file : undefined) ?? (await pickCheckpoint(title));

  /** Re-runs the open views of `file` with its new options, or opens its report. */
  const rerun = async (file: vscode.Uri, force: boolean) => {
    const open = views.for(file);
    if (!open.length) return panels.open(file, force);
    await Promise.all(open.map((v, i) => v.run(force && i === 0)));
  };

  const choose = async (arg: unknown, what: 'init' | 'data') => {
    const file = await target(arg, what === 'init' ? 'Checkpoint to choose an init for' : 'Checkpoint to choose probe data for');
    if (!file) return;
    const pick = await vscode.window.showOpenDialog({
      canSelectMany: false,
      defaultUri: vscode.Uri.file(dirname(file.fsPath)),
      title: what === 'init' ? `Initial checkpoint for ${basename(file.fsPath)}` : `Probe data for ${basename(file.fsPath)}`,
      filters: what === 'init' ? { 'ONNX checkpoints': ['onnx'] } : { 'NumPy probe data': ['npz', 'npy'] },
    });
    if (!pick?.[0]) return;
    analysis.setOverrides(file.fsPath, { [what]: pick[0].fsPath });
    output.appendLine(`${file.fsPath}: ${what === 'init' ? 'init checkpoint' : 'probe data'} set to ${pick[0].fsPath}`);
    await rerun(file, false);
  };

  context.subscriptions.push(
    output, analysis, status, panels, checkpoints,
    CheckpointEditorProvider.register(context, analysis, output, views, status),
    new CheckpointWatcher(analysis, views, output),
    vscode.commands.registerCommand('theoryLens.analyze', async (arg?: unknown, selected?: unknown) => {
      // explorer: (clicked, all selected); palette: nothing; editor title: the editor's resource
      const many = Array.isArray(selected) ? selected.filter(isCheckpoint) : [];
      if (many.length > 1) {
        for (const f of many) await panels.open(f);
        return;
      }
      const file = await target(arg, 'Checkpoint to analyse', false);
      if (file) await panels.open(file);
    }),
    vscode.commands.registerCommand('theoryLens.reanalyze', async (arg?: unknown) => {
      const file = await target(arg, 'Checkpoint to re-analyse');
      if (!file) return;
      analysis.invalidate(file);
      await rerun(file, true);
    }),
    vscode.commands.registerCommand('theoryLens.chooseInit', (arg?: unknown) => choose(arg, 'init')),
    vscode.commands.registerCommand('theoryLens.chooseProbe', (arg?: unknown) => choose(arg, 'data')),
    vscode.commands.registerCommand('theoryLens.exportReport', async (arg?: unknown) => {
      const file = await target(arg, 'Checkpoint whose report to export');
      if (!file) return;
      const format = await vscode.window.showQuickPick(
        [{ label: 'JSON', description: 'the CLI’s --json schema', id: 'json' as const }, { label: 'CSV', description: 'per-layer table and measures', id: 'csv' as const }, { label: 'Markdown', description: 'for a README or a paper draft', id: 'markdown' as const }],
        { title: `Export the report of ${basename(file.fsPath)} as` },
      );
      if (!format) return;
      let view = views.for(file).find((v) => v.current);
      if (!view) {
        await panels.open(file);
        view = views.for(file).find((v) => v.current);
      }
      await view?.export(format.id);
    }),
    vscode.commands.registerCommand('theoryLens.showOutput', () => output.show()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('theoryLens')) output.appendLine('settings changed: analyses from now on use them (cached reports are keyed by the settings); use Re-analyze for an open report');
    }),
  );

  // The other helpers' adapters: a failure there must not take the report panel down with it.
  for (const [name, register] of [['hints', registerHints], ['comparison', registerComparison]] as const) {
    try {
      register(context, services);
    } catch (e) {
      output.appendLine(`could not start the ${name}: ${(e as Error).stack ?? e}`);
    }
  }
  // A workspace with checkpoints: start the analysis worker and its layer pool (onnxruntime, WebAssembly)
  // a moment after activation, so that the first report does not wait for them (about 1–3 s of the
  // first numbers on a busy 2-core machine). The pool stops after 10 minutes unused.
  let warmTimer: NodeJS.Timeout | undefined;
  void checkpoints.index.ready.then(() => {
    if (checkpoints.index.files().length) warmTimer = setTimeout(() => analysis.warm(), WARM_DELAY_MS);
  });
  context.subscriptions.push({ dispose: () => clearTimeout(warmTimer) });
  output.appendLine(`Theory Lens ${context.extension.packageJSON.version} activated in ${(performance.now() - t0).toFixed(1)} ms (the analysis worker starts ${WARM_DELAY_MS / 1000} s later in a workspace with checkpoints, else on the first analysis)`);
}

export function deactivate(): void {}
