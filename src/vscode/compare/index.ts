// The comparison side panel: an activity-bar container "Theory Lens" with the "Checkpoints" webview
// view (ComparisonView), the command that reveals it (optionally with checkpoints to select, as the
// CodeLens passes them), and the metrics-file picker for Kendall τ.
import * as vscode from 'vscode';
import type { TheoryLensServices } from '../services';
import { ComparisonView } from './comparisonView';

export function registerComparison(context: vscode.ExtensionContext, services: TheoryLensServices): void {
  const view = new ComparisonView(services, services.checkpoints);
  context.subscriptions.push(
    view,
    vscode.window.registerWebviewViewProvider(ComparisonView.viewType, view, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.commands.registerCommand('theoryLens.openComparison', (arg?: { paths?: string[] } | vscode.Uri, all?: vscode.Uri[]) => {
      // from CodeLens: { paths }; from the explorer (several .onnx selected): (uri, uris)
      const paths = arg instanceof vscode.Uri ? (all?.length ? all : [arg]).map((u) => u.fsPath) : arg?.paths;
      return view.show(paths);
    }),
    vscode.commands.registerCommand('theoryLens.chooseMetricsFile', async () => {
      const pick = await vscode.window.showOpenDialog({
        canSelectMany: false, openLabel: 'Use for Kendall τ',
        filters: { 'Metrics (CSV, JSON)': ['csv', 'tsv', 'json'] }, title: 'Per-checkpoint test accuracy or loss (CSV or JSON)',
      });
      if (pick?.[0]) {
        view.setMetricsFile(pick[0].fsPath);
        await view.show();
      }
    }),
  );
}
