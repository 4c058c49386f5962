// `theory-lens sweep PLAN` and `theory-lens collect OUT_DIR`: analyses of many checkpoints spread over
// the job arrays research clusters already run (a Slurm job array, a Kubernetes Indexed Job), with no
// scheduler of our own. Each task runs one shard of the plan and writes one report per checkpoint into a
// shared output folder (temp file + rename, so a report is either complete or absent); a re-queued task
// skips what is already there. `collect` merges the reports into one table and, with a metrics file,
// the Kendall τ table of the comparison view (the same code: buildComparison).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { AnalyzeOptions } from '../protocol/worker';
import type { Report } from '../protocol/report';
import { analyze } from '../engine/analyze';
import { CancelledError } from '../engine/pool';
import { buildComparison } from '../report/comparison';
import { epochOf, naturalCompare } from '../workspace/checkpointOrder';
import { defaultColumn, parseMetricsFile, splitCsvLine } from '../workspace/metricsFile';

export class SweepError extends Error {}

/** Usage lines of sweep and collect (part of the CLI's usage text). */
export const SWEEP_USAGE = `  theory-lens sweep PLAN --out DIR [--shard i/N | --shards N] [analyze options]
                          analyse one shard of a plan (a glob such as 'runs/**/*.onnx', or a CSV / JSON-lines /
                          text file listing checkpoints with optional init, probe, test, train_size, id) into DIR,
                          one DIR/<id>.json per checkpoint; finished reports are skipped. The shard comes from
                          --shard i/N, else SLURM_ARRAY_TASK_ID (count: SLURM_ARRAY_TASK_COUNT or --shards), else
                          JOB_COMPLETION_INDEX (Kubernetes Indexed Job; count: --shards), else the whole plan
  theory-lens collect DIR [--metrics FILE] [--column NAME] [--out PREFIX]
                          merge DIR's reports into PREFIX.csv and PREFIX.jsonl (default DIR/collected); with a
                          metrics file, also Kendall τ of every measure against its column (PREFIX.kendall.csv)`;

/** One checkpoint of a plan, with what its analysis needs beyond the shared options. */
export interface PlanEntry {
  /** Report file name (without .json): unique within the plan. */
  id: string;
  model: string;
  init?: string;
  data?: string;
  testData?: string;
  trainSize?: number;
}

// ------------------------------------------------------------------------------------------ glob --

/** Whether a path segment holds glob syntax (* ? [ ]). */
const isGlob = (s: string) => /[*?[\]]/.test(s);

/** One glob segment as a regular expression: * = any run within the name, ? = one character, [...] a class. */
function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*') re += '[^/\\\\]*';
    else if (c === '?') re += '[^/\\\\]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${seg.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Files matching `pattern` (relative to cwd or absolute): `*`, `?`, `[abc]` within a path segment and
 * `**` for any number of folders. Hidden names match only a pattern segment that starts with a dot.
 * Sorted in natural order (`epoch_5` before `epoch_10`).
 */
export function expandGlob(pattern: string, cwd = process.cwd()): string[] {
  const abs = isAbsolute(pattern) ? pattern : join(cwd, pattern);
  const parts = abs.split(/[\\/]+/);
  let i = 0;
  while (i < parts.length && !isGlob(parts[i])) i++;
  const base = parts.slice(0, i).join(sep) || sep;
  if (i === parts.length) return existsSync(base) && statSync(base).isFile() ? [base] : [];
  const out: string[] = [];
  const walk = (dir: string, k: number): void => {
    if (k === parts.length) return;
    const seg = parts[k];
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    if (seg === '**') {
      walk(dir, k + 1); // zero folders
      for (const n of names) {
        if (n.startsWith('.')) continue;
        const p = join(dir, n);
        if (statSync(p).isDirectory()) walk(p, k);
      }
      return;
    }
    const re = segmentRegex(seg);
    for (const n of names) {
      if (n.startsWith('.') && !seg.startsWith('.')) continue;
      if (!re.test(n)) continue;
      const p = join(dir, n);
      const st = statSync(p);
      if (k === parts.length - 1) {
        if (st.isFile()) out.push(p);
      } else if (st.isDirectory()) walk(p, k + 1);
    }
  };
  walk(base, i);
  return [...new Set(out)].sort(naturalCompare);
}

