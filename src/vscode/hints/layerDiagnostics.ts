// Diagnostics (Information for warnings, Hint for remarks) on the definitions of layers the theory
// flags in the chosen checkpoint (`layers[].flags`: α < 2 over-trained, α > 6 under-trained, …).
import * as vscode from 'vscode';
import type { HintModel } from './hintModel';

export class LayerDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('theoryLens');

  constructor(private readonly model: HintModel) {}

  update(doc: vscode.TextDocument): void {
    if (doc.languageId !== 'python') return;
    if (!vscode.workspace.getConfiguration('theoryLens.hints').get('diagnostics', true)) {
      this.collection.delete(doc.uri);
      return;
    }
    const list: vscode.Diagnostic[] = [];
    for (const a of this.model.annotations(doc).layers) {
      for (const l of a.layers) {
        for (const f of l.flags ?? []) {
          const range = new vscode.Range(a.def.line, a.def.col, a.def.endLine, a.def.endCol);
          const d = new vscode.Diagnostic(range, `${l.module ?? l.name}${l.part ? ` ${l.part}` : ''}: ${f.message}`, f.severity === 'warning' ? vscode.DiagnosticSeverity.Information : vscode.DiagnosticSeverity.Hint);
          d.source = `Theory Lens · ${a.owner.report.model.fileName}`;
          d.code = f.id;
          list.push(d);
        }
      }
    }
    this.collection.set(doc.uri, list);
  }

  delete(uri: vscode.Uri): void {
    this.collection.delete(uri);
  }

  clear(): void {
    this.collection.clear();
  }

  dispose(): void {
    this.collection.dispose();
  }
}
