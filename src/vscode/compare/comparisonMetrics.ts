// The per-checkpoint metrics file Kendall τ ranks the measures against: the one the user picked, else the
// setting theoryLens.compare.metricsFile (relative to the workspace), else a metrics.csv/json beside the
// last selected checkpoint. Parsed once per (file, mtime); its column is the user's choice or the default.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { MetricsSource } from '../../protocol/compare';
import type { GroupedFile } from '../../workspace/checkpointGroups';
import { defaultColumn, parseMetricsFile, type MetricsTable } from '../../workspace/metricsFile';
import { mtimeOf } from '../../workspace/mtime';


export class ComparisonMetrics {
  private picked: string | null = null;
  private cache: { file: string; mtime: number; table?: MetricsTable; error?: string } | null = null;
  private column: string | null = null;

  /** The file the user chose (Choose Metrics File…): it wins over the setting and the files beside the run. */
  pick(path: string): void {
    this.picked = path;
    this.cache = null;
    this.column = null;
  }

  /** Forgets the picked file; says so when the setting still names one. */
  clear(): void {
    this.picked = null;
    this.cache = null;
    if (vscode.workspace.getConfiguration('theoryLens.compare').get<string>('metricsFile')) {
      void vscode.window.showInformationMessage('Theory Lens: the metrics file comes from the setting theoryLens.compare.metricsFile; clear the setting to stop using it.');
    }
  }

  chooseColumn(column: string): void {
    this.column = column;
  }

  /** The metrics file for these columns and its table, or null when there is none. */
  read(cols: GroupedFile[]): { source: MetricsSource; table?: MetricsTable } | null {
    const setting = vscode.workspace.getConfiguration('theoryLens.compare').get<string>('metricsFile', '').trim();
    const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    let file: string | null = null;
    let origin: MetricsSource['origin'] = 'picked';
    if (this.picked) file = this.picked;
    else if (setting) {
      file = isAbsolute(setting) ? setting : ws ? resolve(ws, setting) : setting;
      origin = 'setting';
    } else if (cols.length) {
      const dir = dirname(cols[cols.length - 1].path);
      file = ['metrics.csv', 'metrics.json'].map((n) => join(dir, n)).find((p) => mtimeOf(p) >= 0) ?? null;
      origin = 'beside';
    }
    if (!file) return null;
    const mtime = mtimeOf(file);
    if (!this.cache || this.cache.file !== file || this.cache.mtime !== mtime) {
      try {
        if (mtime < 0) throw new Error(`${file}: not found`);
        this.cache = { file, mtime, table: parseMetricsFile(readFileSync(file, 'utf8'), file) };
      } catch (e) {
        this.cache = { file, mtime, error: (e as Error).message };
      }
    }
    const t = this.cache.table;
    const column = t ? (this.column && t.columns.includes(this.column) ? this.column : defaultColumn(t)) : '';
    return { source: { file, origin, columns: t?.columns ?? [], column, ...(this.cache.error ? { error: this.cache.error } : {}) }, table: t };
  }
}