// ------------------------------------------------------------------------------------------ plan --

const KEY = {
  model: /^(checkpoint|ckpt|model|path|file|onnx)$/i,
  init: /^(init|init_?checkpoint|reference)$/i,
  data: /^(probe|data|probe_?data|train_?data)$/i,
  testData: /^(test|test_?data|test_?probe)$/i,
  trainSize: /^(train_?size|m|n_?train)$/i,
  id: /^(id|name|report)$/i,
};

/** A report id from a path relative to the plan's base folder: folders joined by `__`, `.onnx` dropped. */
export function reportId(model: string, base: string): string {
  const rel = relative(base, model);
  const r = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : basename(model);
  return r.replace(/\.onnx$/i, '').split(/[\\/]+/).join('__').replace(/[^\w.@+=-]/g, '_');
}

/** The deepest folder holding every path. */
function commonFolder(paths: string[]): string {
  if (!paths.length) return process.cwd();
  let parts = dirname(paths[0]).split(sep);
  for (const p of paths.slice(1)) {
    const q = dirname(p).split(sep);
    let n = 0;
    while (n < parts.length && n < q.length && parts[n] === q[n]) n++;
    parts = parts.slice(0, n);
  }
  return parts.join(sep) || sep;
}

function entryFrom(rec: Record<string, unknown>, where: string, planDir: string): Omit<PlanEntry, 'id'> & { id?: string } {
  const get = (re: RegExp) => {
    const k = Object.keys(rec).find((x) => re.test(x.trim()));
    const v = k === undefined ? undefined : rec[k];
    return v === undefined || v === null || String(v).trim() === '' ? undefined : String(v).trim();
  };
  const file = (re: RegExp, what: string) => {
    const v = get(re);
    if (v === undefined) return undefined;
    const p = resolve(planDir, v);
    if (!existsSync(p) || !statSync(p).isFile()) throw new SweepError(`${where}: ${what} ${v} does not exist`);
    return p;
  };
  const model = file(KEY.model, 'checkpoint');
  if (!model) throw new SweepError(`${where}: no checkpoint (a column or key named checkpoint, model or path)`);
  const ts = get(KEY.trainSize);
  let trainSize: number | undefined;
  if (ts !== undefined) {
    trainSize = Number(ts);
    if (!Number.isInteger(trainSize) || trainSize < 1) throw new SweepError(`${where}: train size '${ts}' is not a positive integer`);
  }
  const id = get(KEY.id);
  return {
    model, ...(id ? { id: id.replace(/[^\w.@+=-]/g, '_') } : {}),
    ...(file(KEY.init, 'init') ? { init: file(KEY.init, 'init') } : {}),
    ...(file(KEY.data, 'probe') ? { data: file(KEY.data, 'probe') } : {}),
    ...(file(KEY.testData, 'test probe') ? { testData: file(KEY.testData, 'test probe') } : {}),
    ...(trainSize ? { trainSize } : {}),
  };
}

/**
 * The checkpoints of a plan, in plan order: a glob (`runs/**\/epoch_*.onnx`), or a file listing them —
 * CSV with a header (checkpoint[,init][,probe][,test][,train_size][,id]), JSON lines (one object with
 * those keys per line, `.jsonl`/`.ndjson`), or plain text (one path per line; `#` comments). Relative
 * paths in a file resolve against the file's folder. Ids (report names) come from the `id` column or
 * the path relative to the checkpoints' common folder; two entries with one id are an error.
 */
