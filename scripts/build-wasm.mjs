// Compiles the AssemblyScript kernels (assembly/*.ts) to dist/*.wasm with SIMD; skipped when the output
// is newer than its source. Called by scripts/build.mjs.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

export async function buildWasm(root, dist) {
  const src = join(root, 'assembly', 'eig.ts');
  const out = join(dist, 'eig.wasm');
  if (existsSync(out) && statSync(out).mtimeMs > statSync(src).mtimeMs) return;
  const asc = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'asc.cmd' : 'asc');
  execFileSync(asc, [src, '--outFile', out, '-O3', '--enable', 'simd', '--runtime', 'stub', '--noAssert', '--exportRuntime'], { cwd: root, stdio: 'inherit' });
}
