// CodeLens on lines of training code that name checkpoints. provideCodeLenses only places lenses
// (from the cached parse of the document and the checkpoint index: no disk access, no analysis);
// resolveCodeLens fills in the text from cached reports and queues background analyses of what is
// missing; the lenses refresh when those finish. A class whose layers carry hints gets a lens saying
// which checkpoint the numbers come from (click: choose another).
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { headlineText, headlineTooltip } from '../../report/headline';
import type { HintModel, OwnerAnnotation, OwnerRefusal, RefInfo } from './hintModel';

const cfg = () => vscode.workspace.getConfiguration('theoryLens.hints');
const label = (p: string) => basename(p).replace(/\.onnx$/i, '');

class RefLens extends vscode.CodeLens {
  constructor(range: vscode.Range, readonly info: RefInfo, readonly kind: 'headline' | 'report') {
    super(range);
  }
}

export class CheckpointLensProvider implements vscode.CodeLensProvider {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;

  constructor(private readonly model: HintModel) {}

  refresh(): void {
    this.emitter.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!cfg().get('codeLens', true)) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const info of this.model.refs(doc)) {
      const range = new vscode.Range(info.ref.line, info.ref.col, info.ref.endLine, info.ref.endCol);
      lenses.push(new RefLens(range, info, 'headline'));
      if (info.matches.length > 1) lenses.push(new RefLens(range, info, 'report'));
    }
    if (cfg().get('inlayHints', true)) {
      const ann = this.model.annotations(doc);
      for (const o of ann.owners) lenses.push(this.ownerLens(doc, o));
      for (const r of ann.refusals) lenses.push(this.refusalLens(doc, r));
    }
    return lenses;
  }

  private ownerLens(doc: vscode.TextDocument, o: OwnerAnnotation): vscode.CodeLens {
    const why = { pinned: 'chosen', writes: 'the newest checkpoint this file writes', setting: 'named by theoryLens.hints.checkpoint' }[o.source];
    const where = o.match.prefixes.length === 1 && o.match.prefixes[0] === '' ? '' : ` at ${o.match.prefixes.map((p) => p.replace(/\.$/, '')).join(', ')}`;
    return new vscode.CodeLens(new vscode.Range(o.line, 0, o.line, 0), {
      title: `θ layer numbers from ${o.report.model.fileName}${where} (${o.match.matched}/${o.match.total} definitions matched, ${why})`,
      command: 'theoryLens.hints.chooseCheckpoint',
      arguments: [doc.uri, o.owner],
      tooltip: `The hints on ${o.owner}'s layers show ${o.report.model.path}. Click to show another checkpoint's numbers.`,
    });
  }

  /** The class's checkpoint does not fit its code: the reason instead of numbers (click: choose another). */
  private refusalLens(doc: vscode.TextDocument, r: OwnerRefusal): vscode.CodeLens {
    const why = { pinned: 'chosen', writes: 'written by this file', setting: 'named by theoryLens.hints.checkpoint' }[r.source];
    return new vscode.CodeLens(new vscode.Range(r.line, 0, r.line, 0), {
      title: `θ no layer numbers: ${r.reason}`,
      command: 'theoryLens.hints.chooseCheckpoint',
      arguments: [doc.uri, r.owner],
      tooltip: `${r.path} (${why}) does not fit the code of ${r.owner}, so its numbers are not shown. Click to choose another checkpoint.`,
    });
  }

  resolveCodeLens(lens: vscode.CodeLens): vscode.CodeLens {
    if (!(lens instanceof RefLens)) return lens;
    const { matches, series } = lens.info;
    const newest = matches[0].path;
    const prev = series ? matches[1]?.path : undefined;
    if (lens.kind === 'report') {
      lens.command = { title: `report of ${label(newest)}`, command: 'theoryLens.hints.openReport', arguments: [vscode.Uri.file(newest)], tooltip: `Open the Theory Lens report of ${newest}` };
      return lens;
    }
    const report = this.model.cached(newest);
    const prevReport = prev ? this.model.cached(prev) : undefined;
    if (!report) this.model.background.request(newest);
    if (prev && !prevReport) this.model.background.request(prev);
    const several = matches.length > 1;
    const open = several
      ? { command: 'theoryLens.openComparison', arguments: [{ paths: matches.map((m) => m.path) }] }
      : { command: 'theoryLens.hints.openReport', arguments: [vscode.Uri.file(newest)] };
    const count = several ? ` (${matches.length} checkpoints)` : '';
    if (!report) {
      const failed = this.model.background.failure(newest);
      lens.command = {
        title: failed ? `θ ${label(newest)}: analysis failed — ${failed.slice(0, 80)}` : `θ ${label(newest)}: analysing…${count}`,
        tooltip: failed ? `${newest}: ${failed}` : `Analysing ${newest} in the background`, ...open,
      };
      return lens;
    }
    lens.command = {
      title: `θ ${label(newest)}: ${headlineText(report, prevReport)}${count}`,
      tooltip: `${headlineTooltip(report, prevReport, prev ? label(prev) : undefined)}\n\n${several ? `Click: compare the ${matches.length} checkpoints this line writes (${lens.info.ref.display})` : 'Click: open the report'}`,
      ...open,
    };
    return lens;
  }
}
