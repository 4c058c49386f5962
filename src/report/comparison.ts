// The comparison of selected checkpoints, computed on the host from their reports: every measure and
// bound side by side with the last change, the distance between consecutive checkpoints, and — given
// per-checkpoint metrics — Kendall τ-b of every measure against them, ranked. Pure.
//
// Distance between consecutive checkpoints: checkpoint k analysed with `init` = checkpoint k−1 gives
// froDist = Σᵢ ‖Wᵢ,k − Wᵢ,k−1‖_F² (Jiang et al. 2020's distance to initialization, with k−1 as the
// reference), so ‖W_k − W_{k−1}‖_F = √froDist; relative to the weights, √(froDist / paramNorm) with
// paramNorm = Σᵢ ‖Wᵢ,k‖_F² of the same report.
import type { Comparison, ComparisonColumn, ComparisonRow, TauRow, TauTable } from '../protocol/compare';
import type { Report } from '../protocol/report';
import { kendallTauB, pairedCount } from './kendall';
import { columnOrientation, metricsRowFor, type MetricsTable } from '../workspace/metricsFile';

export interface ComparisonInput {
  columns: ComparisonColumn[];
  /** Default-option report of each column (undefined: not analysed yet or failed). */
  reports: (Report | undefined)[];
  /** Report of column k analysed against column k−1 as its init (index 0 unused). */
  steps: (Report | undefined)[];
  metrics?: { table: MetricsTable; column: string } | null;
}

/** Last value minus the previous one (the right-most two non-null values) and relative to the previous. */
export function lastDelta(values: readonly (number | null)[]): { delta: number | null; relDelta: number | null } {
  const idx = values.map((v, i) => (v !== null && Number.isFinite(v) ? i : -1)).filter((i) => i >= 0);
  if (idx.length < 2) return { delta: null, relDelta: null };
  const a = values[idx[idx.length - 2]]!;
  const b = values[idx[idx.length - 1]]!;
  return { delta: b - a, relDelta: a !== 0 ? (b - a) / Math.abs(a) : null };
}

/**
 * Measures computed from the held-out test probe (they need `testData`): accuracy and loss on test data
 * are what a user's metric (test accuracy, loss, error) measures, so ranking them by τ against it is
 * circular (τ = 1 by construction). They stay in the side-by-side table and are left out of the ranking.
 */
export const TEST_DERIVED_MEASURES: ReadonlySet<string> = new Set(['testAccuracy', 'testCrossEntropy']);

/** Why a row is left out of the τ ranking, or null when it is ranked. */
export function tauExclusion(r: Pick<ComparisonRow, 'id' | 'kind'>, needs?: readonly string[]): string | null {
  if (r.kind === 'metric') return 'your metric itself';
  if (r.kind === 'measure' && (TEST_DERIVED_MEASURES.has(r.id) || needs?.includes('testData'))) {
    return 'computed from the test probe, the data your metric measures: ranking it would be circular';
  }
  return null;
}

function row(partial: Omit<ComparisonRow, 'delta' | 'relDelta'>): ComparisonRow {
  return { ...partial, ...lastDelta(partial.values) };
}

