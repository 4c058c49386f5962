// The CLI command line that prints the same report as JSON, shown in the report's footer so a number
// seen in the panel can be reproduced (and scripted) outside VS Code: the files it used and every
// setting that differs from the CLI's default. Pure.
import { DEFAULTS as D } from '../defaults';
import type { Report } from '../protocol/report';

/** POSIX-shell single quoting, only when needed. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function cliCommand(r: Report): string {
  const args = ['theory-lens', 'analyze', r.model.path];
  if (r.init) args.push('--init', r.init.path);
  if (r.data) args.push('--data', r.data.path);
  if (r.testData) args.push('--test-data', r.testData.path);
  if (r.trainSize) args.push('--train-size', String(r.trainSize));
  const s = r.settings ?? {};
  if (r.data && (r.data.inputKey !== 'x' || r.data.labelKey !== 'y')) args.push('--data-keys', `${r.data.inputKey},${r.data.labelKey}`);
  if (s.provider && s.provider !== D.provider) args.push('--provider', String(s.provider));
  if (s.precision && s.precision !== D.precision) args.push('--precision', String(s.precision));
  if (s.seed != null && s.seed !== D.seed) args.push('--seed', String(s.seed));
  if (s.delta != null && s.delta !== D.delta) args.push('--delta', String(s.delta));
  if (s.mcDraws != null && s.mcDraws !== D.mcDraws) args.push('--mc-draws', String(s.mcDraws));
  if (typeof s.inputShapes === 'string' && s.inputShapes) for (const spec of s.inputShapes.split(' ')) args.push('--input-shape', spec);
  if (s.convExact === false) args.push('--no-conv-exact');
  if (s.convWeightWatcher === true) args.push('--conv-ww');
  if (s.randomize === false) args.push('--no-randomize');
  if (s.randomizeExact === true) args.push('--randomize-exact');
  if (s.foldBatchNorm === false) args.push('--no-fold-bn');
  // the landscape is not in `settings`; read its grid back from the report (CLI default: DEFAULTS.landscapePoints, 1-D)
  if (r.data && !r.runtime?.error) {
    if (!r.landscape) args.push('--landscape', '0');
    else if (r.landscape.alphas.length !== D.landscapePoints) args.push('--landscape', String(r.landscape.alphas.length));
    if (r.landscape?.loss2d) args.push('--landscape-2d');
  }
  args.push('--json');
  return args.map(shellQuote).join(' ');
}
