// Entry point of dist/webview/charts.js: chart.js with every chart type registered, loaded by the
// webviews only when they draw a chart (common/chartLib.ts). It is ~460 KB of the ~530 KB the report
// page used to load before it could show its first number.
import { Chart, registerables } from 'chart.js';

Chart.register(...registerables);
(window as unknown as { theoryLensChart?: typeof Chart }).theoryLensChart = Chart;
