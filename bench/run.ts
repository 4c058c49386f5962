// npm run bench — every benchmark, printed as ratios against a reference run in the same process or
// run (numpy's LAPACK through python3), never as timed assertions.
//   1. kernels: per matrix, Gram + symmetric eigensolver vs numpy (bench/kernels.ts)
//   2. a GPT-2-small-sized model analysed end to end vs numpy over the same matrices (bench/gpt2.ts)
//   3. forward passes: accuracy, margins, σ′ searches, bound search on a fixture (bench/forward.ts)
//   4. the passes over a layer's entries moved into WebAssembly vs the code they replaced (bench/passes.ts)
// Pass names to run a subset: npm run bench -- gpt2 forward
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const all = ['kernels', 'gpt2', 'forward', 'passes'];
const chosen = process.argv.slice(2).filter((a) => all.includes(a));
let failed = 0;
for (const name of chosen.length ? chosen : all) {
  const file = join(root, 'bench', `${name}.ts`);
  if (!existsSync(file)) {
    console.log(`\n== ${name}: ${file} is missing`);
    failed++;
    continue;
  }
  console.log(`\n== ${name} ==`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', file], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.log(`== ${name} failed (exit ${r.status})`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
