// Messages between the extension host and the comparison side view ("Theory Lens: Checkpoints").
// Each message is told apart by its `type`. Types only; imported by the host and the webview. The
// host does every computation (ordering, deltas, distances, Kendall τ) in tested code; the webview
// renders and plots.

export type CheckpointState = 'idle' | 'queued' | 'running' | 'done' | 'error';

export interface CheckpointItem {
  path: string;
  /** Path relative to its workspace folder. */
  rel: string;
  /** File name without `.onnx`. */
  label: string;
  /** Epoch/step number from the name, if any. */
  epoch: number | null;
  mtime: number;
  selected: boolean;
  state: CheckpointState;
  /** What failed, when state is 'error'. */
  error?: string;
  /** Progress of a running analysis (`layers 2/3`). */
  progress?: string;
}

/** Checkpoints of one folder (a run), oldest first. */
export interface CheckpointGroup {
  id: string;
  label: string;
  items: CheckpointItem[];
}

export interface ComparisonColumn {
  path: string;
  label: string;
  group: string;
  epoch: number | null;
  state: CheckpointState;
  error?: string;
}

export interface ComparisonRow {
  /** Measure id, `bound:<id>`, `stepDistance`, `stepDistanceRelative` or `metric:<column>`. */
  id: string;
  kind: 'measure' | 'bound' | 'distance' | 'metric';
  name: string;
  formula: string;
  reference: string;
  group: string;
  /** +1: larger predicts worse generalization; −1: better; 0: neither / unknown. */
  direction: 1 | -1 | 0;
  /** One value per column (null: not computed; see reasons). */
  values: (number | null)[];
  reasons: (string | null)[];
  /** Last value minus the one before it (the two right-most columns with values), and that change relative to the earlier one. */
  delta: number | null;
  relDelta: number | null;
  /** Computed from the held-out test probe: describes the outcome, never ranked as a predictor. */
  usesTestData?: boolean;
}

export interface TauRow {
  id: string;
  name: string;
  tau: number | null;
  /** Checkpoints both the measure and the metric have a value for. */
  n: number;
  /** The sign τ should have if the measure predicts the metric as theory says (0: no expectation). */
  expected: 1 | -1 | 0;
  agrees: boolean | null;
  /** Computed from the test probe: listed after the predictors, with no expected sign (not ranked). */
  usesTestData?: boolean;
}

export interface TauTable {
  file: string;
  column: string;
  /** +1: larger metric = better (accuracy); −1: larger = worse (loss, error); 0: unknown. */
  orientation: 1 | -1 | 0;
  /** Columns of the checkpoints the metrics file has a value for. */
  matched: number;
  rows: TauRow[];
  /** Rows left out of the ranking and why (measures computed from the test data the metric measures). */
  excluded?: { id: string; name: string; reason: string }[];
}

export interface Comparison {
  columns: ComparisonColumn[];
  rows: ComparisonRow[];
  tau: TauTable | null;
  /** Measures no selected checkpoint could compute, with the reason; other remarks. */
  notes: string[];
}

export interface MetricsSource {
  file: string;
  /** Where it came from: the setting, the file picker, or a metrics.csv/json found beside the checkpoints. */
  origin: 'setting' | 'picked' | 'beside';
  columns: string[];
  column: string;
  error?: string;
}

export type ToCompareView =
  | { type: 'state'; groups: CheckpointGroup[]; comparison: Comparison; metrics: MetricsSource | null; busy: boolean };

export type FromCompareView =
  | { type: 'ready' }
  | { type: 'toggle'; path: string; selected: boolean }
  | { type: 'selectGroup'; group: string; selected: boolean }
  | { type: 'openReport'; path: string }
  | { type: 'chooseMetrics' }
  | { type: 'clearMetrics' }
  | { type: 'metricColumn'; column: string }
  | { type: 'refresh' }
  | { type: 'stop' };
