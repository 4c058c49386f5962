// How checkpoints of a run are ordered: by the epoch/step number in their names (`epoch_05` <
// `epoch_10` < `epoch_100`, whatever the zero padding), else by modification time. Pure; shared by
// the comparison view and the CodeLens ("newest checkpoint").

/** The epoch/step number in a checkpoint's file name: its last run of digits (`epoch_05.onnx` → 5). */
export function epochOf(fileName: string): number | null {
  const base = fileName.replace(/^.*[\\/]/, '').replace(/\.onnx$/i, '').replace(/\.init$/i, '');
  const m = /(\d+)(?!.*\d)/.exec(base);
  return m ? Number(m[1]) : null;
}

/** Natural string order: digit runs compare as numbers (`e2` < `e10`), then case-insensitively. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' }) || (a < b ? -1 : a > b ? 1 : 0);
}

export interface Orderable {
  /** File name or path; the epoch number is read from its base name. */
  path: string;
  mtime: number;
}

/**
 * Oldest first. When every name carries a number, the names decide (natural order, so the epoch
 * number counts and equal stems group together); otherwise the modification time does, ties broken
 * by name. `*.init.onnx` (the initial weights) always comes first.
 */
export function orderCheckpoints<T extends Orderable>(xs: readonly T[]): T[] {
  const base = (p: string) => p.replace(/^.*[\\/]/, '');
  const isInit = (x: T) => /\.init\.onnx$/i.test(x.path);
  const numbered = xs.filter((x) => !isInit(x)).every((x) => epochOf(base(x.path)) !== null);
  return xs.slice().sort((a, b) => {
    if (isInit(a) !== isInit(b)) return isInit(a) ? -1 : 1;
    if (numbered) return naturalCompare(base(a.path), base(b.path)) || naturalCompare(a.path, b.path);
    return a.mtime - b.mtime || naturalCompare(base(a.path), base(b.path)) || naturalCompare(a.path, b.path);
  });
}
