// Reports cached per (file, size, mtime, options): reopening a checkpoint that has not changed is
// instant, and any change — of the file, of a setting, or of the init checkpoint / probe data it was
// analysed with (their size and mtime are part of the key) — misses. A few option sets are kept per
// file (the comparison view analyses a checkpoint against its predecessor, the panel with defaults).
// No `vscode` import: unit-tested in plain Node.
import { statSync } from 'node:fs';
import type { Report } from '../protocol/report';
import type { AnalyzeOptions } from '../protocol/worker';

/** Size and mtime of a file, or null when it cannot be read. */
export function stamp(path: string | undefined): [number, number] | null {
  if (!path) return null;
  try {
    const st = statSync(path);
    return [st.size, st.mtimeMs];
  } catch {
    return null;
  }
}

/** The key of an analysis: the options and the (size, mtime) of every file they name. */
export function cacheKey(options: AnalyzeOptions): string {
  return JSON.stringify({ options, model: stamp(options.model), init: stamp(options.init), data: stamp(options.data), testData: stamp(options.testData) });
}

interface Entry {
  key: string;
  model: [number, number] | null;
  report: Report;
  defaults: boolean;
}

export class ReportCache {
  private entries = new Map<string, Entry[]>();

  /** @param perFile how many option sets are kept per file (oldest dropped first). */
  constructor(private readonly perFile = 4) {}

  get(file: string, options: AnalyzeOptions): Report | undefined {
    return this.getByKey(file, cacheKey(options));
  }

  /** `get` with the key already computed (cacheKey stats every file the options name). */
  getByKey(file: string, key: string): Report | undefined {
    return this.entries.get(file)?.find((e) => e.key === key)?.report;
  }

  set(file: string, options: AnalyzeOptions, report: Report, defaults: boolean): void {
    const key = cacheKey(options);
    const list = (this.entries.get(file) ?? []).filter((e) => e.key !== key);
    list.push({ key, model: stamp(file), report, defaults });
    this.entries.set(file, list.slice(-this.perFile));
  }

  /**
   * A report of the file as it is on disk now, whatever the options: the one analysed with the
   * default options (settings + conventions) first. Used by views that show "the" report of a file.
   * `known`: the file's (size, mtime) when the caller has it (no stat then).
   */
  latest(file: string, known?: [number, number] | null): Report | undefined {
    const now = known === undefined ? stamp(file) : known;
    if (!now) return undefined;
    const fresh = (this.entries.get(file) ?? []).filter((e) => e.model?.[0] === now[0] && e.model?.[1] === now[1]);
    return (fresh.filter((e) => e.defaults).pop() ?? fresh.pop())?.report;
  }

  delete(file: string): void {
    this.entries.delete(file);
  }

  clear(): void {
    this.entries.clear();
  }
}