export function buildComparison(input: ComparisonInput): Comparison {
  const { columns, reports, steps } = input;
  const notes: string[] = [];
  const rows: ComparisonRow[] = [];

  // measures, in the order the first report lists them
  const ids: string[] = [];
  for (const r of reports) for (const id of Object.keys(r?.measures ?? {})) if (!ids.includes(id)) ids.push(id);
  /** A measure's inputs where a report states them (reports list `needs` for measures they could not compute). */
  const measureNeeds = new Map<string, readonly string[]>();
  for (const id of ids) {
    const meta = reports.find((r) => r?.measures[id])!.measures[id];
    const needs = reports.map((r) => r?.measures[id]?.needs).find((n) => n?.length);
    if (needs) measureNeeds.set(id, needs);
    const values = reports.map((r) => r?.measures[id]?.value ?? null);
    if (values.every((v) => v === null)) {
      const reason = reports.find((r) => r?.measures[id]?.reason)?.measures[id].reason;
      notes.push(`${meta.name}: not computed${reason ? ` — ${reason}` : ''}`);
      continue;
    }
    rows.push(row({
      id, kind: 'measure', name: meta.name, formula: meta.formula, reference: meta.reference, group: meta.group ?? 'other',
      direction: meta.direction ?? 0, values, reasons: reports.map((r) => (r ? r.measures[id]?.reason ?? (r.measures[id] ? null : 'not in this report') : null)),
      ...(meta.usesTestData ? { usesTestData: true } : {}),
    }));
  }

  const boundIds: string[] = [];
  for (const r of reports) for (const b of r?.bounds ?? []) if (!boundIds.includes(b.id)) boundIds.push(b.id);
  for (const id of boundIds) {
    const meta = reports.find((r) => r?.bounds.some((b) => b.id === id))!.bounds.find((b) => b.id === id)!;
    const values = reports.map((r) => r?.bounds.find((b) => b.id === id)?.value ?? null);
    if (values.every((v) => v === null)) {
      notes.push(`${meta.name}: not computed${meta.reason ? ` — ${meta.reason}` : ''}`);
      continue;
    }
    rows.push(row({
      id: `bound:${id}`, kind: 'bound', name: meta.name, formula: 'upper bound on the test 0-1 error', reference: meta.reference, group: 'bound',
      direction: 1, values, ...(id === 'heldOut' ? { usesTestData: true } : {}),
      reasons: reports.map((r) => {
        const b = r?.bounds.find((x) => x.id === id);
        return b ? (b.value === null ? b.reason ?? 'not computed' : b.vacuous ? 'vacuous' : null) : null;
      }),
    }));
  }

  // distance between consecutive columns
  const stepReasons: (string | null)[] = [];
  const fro: (number | null)[] = [];
  const rel: (number | null)[] = [];
  columns.forEach((_, k) => {
    const s = steps[k];
    if (k === 0) {
      stepReasons.push('first checkpoint');
      fro.push(null);
      rel.push(null);
      return;
    }
    const d = s?.measures.froDist?.value;
    const p = s?.measures.paramNorm?.value;
    if (!s || d === null || d === undefined) {
      stepReasons.push(s ? s.measures.froDist?.reason ?? 'no layer matched the previous checkpoint' : 'not computed yet');
      fro.push(null);
      rel.push(null);
      return;
    }
    const matched = s.init?.matchedLayers ?? 0;
    stepReasons.push(matched < s.layers.length ? `only ${matched} of ${s.layers.length} layers match ${columns[k - 1].label}` : null);
    fro.push(Math.sqrt(d));
    rel.push(p && p > 0 ? Math.sqrt(d / p) : null);
  });
  if (columns.length > 1) {
    rows.push(row({
      id: 'stepDistance', kind: 'distance', name: 'Distance from the previous checkpoint', formula: '‖Wₖ − Wₖ₋₁‖_F = √(Σᵢ ‖Wᵢ,ₖ − Wᵢ,ₖ₋₁‖_F²)',
      reference: 'froDist with the previous checkpoint as init (Jiang et al. 2020; Nagarajan & Kolter 2019)', group: 'distance', direction: 0, values: fro, reasons: stepReasons,
    }));
    rows.push(row({
      id: 'stepDistanceRelative', kind: 'distance', name: 'Relative step from the previous checkpoint', formula: '‖Wₖ − Wₖ₋₁‖_F / ‖Wₖ‖_F',
      reference: 'froDist / paramNorm with the previous checkpoint as init', group: 'distance', direction: 0, values: rel, reasons: stepReasons,
    }));
  }

  // the user's metric, and τ of every row against it
  let tau: TauTable | null = null;
  if (input.metrics) {
    const { table, column } = input.metrics;
    const mvals = columns.map((c) => metricsRowFor(table, c.path)?.values[column] ?? null);
    const matched = mvals.filter((v) => v !== null).length;
    const orientation = columnOrientation(column);
    rows.push(row({
      id: `metric:${column}`, kind: 'metric', name: column, formula: `from ${table.file}`, reference: 'user-supplied', group: 'metric',
      direction: orientation === 1 ? -1 : orientation === -1 ? 1 : 0, values: mvals, reasons: mvals.map((v) => (v === null ? 'not in the metrics file' : null)),
    }));
    const y = mvals.map((v) => (v === null ? NaN : v));
    const tauRows: TauRow[] = [];
    const excluded: { id: string; name: string; reason: string }[] = [];
    for (const r of rows) {
      // test-probe measures stay in the table, flagged (usesTestData), unsigned and listed last
      const why = r.kind === 'metric' ? tauExclusion(r) : null;
      if (why) {
        if (r.kind !== 'metric') excluded.push({ id: r.id, name: r.name, reason: why });
        continue;
      }
      const x = r.values.map((v) => (v === null ? NaN : v));
      const n = pairedCount(x, y);
      if (n < 3) continue;
      const t = kendallTauB(x, y);
      // a measure that grows with worse generalization should fall as accuracy rises (τ < 0) and rise with loss (τ > 0)
      // measures from the test probe describe the outcome: no expected sign, never ranked
      const expected = (r.usesTestData || r.direction === 0 || orientation === 0 ? 0 : r.direction * -orientation) as 1 | -1 | 0;
      tauRows.push({
        id: r.id, name: r.name, tau: t, n, expected, agrees: t === null || expected === 0 || t === 0 ? null : Math.sign(t) === expected,
        ...(r.usesTestData ? { usesTestData: true } : {}),
      });
    }
    // ranked: agreement with the expected sign first (expected·τ, largest first), then |τ| of the rest
    const score = (t: TauRow) => (t.tau === null ? -Infinity : t.expected !== 0 ? t.expected * t.tau : Math.abs(t.tau));
    tauRows.sort((a, b) => Number(!!a.usesTestData) - Number(!!b.usesTestData) || (Number(b.expected !== 0) - Number(a.expected !== 0)) || score(b) - score(a) || a.name.localeCompare(b.name));
    tau = { file: table.file, column, orientation, matched, rows: tauRows, ...(excluded.length ? { excluded } : {}) };
    if (matched < 3) notes.push(`Kendall τ needs at least 3 checkpoints with a ${column} value in ${table.file}; ${matched} matched`);
  }
  for (const c of columns) if (c.state === 'error') notes.push(`${c.label}: ${c.error ?? 'analysis failed'}`);
  return { columns, rows, tau, notes };
}
