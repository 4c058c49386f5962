// DOM helpers shared by the webviews. Every model-provided string goes in as text (textContent), never
// as HTML, so a layer named `<img src=x onerror=alert(1)>` shows as those characters.
import { fmt, fmtBound } from './format';

export { fmt, fmtBound };

type Child = Node | string | number | null | undefined | false;
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string | number | boolean | undefined | ((e: Event) => void)> = {}, ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, '').toLowerCase(), v as EventListener);
    else if (/^on/i.test(k)) throw new Error(`inline handler attribute ${k} refused (CSP forbids them)`);
    else if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** A value cell: formatted text, the exact number in data-value (for copying and for tests). */
export function num(v: number | null | undefined, extra: Record<string, string> = {}, format: (v: number | null | undefined) => string = fmt): HTMLTableCellElement {
  return h('td', { class: 'num', 'data-value': v === null || v === undefined ? '' : String(v), ...extra }, format(v));
}

export function css(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/** Chart colours from the VS Code theme (read when a chart is drawn, so they follow theme changes). */
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
    f: css('--vscode-charts-yellow', '#cca700'),
    bg: css('--vscode-editor-background', '#1e1e1e'),
  };
}

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };
export const vscodeApi = acquireVsCodeApi();
