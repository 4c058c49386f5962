// Test helper: real reports from the built CLI (dist/cli.js; built first when missing), cached per
// argument list for the test process, and the path of the built worker.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../src/protocol/report';
import { repoRoot } from './fixtures';

export const cliJs = join(repoRoot, 'dist', 'cli.js');
export const workerJs = join(repoRoot, 'dist', 'worker.js');

/** Builds dist/ when the CLI or the worker bundle is missing (`npm test` builds before the tests). */
export function ensureBuilt(): void {
  if (existsSync(cliJs) && existsSync(workerJs)) return;
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
}

const cache = new Map<string, Report>();

/** `theory-lens analyze ARGS --json --quiet`, parsed. */
export function cliReport(args: string[]): Report {
  const key = JSON.stringify(args);
  const hit = cache.get(key);
  if (hit) return hit;
  ensureBuilt();
  const out = execFileSync(process.execPath, [cliJs, 'analyze', ...args, '--json', '--quiet'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const r = JSON.parse(out) as Report;
  cache.set(key, r);
  return r;
}
