// Where the shared real checkpoints live: ../shared/fixtures beside the repository (CI and developer
// machines), or THEORY_LENS_FIXTURES.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(__dirname, '..', '..');
export const sharedFixtures = process.env.THEORY_LENS_FIXTURES ?? join(repoRoot, '..', 'shared', 'fixtures');
export const fmnist = join(sharedFixtures, 'fmnist');
export const haveFixtures = existsSync(join(fmnist, 'fixtures.json'));

export function fixture(name: string): string {
  const p = join(fmnist, name);
  if (!existsSync(p)) throw new Error(`fixture ${p} is missing: ../shared/fixtures must sit beside the repository`);
  return p;
}

export interface FixtureModel {
  probe_train_acc: number;
  probe_train_loss: number;
  probe_test_acc: number;
  probe_test_loss: number;
  n_params: number;
  [k: string]: unknown;
}
export function fixturesJson(): { train_subset: number; models: Record<string, FixtureModel> } {
  return JSON.parse(readFileSync(fixture('fixtures.json'), 'utf8'));
}