export function readPlan(plan: string, cwd = process.cwd()): PlanEntry[] {
  const p = resolve(cwd, plan);
  let raw: (Omit<PlanEntry, 'id'> & { id?: string })[];
  if (existsSync(p) && statSync(p).isFile() && !/\.onnx$/i.test(p)) {
    const text = readFileSync(p, 'utf8').replace(/^\uFEFF/, '');
    const dir = dirname(p);
    const lines = text.split(/\r?\n/).map((l, i) => ({ l: l.trim(), n: i + 1 })).filter((x) => x.l && !x.l.startsWith('#'));
    const ext = extname(p).toLowerCase();
    if (ext === '.jsonl' || ext === '.ndjson' || (ext !== '.csv' && lines[0]?.l.startsWith('{'))) {
      raw = lines.map(({ l, n }) => {
        let rec: unknown;
        try {
          rec = JSON.parse(l);
        } catch (e) {
          throw new SweepError(`${plan}:${n}: not valid JSON (${(e as Error).message})`);
        }
        if (!rec || typeof rec !== 'object' || Array.isArray(rec)) throw new SweepError(`${plan}:${n}: expected one JSON object per line`);
        return entryFrom(rec as Record<string, unknown>, `${plan}:${n}`, dir);
      });
    } else if (ext === '.csv' || (lines[0] && splitCsvLine(lines[0].l).some((h) => KEY.model.test(h)))) {
      if (!lines.length) throw new SweepError(`${plan}: the plan is empty`);
      const header = splitCsvLine(lines[0].l);
      if (!header.some((h) => KEY.model.test(h))) throw new SweepError(`${plan}: the header (${header.join(', ')}) has no checkpoint column (checkpoint, model or path)`);
      raw = lines.slice(1).map(({ l, n }) => {
        const cells = splitCsvLine(l);
        return entryFrom(Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])), `${plan}:${n}`, dir);
      });
    } else {
      raw = lines.map(({ l, n }) => entryFrom({ checkpoint: l }, `${plan}:${n}`, dir));
    }
  } else {
    raw = expandGlob(plan, cwd).filter((f) => /\.onnx$/i.test(f)).map((model) => ({ model }));
    if (!raw.length) throw new SweepError(`${plan}: no .onnx file matches${existsSync(p) ? '' : ' (and no such plan file)'}`);
  }
  if (!raw.length) throw new SweepError(`${plan}: the plan lists no checkpoint`);
  const base = commonFolder(raw.map((e) => e.model));
  const seen = new Map<string, string>();
  return raw.map((e) => {
    const id = e.id ?? reportId(e.model, base);
    const other = seen.get(id);
    if (other) throw new SweepError(`${plan}: two entries would write the report ${id}.json (${other} and ${e.model}); give them distinct ids (an id column)`);
    seen.set(id, e.model);
    return { ...e, id };
  });
}

// ----------------------------------------------------------------------------------------- shard --

export interface Shard {
  index: number;
  count: number;
  /** Where index and count came from (for the summary line). */
  source: string;
}

/**
 * This task's shard: `--shard i/N` (0-based i), else the task index of a Slurm job array
 * (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN, count SLURM_ARRAY_TASK_COUNT or --shards) or of a
 * Kubernetes Indexed Job (JOB_COMPLETION_INDEX, count from --shards), else the whole plan (0/1).
 */
export function resolveShard(flag: string | undefined, shards: number | undefined, env: NodeJS.ProcessEnv = process.env): Shard {
  const int = (v: string | undefined, what: string) => {
    const n = Number(v);
    if (v === undefined || v.trim() === '' || !Number.isInteger(n) || n < 0) throw new SweepError(`${what} '${v ?? ''}' is not a non-negative integer`);
    return n;
  };
  let index: number;
  let count: number | undefined;
  let source: string;
  if (flag !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(flag.trim());
    if (!m) throw new SweepError(`--shard must be i/N with 0 ≤ i < N (e.g. 0/8), not '${flag}'`);
    index = Number(m[1]);
    count = Number(m[2]);
    source = '--shard';
  } else if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    index = int(env.SLURM_ARRAY_TASK_ID, 'SLURM_ARRAY_TASK_ID') - (env.SLURM_ARRAY_TASK_MIN !== undefined ? int(env.SLURM_ARRAY_TASK_MIN, 'SLURM_ARRAY_TASK_MIN') : 0);
    count = shards ?? (env.SLURM_ARRAY_TASK_COUNT !== undefined ? int(env.SLURM_ARRAY_TASK_COUNT, 'SLURM_ARRAY_TASK_COUNT') : undefined);
    source = 'SLURM_ARRAY_TASK_ID';
    if (count === undefined) throw new SweepError('SLURM_ARRAY_TASK_ID is set but neither --shards nor SLURM_ARRAY_TASK_COUNT says how many shards there are');
  } else if (env.JOB_COMPLETION_INDEX !== undefined) {
    index = int(env.JOB_COMPLETION_INDEX, 'JOB_COMPLETION_INDEX');
    count = shards;
    source = 'JOB_COMPLETION_INDEX';
    if (count === undefined) throw new SweepError('JOB_COMPLETION_INDEX is set: pass --shards N (the Job\'s completions) to say how many shards there are');
  } else {
    index = 0;
    count = shards ?? 1;
    source = 'default';
  }
  if (!(count >= 1)) throw new SweepError(`the number of shards must be ≥ 1, not ${count}`);
  if (!(index < count)) throw new SweepError(`shard index ${index} (from ${source}) is not below the shard count ${count}`);
  return { index, count, source };
}

