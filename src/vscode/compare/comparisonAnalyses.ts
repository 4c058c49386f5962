// The analyses a comparison needs, run in the background through the shared service one at a time:
// each column's default report first (shared with the report panels and the hints), then each column
// against the previous one as init (weights only), which gives the distance between consecutive
// checkpoints. Results are kept per job while the files' mtimes are the ones recorded; Stop cancels
// the running job and holds the queue until the selection changes or the user refreshes.
import { errorDetail, errorLine } from '../../input/error';
import * as vscode from 'vscode';
import type { CheckpointState } from '../../protocol/compare';
import type { Report } from '../../protocol/report';
import type { GroupedFile } from '../../workspace/checkpointGroups';
import type { TheoryLensServices } from '../services';
import { mtimeOf } from '../../workspace/mtime';

export interface CheckpointStatus {
  state: CheckpointState;
  error?: string;
  progress?: string;
}

interface Job {
  path: string;
  /** Set for the consecutive-distance run: the previous checkpoint used as init. */
  prev?: string;
}

const jobKey = (j: Job) => `${j.path}|${j.prev ?? ''}`;
const mtimesOf = (j: Job) => `${mtimeOf(j.path)}|${j.prev ? mtimeOf(j.prev) : ''}`;

export class ComparisonAnalyses implements vscode.Disposable {
  private readonly results = new Map<string, { mtimes: string; report?: Report; error?: string }>();
  private readonly status = new Map<string, CheckpointStatus>();
  private running: Job | null = null;
  private stopped = false;
  private cts = new vscode.CancellationTokenSource();

  /** @param changed called when a job starts, progresses or ends (the view posts its state soon after). */
  constructor(private readonly services: TheoryLensServices, private readonly changed: () => void) {}

  /** Whether a job runs now. */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Whether the user stopped the analyses (until the selection changes or a refresh). */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** The default report (or error) of a checkpoint, or its distance run against `prev`, while the files are unchanged. */
  result(path: string, prev?: string): { report?: Report; error?: string } | undefined {
    const j = { path, prev };
    const r = this.results.get(jobKey(j));
    return r && r.mtimes === mtimesOf(j) ? r : undefined;
  }

  /** What the list shows beside a checkpoint. */
  statusOf(path: string, selected: boolean): CheckpointStatus {
    const s = this.status.get(path);
    const r = this.result(path);
    if (r?.report) return { state: 'done' };
    if (r?.error) return { state: 'error', error: r.error };
    if (s?.state === 'running' && this.running?.path === path && !this.running.prev) return s;
    return { state: selected && !this.stopped ? 'queued' : 'idle', progress: s?.progress === 'stopped' ? 'stopped' : undefined };
  }

  /** Lets the queue run again (the selection changed); with `retry`, failed results are forgotten too (Refresh). */
  resume(retry = false): void {
    this.stopped = false;
    if (retry) for (const [k, r] of this.results) if (r.error) this.results.delete(k);
  }

  /** Cancels the running job and holds the queue. */
  stop(): void {
    this.stopped = true;
    this.cts.cancel();
    this.cts.dispose();
    this.cts = new vscode.CancellationTokenSource();
  }

  /** The next analysis the comparison needs: default reports of every column first, then consecutive distances. */
  private nextJob(cols: GroupedFile[]): Job | undefined {
    for (const c of cols) if (!this.result(c.path)) return { path: c.path };
    for (let k = 1; k < cols.length; k++) {
      if (!this.result(cols[k].path, cols[k - 1].path)) return { path: cols[k].path, prev: cols[k - 1].path };
    }
    return undefined;
  }

  /** Starts the next job the columns need, unless one runs or the queue is stopped; `columns` is asked again when it ends. */
  pump(columns: () => GroupedFile[]): void {
    if (this.running || this.stopped) return;
    const job = this.nextJob(columns());
    if (!job) {
      this.changed();
      return;
    }
    this.running = job;
    const token = this.cts.token;
    const mtimes = mtimesOf(job);
    if (!job.prev) this.status.set(job.path, { state: 'running' });
    this.changed();
    const uri = vscode.Uri.file(job.path);
    const request = job.prev
      ? { background: true, token, overrides: { init: job.prev, weightsOnly: true } }
      : {
          background: true, token,
          onProgress: (p: { phase: string; done: number; total: number }) => {
            this.status.set(job.path, { state: 'running', progress: `${p.phase} ${p.done}/${p.total}` });
            this.changed();
          },
        };
    this.services.analysis.analyze(uri, request).then(
      (report) => {
        this.results.set(jobKey(job), { mtimes, report });
        if (!job.prev) this.status.set(job.path, { state: 'done' });
      },
      (e: Error) => {
        if (token.isCancellationRequested) {
          if (!job.prev) this.status.set(job.path, { state: 'idle', progress: 'stopped' });
          return;
        }
        const line = errorLine(e, job.path);
        this.results.set(jobKey(job), { mtimes, error: line });
        if (!job.prev) this.status.set(job.path, { state: 'error', error: line });
        this.services.output.appendLine(`comparison: ${job.path}${job.prev ? ` against ${job.prev}` : ''}: ${errorDetail(e)}`);
      },
    ).finally(() => {
      this.running = null;
      this.changed();
      this.pump(columns);
    });
  }

  dispose(): void {
    this.cts.cancel();
    this.cts.dispose();
  }
}
