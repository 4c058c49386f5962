// The `sweep` and `collect` commands of the CLI: argument parsing and output around src/cli/sweep.ts.
import { resolve } from 'node:path';
import { CancelledError } from '../protocol/cancelled';
import { parseArgs, UsageError } from './main';
import { onInterrupt } from './signals';
import { collectReports, readPlan, resolveShard, runSweep, SWEEP_USAGE, SweepError, sweepSummary, tauTable, toJsonLines, toTableCsv, writeAtomic } from './sweep';


function value(flag: string, v: string | undefined): string {
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  return v;
}

/** theory-lens sweep …: exit 0 when every checkpoint of the shard has a report, 1 when some failed, 2 on bad arguments or plan. */
export async function sweepMain(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let plan: string | undefined;
  let outDir: string | undefined;
  let shardFlag: string | undefined;
  let shards: number | undefined;
  let quiet = false;
  const rest: string[] = [];
  try {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (a === '--out' || a === '-o') outDir = resolve(value(a, argv[++i]));
      else if (a === '--shard') shardFlag = value(a, argv[++i]);
      else if (a === '--shards') {
        const v = value(a, argv[++i]);
        shards = Number(v);
        if (!Number.isInteger(shards) || shards < 1) throw new UsageError(`--shards must be a positive integer, not '${v}'`);
      } else if (a === '--quiet' || a === '-q') quiet = true;
      else if (a === '--json' || a === '--csv' || a === '--markdown') throw new UsageError(`${a} does not apply to sweep: every report is written as JSON into --out DIR`);
      else if (!a.startsWith('-') && plan === undefined) plan = a;
      else {
        rest.push(a);
        // an option's value travels with it
        if (a.startsWith('--') && argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') && !/^--(no-|landscape-2d|conv-ww|weights-only)/.test(a)) rest.push(argv[++i]);
      }
    }
    if (!plan) throw new UsageError('sweep needs a PLAN (a glob or a file listing checkpoints)');
    if (!outDir) throw new UsageError('sweep needs --out DIR (the folder the reports go to)');
    const shard = resolveShard(shardFlag, shards);
    const entries = readPlan(plan);
    const options = parseArgs(['analyze', entries[0].model, ...rest]).options!;
    const { model: _model, ...shared } = options;
    const ac = new AbortController();
    const offInterrupt = onInterrupt(['SIGINT', 'SIGTERM'], () => ac.abort());
    try {
      const r = await runSweep(entries, outDir, shard, shared, quiet ? undefined : err, ac.signal);
      out(sweepSummary(r, outDir));
      return r.failed.length ? 1 : 0;
    } finally {
      offInterrupt();
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`theory-lens sweep: ${e.message}\n\nUsage:\n${SWEEP_USAGE}`);
      return 2;
    }
    if (e instanceof SweepError) {
      err(`theory-lens sweep: ${e.message}`);
      return 2;
    }
    if (e instanceof CancelledError) {
      err('theory-lens sweep: cancelled (finished reports are kept; run again to resume)');
      return 1;
    }
    throw e;
  }
}

/** theory-lens collect …: exit 0 when the table is written (failed checkpoints are rows with an error), 2 on bad arguments. */
export async function collectMain(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let dir: string | undefined;
  let metrics: string | undefined;
  let column: string | undefined;
  let prefix: string | undefined;
  try {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (a === '--metrics') metrics = resolve(value(a, argv[++i]));
      else if (a === '--column') column = value(a, argv[++i]);
      else if (a === '--out' || a === '-o') prefix = resolve(value(a, argv[++i]));
      else if (!a.startsWith('-') && dir === undefined) dir = resolve(a);
      else throw new UsageError(`unknown argument to collect: ${a}`);
    }
    if (!dir) throw new UsageError('collect needs the sweep\'s output folder');
    const c = collectReports(dir);
    const base = prefix ?? resolve(dir, 'collected');
    writeAtomic(`${base}.csv`, toTableCsv(c.columns, c.rows));
    writeAtomic(`${base}.jsonl`, toJsonLines(c.columns, c.rows));
    const lines = [`theory-lens collect: ${c.reports.length} report${c.reports.length === 1 ? '' : 's'}${c.failed.length ? `, ${c.failed.length} failed checkpoint${c.failed.length === 1 ? '' : 's'}` : ''} → ${base}.csv, ${base}.jsonl`];
    if (metrics) {
      const { tau, notes } = tauTable(c, metrics, column);
      const cols = ['id', 'name', 'tau', 'n', 'expected', 'agrees'];
      writeAtomic(`${base}.kendall.csv`, toTableCsv(cols, tau.rows as unknown as Record<string, unknown>[]));
      lines.push(`Kendall τ-b against ${tau.column} (${tau.matched} checkpoints matched in ${tau.file}) → ${base}.kendall.csv`);
      for (const r of tau.rows) lines.push(`  ${(r.tau === null ? '—' : r.tau.toFixed(3)).padStart(7)}  n=${r.n}  ${r.expected === 0 ? ' ' : r.agrees ? '✓' : '✗'}  ${r.name}`);
      for (const n of notes) lines.push(`  note: ${n}`);
    }
    out(lines.join('\n'));
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`theory-lens collect: ${e.message}\n\nUsage:\n${SWEEP_USAGE}`);
      return 2;
    }
    if (e instanceof SweepError || (e instanceof Error && /^\//.test(e.message))) {
      err(`theory-lens collect: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
