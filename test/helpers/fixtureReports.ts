// Real reports for the hint and comparison tests: the CLI (dist/cli.js, built by `npm test`) on the
// shared fixture checkpoints, weights only (no probe: fast, deterministic), cached per process.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../src/protocol/report';
import { fmnist, haveFixtures, repoRoot } from './fixtures';

export { fmnist, haveFixtures };
export const cli = join(repoRoot, 'dist', 'cli.js');
export const canRun = haveFixtures && existsSync(cli);
export const skipReason = !haveFixtures ? 'no ../shared/fixtures' : !existsSync(cli) ? 'dist/cli.js not built (npm test builds it)' : false;

const cache = new Map<string, Report>();

/** The CLI's JSON report of a fixture checkpoint (path relative to fixtures/fmnist), optionally against an init. */
export function report(model: string, init?: string): Report {
  const key = `${model}|${init ?? ''}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const args = [cli, 'analyze', join(fmnist, model), '--json', '--quiet', '--threads', '1', ...(init ? ['--init', join(fmnist, init)] : [])];
  const r = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 })) as Report;
  cache.set(key, r);
  return r;
}

/** Every .onnx under the fixtures folder with its mtime. */
export function fixtureFiles(): { path: string; mtime: number }[] {
  const out: { path: string; mtime: number }[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.onnx')) out.push({ path: p, mtime: statSync(p).mtimeMs });
    }
  };
  walk(fmnist);
  return out;
}
