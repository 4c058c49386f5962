// Messages between the extension host and its webviews (report panel, checkpoint editor, comparison
// view). Each message is told apart by its `type`. Types only.
import type { Report } from './report';
import type { Progress } from './worker';

export interface CompareEntry {
  path: string;
  label: string;
  group: string;
  /** Epoch number parsed from the name, if any. */
  epoch: number | null;
  mtime: number;
  report?: Report;
  error?: string;
  state: 'pending' | 'running' | 'done' | 'error';
}

export type ToWebview =
  | { type: 'init'; theme?: string }
  | { type: 'progress'; file: string; progress: Progress }
  | { type: 'report'; report: Report; cli: string }
  | { type: 'error'; file: string; message: string; report?: Report }
  | { type: 'checkpoints'; entries: CompareEntry[]; metrics: { file: string; values: Record<string, number>; column: string } | null };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'export'; format: 'json' | 'csv' | 'markdown' }
  | { type: 'copy'; text: string }
  | { type: 'reanalyze' }
  | { type: 'chooseInit' }
  | { type: 'chooseProbe' }
  | { type: 'openSettings'; query: string }
  | { type: 'openReport'; path: string }
  | { type: 'chooseMetrics' }
  | { type: 'refresh' };
