// Contracts between the VS Code adapters (report panel, editor, hints, comparison view). Types only.
import type * as vscode from 'vscode';
import type { Report } from '../protocol/report';
import type { AnalyzeOptions, Progress } from '../protocol/worker';
import type { CheckpointIndex } from '../workspace/checkpointIndex';

export interface AnalyzeRequest {
  /** Re-analyse even when a cached report matches (file, size, mtime, settings). */
  force?: boolean;
  token?: vscode.CancellationToken;
  onProgress?(p: Progress): void;
  /** Overrides of the options resolved from settings and conventions (init/probe beside the file). */
  overrides?: Partial<AnalyzeOptions>;
  /** Background work (hints, live run watching): lower priority, never shows UI. */
  background?: boolean;
}

/** Runs analyses in a worker thread (never on the extension host's thread), caches their reports. */
export interface AnalysisService extends vscode.Disposable {
  analyze(file: vscode.Uri, request?: AnalyzeRequest): Promise<Report>;
  /** The cached report for the file's current (size, mtime, settings), if any. */
  cached(file: vscode.Uri): Report | undefined;
  /**
   * Fires after every successful analysis; `defaults` is false for runs with overrides (comparisons),
   * `background` true for analyses nobody asked to see (hints, live run watching).
   */
  readonly onDidAnalyze: vscode.Event<{ uri: vscode.Uri; report: Report; defaults: boolean; background: boolean }>;
  /** The latest partial report (report.partial set) of a default-option analysis still running, if any. */
  partial(file: vscode.Uri): Report | undefined;
  /** Fires for every partial report of a default-option analysis: weight-only numbers first, then each forward phase. */
  readonly onDidPartial: vscode.Event<{ uri: vscode.Uri; report: Report }>;
}

export interface TheoryLensServices {
  readonly extensionUri: vscode.Uri;
  readonly analysis: AnalysisService;
  readonly output: vscode.OutputChannel;
  /** The workspace's checkpoint files, kept current by a watcher (one per extension host). */
  readonly checkpoints: CheckpointIndex;
  /** Opens (or reveals) the report panel for a checkpoint beside the active editor. */
  openReport(file: vscode.Uri): Promise<void>;
}
