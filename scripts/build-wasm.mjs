// Compiles the AssemblyScript kernels (assembly/eig.ts and the files it imports) into dist/eig.wasm with
// SIMD at -O3. Skipped when dist/eig.wasm is newer than every source under assembly/ and this script.
// Called by scripts/build.mjs; also usable alone: node scripts/build-wasm.mjs
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Builds `${dist}/eig.wasm` from `${root}/assembly/eig.ts` unless it is up to date. Returns its path. */
export async function buildWasm(root, dist) {
  const srcDir = join(root, 'assembly');
  const entry = join(srcDir, 'eig.ts');
  const out = join(dist, 'eig.wasm');
  const sources = [fileURLToPath(import.meta.url), ...readdirSync(srcDir).filter((f) => f.endsWith('.ts')).map((f) => join(srcDir, f))];
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  if (existsSync(out) && statSync(out).mtimeMs > newest) return out;
  mkdirSync(dist, { recursive: true });
  const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
  if (!existsSync(asc)) throw new Error(`cannot build ${out}: the AssemblyScript compiler (${asc}) is not installed; run npm install`);
  execFileSync(process.execPath, [
    asc, entry, '--outFile', out, '-O3', '--enable', 'simd', '--runtime', 'stub', '--noAssert', '--initialMemory', '1',
  ], { cwd: root, stdio: 'inherit' });
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  buildWasm(root, join(root, 'dist')).then((p) => console.log(p));
}
