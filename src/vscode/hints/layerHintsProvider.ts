// Inlay hints at the end of layer definitions: the headline metrics of the layers a definition
// produced in the checkpoint chosen for its class (HintModel), hover = every metric of the layer.
import * as vscode from 'vscode';
import type { HintModel } from './hintModel';
import { layerHintLabel, layerHintMarkdown } from '../../report/layerHint';

export class LayerHintsProvider implements vscode.InlayHintsProvider {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeInlayHints = this.emitter.event;

  constructor(private readonly model: HintModel) {}

  refresh(): void {
    this.emitter.fire();
  }

  provideInlayHints(doc: vscode.TextDocument, range: vscode.Range): vscode.InlayHint[] {
    if (!vscode.workspace.getConfiguration('theoryLens.hints').get('inlayHints', true)) return [];
    this.model.requestFor(doc);
    const out: vscode.InlayHint[] = [];
    for (const a of this.model.annotations(doc).layers) {
      if (a.def.hintLine < range.start.line || a.def.hintLine > range.end.line) continue;
      const report = a.owner.report;
      const part = new vscode.InlayHintLabelPart(layerHintLabel(report, a.layers));
      const md = new vscode.MarkdownString(layerHintMarkdown(report, a.layers, `${a.def.owner}: ${a.def.path}`));
      md.isTrusted = false;
      md.supportHtml = false;
      part.tooltip = md;
      part.command = { title: 'Open the report', command: 'theoryLens.hints.openReport', arguments: [vscode.Uri.file(report.model.path)] };
      const hint = new vscode.InlayHint(new vscode.Position(a.def.hintLine, a.def.hintCol), [part]);
      hint.paddingLeft = true;
      out.push(hint);
    }
    return out;
  }
}
