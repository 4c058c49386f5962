// Per-checkpoint metrics the user supplies (test accuracy, test loss, generalization gap …) to rank
// the measures by Kendall τ against: CSV with a header row, or JSON. Rows are keyed by checkpoint
// name (`epoch_05`, `epoch_05.onnx`, `run/epoch_05.onnx`) or by epoch number. Pure; errors name the
// file and say what is wrong.
//   CSV:  checkpoint,test_acc,test_loss        or  epoch,test_acc
//   JSON: {"epoch_05": 0.74, …}  |  {"epoch_05": {"test_acc": 0.74}, …}  |  [{"checkpoint": "epoch_05", "test_acc": 0.74}, …]
import { epochOf } from './checkpointOrder';

export interface MetricsRow {
  /** Checkpoint name without folder and `.onnx`, or null when the row is keyed by epoch. */
  name: string | null;
  epoch: number | null;
  values: Record<string, number | null>;
}

export interface MetricsTable {
  file: string;
  keyColumn: string;
  /** Numeric columns, in file order. */
  columns: string[];
  rows: MetricsRow[];
}

const NAME_KEYS = /^(checkpoint|ckpt|checkpoint_?name|name|file|filename|file_?name|path|model)$/i;
const EPOCH_KEYS = /^(epoch|epochs|step|steps|iter|iteration|global_?step)$/i;

const stripName = (s: string) => s.trim().replace(/^.*[\\/]/, '').replace(/\.onnx$/i, '');

/** Splits one CSV line (RFC 4180 quotes, `""` inside quotes). */
export function splitCsvLine(line: string, sep = ','): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string' || !v.trim()) return null;
  const t = v.trim().replace(/%$/, '');
  const n = Number(t);
  if (!Number.isFinite(n)) return null;
  return v.trim().endsWith('%') ? n / 100 : n;
}

function fromRecords(file: string, records: Record<string, unknown>[], keyHint?: string): MetricsTable {
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const keyColumn = keyHint ?? keys.find((k) => NAME_KEYS.test(k)) ?? keys.find((k) => EPOCH_KEYS.test(k));
  if (!keyColumn) {
    throw new Error(`${file}: no column names the checkpoint — expected one of checkpoint, name, file, path, model or epoch, step (found: ${keys.join(', ') || 'nothing'})`);
  }
  const byEpoch = EPOCH_KEYS.test(keyColumn);
  const columns = keys.filter((k) => k !== keyColumn && !EPOCH_KEYS.test(k) && !NAME_KEYS.test(k) && records.some((r) => toNumber(r[k]) !== null));
  if (!columns.length) throw new Error(`${file}: no numeric column besides ${keyColumn} (found: ${keys.join(', ')})`);
  const rows: MetricsRow[] = [];
  for (const r of records) {
    const key = r[keyColumn];
    if (key === undefined || key === null || key === '') continue;
    const values = Object.fromEntries(columns.map((c) => [c, toNumber(r[c])]));
    if (byEpoch) {
      const e = toNumber(key);
      if (e !== null) rows.push({ name: null, epoch: e, values });
    } else {
      const name = stripName(String(key));
      rows.push({ name, epoch: epochOf(name), values });
    }
  }
  if (!rows.length) throw new Error(`${file}: no rows with a ${keyColumn}`);
  return { file, keyColumn, columns, rows };
}

export function parseMetricsFile(text: string, file: string): MetricsTable {
  const t = text.replace(/^\uFEFF/, '').trim();
  if (!t) throw new Error(`${file}: the file is empty`);
  if (/\.json$/i.test(file) || t.startsWith('{') || t.startsWith('[')) {
    let data: unknown;
    try {
      data = JSON.parse(t);
    } catch (e) {
      throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
    }
    if (Array.isArray(data)) {
      if (!data.every((r) => r && typeof r === 'object' && !Array.isArray(r))) throw new Error(`${file}: a JSON array must hold one object per checkpoint`);
      return fromRecords(file, data as Record<string, unknown>[]);
    }
    if (data && typeof data === 'object') {
      const entries = Object.entries(data as Record<string, unknown>);
      const records = entries.map(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? { checkpoint: k, ...(v as object) } : { checkpoint: k, value: v }));
      return fromRecords(file, records, 'checkpoint');
    }
    throw new Error(`${file}: expected a JSON object or array`);
  }
  const lines = t.split(/\r?\n/).filter((l) => l.trim() && !l.trimStart().startsWith('#'));
  const sep = lines[0].includes(',') ? ',' : lines[0].includes('\t') ? '\t' : lines[0].includes(';') ? ';' : ',';
  const header = splitCsvLine(lines[0], sep);
  if (header.every((h) => toNumber(h) !== null)) throw new Error(`${file}: the first line must be a header (e.g. checkpoint,test_acc)`);
  if (lines.length < 2) throw new Error(`${file}: no rows under the header (${header.join(', ')})`);
  const records = lines.slice(1).map((l) => {
    const cells = splitCsvLine(l, sep);
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
  return fromRecords(file, records);
}

/** The row for a checkpoint: by name (file name without `.onnx`), else by epoch number for epoch-keyed tables. */
export function metricsRowFor(table: MetricsTable, checkpointPath: string): MetricsRow | undefined {
  const name = stripName(checkpointPath);
  const byName = table.rows.find((r) => r.name !== null && r.name === name);
  if (byName) return byName;
  const e = epochOf(name);
  return e === null ? undefined : table.rows.find((r) => r.name === null && r.epoch === e);
}

/** Whether larger values of a metric column mean better generalization (+1: accuracy), worse (−1: loss, error, gap), or unknown (0). */
export function columnOrientation(column: string): 1 | -1 | 0 {
  if (/loss|err|gap|nll|perplex|ppl|cross.?entropy/i.test(column)) return -1;
  if (/acc|auc|f1|top.?[15]|score|precision|recall/i.test(column)) return 1;
  return 0;
}

/** The column to use by default: a test accuracy, then any test metric, then the first. */
export function defaultColumn(table: MetricsTable): string {
  const c = table.columns;
  return c.find((x) => /test|val/i.test(x) && /acc/i.test(x)) ?? c.find((x) => /test|val/i.test(x)) ?? c.find((x) => /acc|loss|err|gap/i.test(x)) ?? c[0];
}
