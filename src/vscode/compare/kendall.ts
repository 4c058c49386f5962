// Kendall's τ-b (with ties), the rank correlation Jiang et al. 2020 use to judge measures against the
// generalization gap. Pure; O(n²), n = checkpoints.

export function kendallTauB(x: readonly number[], y: readonly number[]): number | null {
  const n = Math.min(x.length, y.length);
  let concordant = 0;
  let discordant = 0;
  let tiesX = 0;
  let tiesY = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[i] - x[j]);
      const dy = Math.sign(y[i] - y[j]);
      if (dx === 0 && dy === 0) continue;
      if (dx === 0) tiesX++;
      else if (dy === 0) tiesY++;
      else if (dx === dy) concordant++;
      else discordant++;
    }
  }
  const denom = Math.sqrt((concordant + discordant + tiesX) * (concordant + discordant + tiesY));
  return denom > 0 ? (concordant - discordant) / denom : null;
}

/** Per-checkpoint values from a metrics file: CSV (header row; a name column and a numeric column) or JSON ({name: value} or [{…}]). */
export function parseMetricsFile(text: string, fileName: string): { column: string; values: Record<string, number> } {
  const trimmed = text.trim();
  const values: Record<string, number> = {};
  let column = '';
  const key = (s: string) => s.trim().replace(/^.*[\\/]/, '').replace(/\.onnx$/i, '');
  if (fileName.toLowerCase().endsWith('.json') || trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const data = JSON.parse(trimmed) as unknown;
    const rows: Record<string, unknown>[] = Array.isArray(data)
      ? (data as Record<string, unknown>[])
      : Object.entries(data as Record<string, unknown>).map(([k, v]) => (typeof v === 'number' ? { checkpoint: k, value: v } : { checkpoint: k, ...(v as object) }));
    for (const r of rows) {
      const name = String(r.checkpoint ?? r.name ?? r.file ?? r.path ?? '');
      const numeric = Object.entries(r).find(([k, v]) => typeof v === 'number' && !['epoch', 'step'].includes(k));
      if (!name || !numeric) continue;
      column ||= numeric[0];
      values[key(name)] = numeric[1] as number;
    }
  } else {
    const lines = trimmed.split(/\r?\n/).filter((l) => l.trim());
    const header = lines[0].split(',').map((h) => h.trim());
    const nameCol = header.findIndex((h) => /checkpoint|name|file|path|model/i.test(h));
    const valueCol = header.findIndex((h, i) => i !== nameCol && /acc|loss|error|gap|value/i.test(h));
    if (nameCol < 0 || valueCol < 0) throw new Error(`${fileName}: needs a header with a checkpoint/name column and an accuracy/loss/error/gap column (got: ${header.join(', ')})`);
    column = header[valueCol];
    for (const l of lines.slice(1)) {
      const cells = l.split(',');
      const v = Number(cells[valueCol]);
      if (cells[nameCol] && Number.isFinite(v)) values[key(cells[nameCol])] = v;
    }
  }
  if (!Object.keys(values).length) throw new Error(`${fileName}: no per-checkpoint numbers found`);
  return { column, values };
}

/** Natural ordering of checkpoints: by the epoch number in the name, then by modification time. */
export function orderCheckpoints<T extends { label: string; epoch: number | null; mtime: number }>(xs: T[]): T[] {
  return xs.slice().sort((a, b) => {
    if (a.epoch !== null && b.epoch !== null && a.epoch !== b.epoch) return a.epoch - b.epoch;
    if (a.mtime !== b.mtime) return a.mtime - b.mtime;
    return a.label.localeCompare(b.label, undefined, { numeric: true });
  });
}
