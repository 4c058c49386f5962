// Builds every bundle with esbuild (one per entry point) and the WebAssembly kernels.
// `tsc --noEmit` (npm run typecheck) checks types; esbuild only strips them.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });
const watch = process.argv.includes('--watch');
const prod = process.argv.includes('--production');

// Node-side bundles: extension host, CLI, worker. Native/optional modules stay external.
const nodeEntries = {
  extension: 'src/extension.ts',
  cli: 'src/cli/main.ts',
  worker: 'src/engine/worker.ts',
};
const webEntries = {
  report: 'webview/report.ts',
  compare: 'webview/compare.ts',
  // chart.js, loaded by the pages when they draw a chart (webview/common/chartLib.ts)
  charts: 'webview/charts.ts',
};
const present = (m) => Object.fromEntries(Object.entries(m).filter(([, f]) => existsSync(join(root, f))));

const common = { bundle: true, sourcemap: !prod, minify: prod, logLevel: 'warning', absWorkingDir: root };
const builds = [
  {
    ...common, entryPoints: present(nodeEntries), outdir: dist, platform: 'node', format: 'cjs', target: 'node20',
    external: ['vscode', 'onnxruntime-node'],
  },
  {
    ...common, entryPoints: present(webEntries), outdir: join(dist, 'webview'), platform: 'browser', format: 'iife', target: 'es2022',
  },
];

// WebAssembly kernels (AssemblyScript), built at package time into dist/.
const { buildWasm } = await import('./build-wasm.mjs').catch(() => ({ buildWasm: null }));
if (buildWasm) await buildWasm(root, dist);

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.filter((b) => Object.keys(b.entryPoints).length).map((b) => esbuild.build(b)));
}
