// chart.js on demand: the webview's first numbers do not wait for it. The first chart drawn adds a
// <script> for dist/webview/charts.js (beside this bundle) with this document's CSP nonce; every later
// call shares that load.
import type { Chart } from 'chart.js';

export type { Chart };
export type ChartClass = typeof Chart;

// read while this bundle runs: document.currentScript is null afterwards
const self = document.currentScript as HTMLScriptElement | null;
let loading: Promise<ChartClass> | null = null;

export function chartLib(): Promise<ChartClass> {
  loading ??= new Promise<ChartClass>((resolve, reject) => {
    if (!self?.src) {
      reject(new Error('charts: the page script is unknown'));
      return;
    }
    const s = document.createElement('script');
    s.nonce = self.nonce ?? '';
    s.src = new URL('charts.js', self.src).href;
    s.onload = () => {
      const C = (window as unknown as { theoryLensChart?: ChartClass }).theoryLensChart;
      if (C) resolve(C);
      else reject(new Error('charts.js loaded without chart.js'));
    };
    s.onerror = () => reject(new Error('could not load charts.js'));
    document.head.append(s);
  });
  return loading;
}
