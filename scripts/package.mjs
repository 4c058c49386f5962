// npm run package — one VSIX per platform target (vsce package --target), each with only that
// platform's onnxruntime-node binaries. Output: out/theory-lens-<target>-<version>.vsix.
// Usage: node scripts/package.mjs [target …]   (default: linux-x64 linux-arm64 darwin-arm64 win32-x64)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const all = { 'linux-x64': 'linux/x64', 'linux-arm64': 'linux/arm64', 'darwin-arm64': 'darwin/arm64', 'win32-x64': 'win32/x64' };
const targets = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(all);
mkdirSync(join(root, 'out'), { recursive: true });
const base = readFileSync(join(root, '.vscodeignore'), 'utf8');
for (const target of targets) {
  if (!all[target]) throw new Error(`unknown target ${target} (onnxruntime-node ships ${Object.keys(all).join(', ')}; darwin-x64 has no binary)`);
  const ignore = join(root, 'out', `.vscodeignore-${target}`);
  writeFileSync(ignore, `${base}\n!node_modules/onnxruntime-node/bin/napi-v6/${all[target]}/**\n`);
  const file = join(root, 'out', `theory-lens-${target}-${pkg.version}.vsix`);
  rmSync(file, { force: true });
  // README images: shipped in the VSIX (media/screenshots) and linked relatively, so the Extensions view
  // shows them offline; THEORY_LENS_BASE_URL (e.g. a repository's raw URL) rewrites them for a marketplace.
  const links = process.env.THEORY_LENS_BASE_URL
    ? ['--baseContentUrl', process.env.THEORY_LENS_BASE_URL, '--baseImagesUrl', process.env.THEORY_LENS_BASE_URL]
    : ['--no-rewrite-relative-links'];
  execFileSync(join(root, 'node_modules', '.bin', 'vsce'), ['package', '--target', target, '--ignoreFile', ignore, '--out', file, '--allow-missing-repository', '--skip-license', ...links], { cwd: root, stdio: 'inherit' });
  console.log(`${target}: ${file} (${(statSync(file).size / 1e6).toFixed(1)} MB)`);
}
