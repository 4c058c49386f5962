// Messages between the extension host and the report webview (report panel and read-only .onnx
// editor). Each message is told apart by its `type`. The webview posts `ready` once its script runs;
// the host then sends `init`, and after it progress, the report, or an error. Types only.
import type { Report } from './report';
import type { Progress } from './worker';

export type ExportFormat = 'json' | 'csv' | 'markdown';

export type ToWebview =
  /** The checkpoint this webview shows (sent once, in answer to `ready`). */
  | { type: 'init'; file: string; fileName: string }
  /** Worker progress, and the overall fraction 0…1 of the analysis. */
  | { type: 'progress'; progress: Progress; fraction: number }
  /** A finished report; `cli` is the command line that prints the same JSON. */
  | { type: 'report'; report: Report; cli: string }
  /** The analysis failed or was cancelled; `report` is what could still be computed, if anything. */
  | { type: 'error'; file: string; message: string; cancelled?: boolean; report?: Report }
  /**
   * When the host reached each step of this view (wall-clock ms, Date.now()): `asked` (the command or
   * the editor opened it), `panel`, `ready`, `analysis`, `progress` (the worker's first message),
   * `numbers` (the first report posted), `final`. The page keeps them in data-timeline with its own.
   */
  | { type: 'timeline'; marks: Record<string, number> };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'export'; format: ExportFormat }
  /** Copy `text` (a number with its formula and citation) to the clipboard. */
  | { type: 'copy'; text: string }
  | { type: 'reanalyze' }
  | { type: 'cancel' }
  | { type: 'chooseInit' }
  | { type: 'chooseProbe' }
  /** Open the Settings editor filtered to `query` (a setting id). */
  | { type: 'openSettings'; query: string };
