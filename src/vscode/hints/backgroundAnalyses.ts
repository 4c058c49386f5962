// Analyses the hints need (the checkpoints a file's CodeLens names), run in the background one at a
// time through the shared analysis service (its worker; reports cached there), debounced so a burst
// of requests while the user scrolls becomes one queue, and cancelled when the extension stops or the
// user turns the hints off. A failure is remembered per (file, mtime) so it is not retried in a loop.
import * as vscode from 'vscode';
import type { TheoryLensServices } from '../services';

export class BackgroundAnalyses implements vscode.Disposable {
  private readonly queue: string[] = [];
  private readonly failures = new Map<string, { mtime: number; message: string }>();
  private running: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private cts = new vscode.CancellationTokenSource();

  constructor(
    private readonly services: TheoryLensServices,
    /** Whether a default-option report of the file (as it is now) is cached. */
    private readonly isCached: (path: string) => boolean,
    private readonly onDone: (path: string) => void,
    /** The file's mtime as the checkpoint index knows it (no disk access on a hint pass). */
    private readonly mtime: (path: string) => number,
  ) {}

  /** Why the last analysis of the file (as it is now) failed, if it did. */
  failure(path: string): string | undefined {
    const f = this.failures.get(path);
    return f && f.mtime === this.mtime(path) ? f.message : undefined;
  }

  pending(path: string): boolean {
    return this.running === path || this.queue.includes(path);
  }

  /** Queue an analysis of the file unless it is cached, queued, or failed as it is now. */
  request(path: string): void {
    if (this.pending(path) || this.failure(path) !== undefined) return;
    if (this.isCached(path)) return;
    this.queue.push(path);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.pump(), 250);
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    const next = this.queue.shift();
    if (!next) return;
    this.running = next;
    const token = this.cts.token;
    try {
      if (!this.isCached(next)) {
        await this.services.analysis.analyze(vscode.Uri.file(next), { background: true, token });
      }
      this.failures.delete(next);
    } catch (e) {
      if (!token.isCancellationRequested) {
        this.failures.set(next, { mtime: this.mtime(next), message: (e as Error).message });
        this.services.output.appendLine(`hints: analysis of ${next} failed: ${(e as Error).message}`);
      }
    } finally {
      this.running = null;
    }
    if (!token.isCancellationRequested) {
      this.onDone(next);
      void this.pump();
    }
  }

  /** Drop the queue and cancel the running analysis (hints switched off). */
  cancelAll(): void {
    this.queue.length = 0;
    this.cts.cancel();
    this.cts.dispose();
    this.cts = new vscode.CancellationTokenSource();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
    this.cts.cancel();
    this.cts.dispose();
  }
}
