// Hints beside the training code: CodeLens on lines that name checkpoints (headline numbers of the
// newest one and their trend), inlay hints on layer definitions matched to a checkpoint's layers by
// module path (hover: every metric), and diagnostics for layers the theory flags. Everything reads
// cached reports; the analyses they need run in the background worker, one at a time, and the hints
// refresh when they finish. Each part can be switched off (theoryLens.hints.*).
import { basename, relative } from 'node:path';
import * as vscode from 'vscode';
import type { TheoryLensServices } from '../services';
import { orderCheckpoints } from '../../workspace/checkpointOrder';
import { CheckpointLensProvider } from './checkpointLensProvider';
import { HintModel, isInit } from './hintModel';
import { LayerDiagnostics } from './layerDiagnostics';
import { LayerHintsProvider } from './layerHintsProvider';
import { byOwner } from '../../workspace/moduleMatcher';

const LENS_SELECTOR: vscode.DocumentSelector = ['python', 'typescript', 'javascript', 'typescriptreact', 'javascriptreact'].map((language) => ({ language }));

export function registerHints(context: vscode.ExtensionContext, services: TheoryLensServices): void {
  const model = new HintModel(context, services);
  const lenses = new CheckpointLensProvider(model);
  const hints = new LayerHintsProvider(model);
  const diagnostics = new LayerDiagnostics(model);
  const timers = new Map<string, NodeJS.Timeout>();
  const cfg = () => vscode.workspace.getConfiguration('theoryLens.hints');

  const updateOpenDocuments = () => {
    for (const doc of vscode.workspace.textDocuments) diagnostics.update(doc);
  };

  context.subscriptions.push(
    model,
    diagnostics,
    vscode.languages.registerCodeLensProvider(LENS_SELECTOR, lenses),
    vscode.languages.registerInlayHintsProvider({ language: 'python' }, hints),
    model.onDidChange(() => {
      lenses.refresh();
      hints.refresh();
      updateOpenDocuments();
    }),
    vscode.workspace.onDidOpenTextDocument((doc) => {
      if (doc.languageId !== 'python') return;
      if (cfg().get('diagnostics', true) || cfg().get('inlayHints', true)) model.requestFor(doc);
      diagnostics.update(doc);
    }),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.languageId !== 'python' || !e.contentChanges.length) return;
      const k = e.document.uri.toString();
      clearTimeout(timers.get(k));
      timers.set(k, setTimeout(() => {
        timers.delete(k);
        diagnostics.update(e.document);
      }, 500));
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => diagnostics.delete(doc.uri)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('theoryLens.hints')) return;
      if (!cfg().get('codeLens', true) && !cfg().get('inlayHints', true) && !cfg().get('diagnostics', true)) model.background.cancelAll();
      if (!cfg().get('diagnostics', true)) diagnostics.clear();
      model.changed();
    }),
    vscode.commands.registerCommand('theoryLens.hints.openReport', (uri: vscode.Uri) => services.openReport(uri)),
    vscode.commands.registerCommand('theoryLens.hints.chooseCheckpoint', (docUri?: vscode.Uri, owner?: string) => chooseCheckpoint(model, docUri, owner)),
    { dispose: () => timers.forEach(clearTimeout) },
  );
  for (const doc of vscode.workspace.textDocuments) if (doc.languageId === 'python') model.requestFor(doc);
}

/** Quick pick: which checkpoint's numbers a class's layer hints show (or back to automatic). */
async function chooseCheckpoint(model: HintModel, docUri?: vscode.Uri, owner?: string): Promise<void> {
  const doc = docUri ? await vscode.workspace.openTextDocument(docUri) : vscode.window.activeTextEditor?.document;
  if (!doc || doc.languageId !== 'python') {
    void vscode.window.showInformationMessage('Theory Lens: open a Python file that defines a model (nn.Linear, nn.Conv2d, …) first.');
    return;
  }
  const owners = [...byOwner(model.defs(doc)).keys()];
  if (!owners.length) {
    void vscode.window.showInformationMessage(`Theory Lens: no layer definitions (nn.Linear, nn.Conv2d, …) found in ${basename(doc.uri.fsPath)}.`);
    return;
  }
  const cls = owner ?? (owners.length === 1 ? owners[0] : await vscode.window.showQuickPick(owners, { title: 'Layer numbers for which class?' }));
  if (!cls) return;
  const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const rel = (p: string) => {
    const root = roots.find((r) => p.startsWith(r));
    return root ? relative(root, p) : p;
  };
  const files = orderCheckpoints(model.index.files().filter((f) => !isInit(f.path)));
  const current = model.pinned(doc.uri, cls);
  type Item = vscode.QuickPickItem & { path?: string };
  const items: Item[] = [
    { label: '$(sync) Automatic', description: 'the newest checkpoint this file writes that fits the code, else theoryLens.hints.checkpoint', picked: !current },
    ...files.map((f) => ({
      label: `${current === f.path ? '$(pinned) ' : ''}${basename(f.path)}`,
      description: rel(f.path),
      detail: model.cached(f.path) ? 'analysed' : 'will be analysed in the background',
      path: f.path,
    })),
  ];
  const pick = await vscode.window.showQuickPick(items, { title: `Layer numbers of ${cls} from which checkpoint?`, matchOnDescription: true });
  if (!pick) return;
  model.pin(doc.uri, cls, pick.path);
}