/** The entries of a shard: every count-th entry from the index-th (round robin, so runs of similar checkpoints spread evenly). */
export function shardOf<T>(entries: readonly T[], shard: Shard): T[] {
  return entries.filter((_, i) => i % shard.count === shard.index);
}

// ----------------------------------------------------------------------------------------- sweep --

/** Writes `text` to `file` atomically: a temp file in the same folder, then rename over the target. */
export function writeAtomic(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** A finished report for this entry is in the folder (written whole by a previous or concurrent task). */
function done(file: string, entry: PlanEntry): boolean {
  if (!existsSync(file)) return false;
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as Partial<Report>;
    return typeof r.schemaVersion === 'number' && resolve(r.model?.path ?? '') === resolve(entry.model);
  } catch {
    return false; // unreadable: analyse again and replace it
  }
}

export interface SweepResult {
  shard: Shard;
  planned: number;
  analysed: string[];
  skipped: string[];
  failed: { id: string; error: string }[];
  seconds: number;
}

/**
 * Runs one shard of `entries` into `outDir`: `<id>.json` per checkpoint (the CLI's JSON report), or
 * `<id>.failed.json` ({ model, error }) when its analysis fails (removed once it succeeds).
 */
export async function runSweep(
  entries: readonly PlanEntry[], outDir: string, shard: Shard, options: Omit<AnalyzeOptions, 'model'>,
  log: (line: string) => void = () => {}, signal?: AbortSignal,
): Promise<SweepResult> {
  const t0 = performance.now();
  mkdirSync(outDir, { recursive: true });
  const mine = shardOf(entries, shard);
  const res: SweepResult = { shard, planned: mine.length, analysed: [], skipped: [], failed: [], seconds: 0 };
  for (const [k, e] of mine.entries()) {
    if (signal?.aborted) throw new CancelledError();
    const file = join(outDir, `${e.id}.json`);
    const failedFile = join(outDir, `${e.id}.failed.json`);
    const tag = `[${k + 1}/${mine.length}] ${e.id}`;
    if (done(file, e)) {
      res.skipped.push(e.id);
      log(`${tag}: already done`);
      continue;
    }
    const t = performance.now();
    try {
      const report = await analyze({
        ...options, model: e.model,
        ...(e.init ? { init: e.init } : {}), ...(e.data ? { data: e.data } : {}), ...(e.testData ? { testData: e.testData } : {}),
        ...(e.trainSize ? { trainSize: e.trainSize } : {}),
      }, { signal });
      writeAtomic(file, JSON.stringify(report, null, 2) + '\n');
      rmSync(failedFile, { force: true });
      res.analysed.push(e.id);
      log(`${tag}: analysed in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    } catch (err) {
      if (err instanceof CancelledError || signal?.aborted) throw new CancelledError();
      const message = (err as Error).message;
      writeAtomic(failedFile, JSON.stringify({ id: e.id, model: e.model, error: message }, null, 2) + '\n');
      res.failed.push({ id: e.id, error: message });
      log(`${tag}: failed: ${message}`);
    }
  }
  res.seconds = (performance.now() - t0) / 1000;
  return res;
}

export function sweepSummary(r: SweepResult, outDir: string): string {
  return `theory-lens sweep: shard ${r.shard.index}/${r.shard.count} (${r.shard.source}): ${r.planned} checkpoint${r.planned === 1 ? '' : 's'} — ` +
    `${r.analysed.length} analysed, ${r.skipped.length} already done, ${r.failed.length} failed in ${r.seconds.toFixed(1)} s → ${outDir}` +
    (r.failed.length ? `; failed: ${r.failed.map((f) => f.id).join(', ')}` : '');
}

// --------------------------------------------------------------------------------------- collect --

export interface Collected {
  /** Column names: id, checkpoint, init, layers, parameters, then every measure and bound id, then error. */
  columns: string[];
  rows: Record<string, string | number | null>[];
  reports: { id: string; report: Report }[];
  failed: { id: string; model: string; error: string }[];
}

/** Reads every `<id>.json` report and `<id>.failed.json` of a sweep folder into one table, rows in natural order of id. */
export function collectReports(outDir: string): Collected {
  if (!existsSync(outDir) || !statSync(outDir).isDirectory()) throw new SweepError(`${outDir}: no such folder`);
  const names = readdirSync(outDir).filter((f) => f.endsWith('.json') && !f.startsWith('.')).sort(naturalCompare);
  const reports: Collected['reports'] = [];
  const failed: Collected['failed'] = [];
  for (const f of names) {
    const p = join(outDir, f);
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(p, 'utf8'));
    } catch (e) {
      throw new SweepError(`${p}: not valid JSON (${(e as Error).message})`);
    }
    const d = data as Partial<Report> & { error?: string; model?: unknown };
    if (f.endsWith('.failed.json')) {
      if (typeof d.error === 'string') failed.push({ id: f.slice(0, -'.failed.json'.length), model: String(d.model ?? ''), error: d.error });
      continue;
    }
    if (typeof d.schemaVersion !== 'number' || !d.measures || !d.model) continue; // not a report (e.g. a file of the user's)
    reports.push({ id: f.slice(0, -'.json'.length), report: d as Report });
  }
  const ids = new Set(reports.map((r) => r.id));
  const liveFailed = failed.filter((f) => !ids.has(f.id));
  const measureIds: string[] = [];
  const boundIds: string[] = [];
  for (const { report } of reports) {
    for (const id of Object.keys(report.measures)) if (!measureIds.includes(id)) measureIds.push(id);
    for (const b of report.bounds ?? []) if (!boundIds.includes(b.id)) boundIds.push(b.id);
  }
  const columns = ['id', 'checkpoint', 'init', 'layers', 'parameters', ...measureIds, ...boundIds.map((b) => `bound:${b}`), 'error'];
  const rows: Collected['rows'] = [];
  for (const { id, report } of reports) {
    const row: Record<string, string | number | null> = {
      id, checkpoint: report.model.path, init: report.init?.path ?? null, layers: report.layers.length, parameters: report.model.parameters,
    };
    for (const m of measureIds) row[m] = report.measures[m]?.value ?? null;
    for (const b of boundIds) row[`bound:${b}`] = report.bounds.find((x) => x.id === b)?.value ?? null;
    row.error = null;
    rows.push(row);
  }
  for (const f of liveFailed) rows.push({ ...Object.fromEntries(columns.map((c) => [c, null])), id: f.id, checkpoint: f.model, error: f.error });
  rows.sort((a, b) => naturalCompare(String(a.id), String(b.id)));
  return { columns, rows, reports, failed: liveFailed };
}

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function toTableCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  return [columns.map(csvCell).join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

export function toJsonLines(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  return rows.map((r) => JSON.stringify(Object.fromEntries(columns.map((c) => [c, r[c] ?? null])))).join('\n') + (rows.length ? '\n' : '');
}

/** Kendall τ-b of every measure and bound against a metrics-file column: the comparison view's table. */
export function tauTable(c: Collected, metricsFile: string, column?: string) {
  const table = parseMetricsFile(readFileSync(metricsFile, 'utf8'), metricsFile);
  const col = column ?? defaultColumn(table);
  if (!table.columns.includes(col)) throw new SweepError(`${metricsFile}: no column ${col} (columns: ${table.columns.join(', ')})`);
  const reports = c.reports.map((r) => r.report);
  const comparison = buildComparison({
    columns: reports.map((r) => ({ path: r.model.path, label: basename(r.model.path).replace(/\.onnx$/i, ''), group: dirname(r.model.path), epoch: epochOf(r.model.path), state: 'done' as const })),
    reports, steps: [], metrics: { table, column: col },
  });
  return { tau: comparison.tau!, notes: comparison.notes };
}
