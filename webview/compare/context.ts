// What the comparison page's parts share: the channel to the host, the user's view choices kept across
// reloads (plotted trends, collapsed groups), and the charts on the page.
import type { Comparison, FromCompareView } from '../../src/protocol/compare';
import type { Chart } from '../common/chartLib';
import { vscodeApi } from '../common/dom';

export interface UiState {
  /** Row ids whose trend is plotted. */
  trends?: string[];
  /** Groups the user collapsed or expanded (others: expanded when something in them is selected). */
  collapsed?: string[];
  expanded?: string[];
}

export const post = (m: FromCompareView) => vscodeApi.postMessage(m);
export const ui: UiState = (vscodeApi.getState() as UiState | undefined) ?? {};
export const saveUi = () => vscodeApi.setState(ui);

/** The charts drawn now (destroyed before the comparison is rebuilt). */
export const charts: Chart[] = [];

let rerender: () => void = () => {};
/** What to call after the plotted trends changed (the page renders its last state again). */
export function onTrendsChanged(f: () => void): void {
  rerender = f;
}

/** Rows to plot by default: α̂, the product of spectral norms, the step distance, the user's metric, test accuracy. */
function defaultTrends(c: Comparison): string[] {
  const have = new Set(c.rows.filter((r) => r.values.some((v) => v !== null)).map((r) => r.id));
  const wanted = ['wwMeanAlphaWeighted', 'logProdSpec', 'stepDistance', ...c.rows.filter((r) => r.kind === 'metric').map((r) => r.id), 'testAccuracy'];
  return wanted.filter((id) => have.has(id)).slice(0, 4);
}

/** The plotted rows: the user's choice once they made one, else the defaults for what is there now. */
export function trendIds(c: Comparison): string[] {
  return ui.trends ?? defaultTrends(c);
}

export function setTrends(ids: string[]): void {
  ui.trends = [...new Set(ids)];
  saveUi();
  rerender();
}

/** Column labels: the epochs when every column has a distinct one, else the checkpoint labels. */
export function xLabels(c: Comparison): string[] {
  const epochs = c.columns.every((col) => col.epoch !== null) && new Set(c.columns.map((col) => col.epoch)).size === c.columns.length;
  return c.columns.map((col) => (epochs && c.columns.length > 1 ? String(col.epoch) : col.label));
}
