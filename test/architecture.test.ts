// The layering rules, checked on every import in the source tree (static imports, export-from,
// dynamic import() and require()):
//  - only src/vscode/ and src/extension.ts import `vscode`, and every file under src/vscode/ does (the
//    vscode-free rest lives in src/workspace/ and src/report/);
//  - src/engine/ imports nothing from src/vscode/, src/workspace/ or webview/;
//  - src/workspace/ and src/report/ import nothing from src/vscode/;
//  - src/vscode/hints/ and src/vscode/compare/ do not import each other;
//  - webview/ imports only src/protocol/, src/report/, its own files and browser npm packages (no node:).
// The checker itself is tested on a temporary tree with one bad import of each kind.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './helpers/fixtures';

const SOURCE = /\.(ts|tsx|mts|cts|js|mjs)$/;

function walk(dir: string, out: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    if (n === 'node_modules' || n.startsWith('.')) continue;
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (SOURCE.test(n) && !n.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Module specifiers of every import, export-from, import() and require() in `code` (comments stripped). */
export function importsOf(code: string): string[] {
  const src = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
  const out: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[\w*\s{},$]+?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)\s*\.\s*\w+/g,
    /\btypeof\s+import\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of src.matchAll(re)) out.push(m[1]);
  return [...new Set(out)];
}

/** Layering violations in the tree at `root`, as 'file: imports X (rule)'. */
export function layeringViolations(root: string): string[] {
  const files = [...walk(join(root, 'src')), ...walk(join(root, 'webview'))];
  const rel = (p: string) => relative(root, p).split(sep).join('/');
  const out: string[] = [];
  for (const file of files) {
    const from = rel(file);
    const specs = importsOf(readFileSync(file, 'utf8'));
    if (from.startsWith('src/vscode/') && !specs.includes('vscode')) out.push(`${from}: does not import vscode (vscode-free code belongs in src/workspace or src/report)`);
    for (const spec of specs) {
      const local = spec.startsWith('.');
      const target = local ? rel(resolve(dirname(file), spec)) : spec;
      if (spec === 'vscode' && !(from.startsWith('src/vscode/') || from === 'src/extension.ts')) out.push(`${from}: imports vscode (only src/vscode/ and src/extension.ts may)`);
      if (from.startsWith('src/engine/') && local && /^(src\/vscode|src\/workspace|webview)(\/|$)/.test(target)) out.push(`${from}: imports ${target} (src/engine must not import src/vscode, src/workspace or webview)`);
      if (from.startsWith('webview/') && local && !/^(src\/protocol|src\/report|webview)(\/|$)/.test(target)) out.push(`${from}: imports ${target} (webview may import only src/protocol and src/report)`);
      if (from.startsWith('webview/') && (spec === 'vscode' || spec.startsWith('node:'))) out.push(`${from}: imports ${spec} (webview runs in the browser)`);
      if (/^src\/(workspace|report)\//.test(from) && local && /^src\/vscode(\/|$)/.test(target)) out.push(`${from}: imports ${target} (src/workspace and src/report must not import src/vscode)`);
      if ((from.startsWith('src/vscode/hints/') && target.startsWith('src/vscode/compare')) || (from.startsWith('src/vscode/compare/') && target.startsWith('src/vscode/hints'))) out.push(`${from}: imports ${target} (hints and compare must not import each other)`);
    }
  }
  return out;
}

test('the source tree keeps the layering rules', () => {
  assert.deepEqual(layeringViolations(repoRoot), []);
  // and the walk really saw the tree
  assert.ok(walk(join(repoRoot, 'src', 'engine')).length > 20 && walk(join(repoRoot, 'webview')).length > 3);
});

test('the checker finds each kind of bad import in a temporary tree', () => {
  const root = mkdtempSync(join(tmpdir(), 'tl-layers-'));
  const put = (p: string, code: string) => {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), code);
  };
  try {
    put('src/extension.ts', "import * as vscode from 'vscode';\n");
    put('src/vscode/ok.ts', "import { x } from 'vscode';\nimport { analyze } from '../engine/a';\n");
    put('src/engine/a.ts', "// import * as vscode from 'vscode' (a comment)\nexport const analyze = 1;\n");
    put('src/protocol/report.ts', 'export type R = 1;\n');
    put('webview/ok.ts', "import type { R } from '../src/protocol/report';\nimport { Chart } from 'chart.js';\nimport { y } from './common/y';\n");
    put('webview/common/y.ts', 'export const y = 1;\n');
    assert.deepEqual(layeringViolations(root), [], 'a clean tree passes');

    put('src/report/bad.ts', "import { window } from 'vscode';\n");
    put('src/engine/bad1.ts', "import { hint } from '../vscode/ok';\n");
    put('src/engine/deep/bad2.ts', "export { scan } from '../../workspace/scan';\n");
    put('src/engine/bad3.ts', "const v = await import('../../webview/ok');\n");
    put('src/engine/bad4.ts', "const o = require('vscode');\n");
    put('webview/bad5.ts', "import { analyze } from '../src/engine/a';\n");
    put('webview/common/bad6.ts', "import type { Settings } from '../../src/vscode/ok';\n");
    put('src/vscode/bad7.ts', "export const noVscode = 1;\n");
    put('src/workspace/bad8.ts', "import { x } from '../vscode/ok';\n");
    put('src/vscode/hints/bad9.ts', "import * as vscode from 'vscode';\nimport { c } from '../compare/c';\n");
    put('webview/bad10.ts', "import { readFileSync } from 'node:fs';\n");
    const v = layeringViolations(root);
    const files = ['src/report/bad.ts', 'src/engine/bad1.ts', 'src/engine/deep/bad2.ts', 'src/engine/bad3.ts', 'src/engine/bad4.ts', 'webview/bad5.ts', 'webview/common/bad6.ts',
      'src/vscode/bad7.ts', 'src/workspace/bad8.ts', 'src/vscode/hints/bad9.ts', 'webview/bad10.ts'];
    for (const f of files) {
      assert.ok(v.some((x) => x.startsWith(`${f}:`)), `${f} is reported:\n${v.join('\n')}`);
    }
    assert.equal(v.length, files.length, v.join('\n'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
