// Runs the test suite with node's built-in test runner (TypeScript through tsx).
//   node test/run.mjs            unit tests, then the end-to-end tests in a real VS Code
//   node test/run.mjs --unit     unit tests only
//   node test/run.mjs FILTER     only test files whose path contains FILTER
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit') || process.env.THEORY_LENS_SKIP_E2E === '1';
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const files = walk(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => !f.startsWith(join('test', 'e2e')))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

let status = 0;
if (files.length) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=600000', ...files], {
    cwd: root, stdio: 'inherit',
  });
  status = r.status ?? 1;
}
if (!unitOnly && filters.length === 0) {
  const r = spawnSync('bash', [join(root, 'test', 'e2e', 'run.sh')], { cwd: root, stdio: 'inherit' });
  if ((r.status ?? 1) !== 0) status = status || (r.status ?? 1);
}
process.exit(status);
