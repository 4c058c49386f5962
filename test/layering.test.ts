// The layering rule, checked on the import lines of every source file: only src/vscode/ and
// src/extension.ts import `vscode` (and every file under src/vscode/ does — the rest lives in
// src/workspace/ and src/report/); src/engine imports nothing from src/vscode, src/workspace or the
// webview; the webview imports only src/protocol and src/report (its own files and browser libraries); src/workspace and
// src/report never import src/vscode.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './helpers/fixtures';

function walk(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.ts$/.test(n) && !n.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Module specifiers of static imports, re-exports and dynamic imports. */
function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) {
    out.push(m[1] ?? m[2] ?? m[3]);
  }
  return out;
}

const rel = (p: string) => relative(repoRoot, p).split('\\').join('/');
/** Repository-relative target of a relative specifier, else the bare specifier. */
const target = (file: string, spec: string) => (spec.startsWith('.') ? rel(resolve(dirname(file), spec)) : spec);

const src = walk(join(repoRoot, 'src'));
const web = walk(join(repoRoot, 'webview'));

test('only src/vscode/ and src/extension.ts import vscode, and every file in src/vscode/ does', () => {
  const bad: string[] = [];
  for (const f of [...src, ...web]) {
    const r = rel(f);
    const usesVscode = importsOf(f).includes('vscode');
    const adapter = r.startsWith('src/vscode/') || r === 'src/extension.ts';
    if (usesVscode && !adapter) bad.push(`${r} imports vscode`);
    if (!usesVscode && r.startsWith('src/vscode/')) bad.push(`${r} does not import vscode: it belongs in src/workspace or src/report`);
  }
  assert.deepEqual(bad, []);
});

test('src/engine never imports src/vscode, src/workspace or the webview; src/workspace and src/report never import src/vscode', () => {
  const bad: string[] = [];
  for (const f of src) {
    const r = rel(f);
    for (const s of importsOf(f)) {
      const t = target(f, s);
      if (r.startsWith('src/engine/') && /^(src\/vscode|src\/workspace|webview)(\/|$)/.test(t)) bad.push(`${r} → ${t}`);
      if (/^src\/(workspace|report)\//.test(r) && /^src\/vscode(\/|$)/.test(t)) bad.push(`${r} → ${t}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('the webview imports only src/protocol, src/report and its own files', () => {
  const bad: string[] = [];
  for (const f of web) {
    for (const s of importsOf(f)) {
      const t = target(f, s);
      // npm libraries bundled for the browser (chart.js) are fine; the extension host's modules are not
      const ok = s.startsWith('.') ? /^(webview|src\/protocol|src\/report)\//.test(t) : s !== 'vscode' && !s.startsWith('node:');
      if (!ok) bad.push(`${rel(f)} → ${t}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('src/vscode/hints and src/vscode/compare do not import each other', () => {
  const bad: string[] = [];
  for (const f of src) {
    const r = rel(f);
    for (const s of importsOf(f)) {
      const t = target(f, s);
      if ((r.startsWith('src/vscode/hints/') && t.startsWith('src/vscode/compare')) || (r.startsWith('src/vscode/compare/') && t.startsWith('src/vscode/hints'))) bad.push(`${r} → ${t}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('the import scanner sees the import forms this rule relies on', () => {
  const f = join(repoRoot, 'src', 'extension.ts');
  const specs = importsOf(f);
  assert.ok(specs.includes('vscode'));
  assert.ok(specs.some((s) => s.startsWith('./vscode/')));
});
