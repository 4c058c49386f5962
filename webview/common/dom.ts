// DOM helpers shared by the webviews. Every model-provided string goes in as text (textContent), never
// as HTML, so a layer named `<img src=x onerror=alert(1)>` shows as those characters.
import { Chart, registerables } from 'chart.js';

Chart.register(...registerables);
export { Chart };

type Child = Node | string | number | null | undefined | false;
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string | number | boolean | undefined | ((e: Event) => void)> = {}, ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, '').toLowerCase(), v as EventListener);
    else if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** A number for humans: 4 significant digits, exponent form when very large or small (same as the CLI). */
export function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toString();
}

/** A value cell: formatted text, the exact number in data-value (for copying and for tests). */
export function num(v: number | null | undefined, extra: Record<string, string> = {}): HTMLTableCellElement {
  return h('td', { class: 'num', 'data-value': v === null || v === undefined ? '' : String(v), ...extra }, fmt(v));
}

export function css(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/** Chart colours from the VS Code theme. */
export function palette() {
  return {
    fg: css('--vscode-editor-foreground', '#ccc'),
    muted: css('--vscode-descriptionForeground', '#999'),
    grid: css('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)'),
    a: css('--vscode-charts-blue', '#3794ff'),
    b: css('--vscode-charts-orange', '#d18616'),
    c: css('--vscode-charts-red', '#f14c4c'),
    d: css('--vscode-charts-green', '#89d185'),
    e: css('--vscode-charts-purple', '#b180d7'),
  };
}

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };
export const vscodeApi = acquireVsCodeApi();
