// Text of a layer hint and its hover: the headline per-layer metrics (`‖W‖₂ 6.08 · α 1.72 · srank 7.54`)
// with the symbols from the report's metricInfo, and a Markdown table of every metric of the layer(s).
// Model-provided strings (module names, file names, notes, flag messages) are escaped. Pure.
import type { LayerReport, Report } from '../protocol/report';
import { formatNumber, layerMetricIds } from './format';
import { naturalCompare } from '../workspace/checkpointOrder';

/** Metric ids a hint shows, in order. */
export const HINT_METRICS = ['spectralNorm', 'alpha', 'stableRank'] as const;

/** Backslash-escapes every ASCII punctuation character (CommonMark allows it), so no Markdown or HTML survives. */
export function escapeMarkdown(s: string): string {
  return s.replace(/[!-/:-@[-`{-~]/g, '\\$&').replace(/\r?\n/g, ' ');
}

const symbol = (r: Report, id: string) => r.metricInfo[id]?.symbol ?? id;

function oneLayer(r: Report, l: LayerReport): string {
  const bits: string[] = [];
  for (const id of HINT_METRICS) {
    const v = l.metrics[id];
    if (v !== null && v !== undefined) bits.push(`${symbol(r, id)} ${formatNumber(v, 3)}`);
  }
  return bits.join(' · ') || 'no metrics';
}

const layerName = (l: LayerReport) => (l.module ?? l.name) + (l.part ? ` ${l.part}` : '');

/** Range of a metric over layers: `1.2–3.4`, or one value. */
function range(r: Report, ls: readonly LayerReport[], id: string): string | null {
  const vs = ls.map((l) => l.metrics[id]).filter((v): v is number => v !== null && v !== undefined && Number.isFinite(v));
  if (!vs.length) return null;
  const lo = Math.min(...vs);
  const hi = Math.max(...vs);
  return `${symbol(r, id)} ${formatNumber(lo, 3)}${hi !== lo ? `–${formatNumber(hi, 3)}` : ''}`;
}

/**
 * The hint label for the report layers one definition produced. VS Code cuts inlay hints after
 * `editor.inlayHints.maximumLength` (43 characters by default), so several layers (a ModuleList
 * comprehension, a block used at several places) show ranges of ‖W‖₂ and α and their count; the
 * hover lists each layer.
 */
export function layerHintLabel(r: Report, layers: readonly LayerReport[]): string {
  const flagged = layers.some((l) => l.flags?.length) ? ' ⚠' : '';
  if (layers.length === 1) return `θ ${oneLayer(r, layers[0])}${flagged}`;
  const parts = HINT_METRICS.slice(0, 2).map((id) => range(r, layers, id)).filter((x): x is string => !!x);
  return `θ ${parts.join(' · ')} ×${layers.length}${flagged}`;
}

/** Markdown hover: per layer, every metric (name, symbol, value) and the flags; then where the numbers come from. */
export function layerHintMarkdown(r: Report, layers: readonly LayerReport[], note?: string): string {
  const out: string[] = [];
  out.push(`**Theory Lens** · ${escapeMarkdown(r.model.fileName)}`, '');
  const ids = layerMetricIds(r);
  const sorted = layers.slice().sort((a, b) => naturalCompare(layerName(a), layerName(b)));
  for (const l of sorted.slice(0, 8)) {
    out.push(`**${escapeMarkdown(layerName(l))}** · ${escapeMarkdown(l.op)} · matrix ${l.matrixShape.join('×')} · ${l.parameters} parameters${l.foldedBatchNorm ? ' · BatchNorm folded in' : ''}`, '');
    out.push('| metric | | value |', '|---|---|---:|');
    for (const id of ids) {
      if (!(id in l.metrics)) continue;
      const info = r.metricInfo[id];
      out.push(`| ${escapeMarkdown(info?.name ?? id)} | ${escapeMarkdown(info?.symbol ?? '')} | ${escapeMarkdown(formatNumber(l.metrics[id]))} |`);
    }
    out.push('');
    for (const f of l.flags ?? []) out.push(`⚠ ${escapeMarkdown(f.message)}`, '');
    for (const [k, v] of Object.entries(l.notes ?? {})) out.push(`*${escapeMarkdown(k === '*' ? 'note' : r.metricInfo[k]?.symbol ?? k)}:* ${escapeMarkdown(v)}`, '');
  }
  if (sorted.length > 8) out.push(`… and ${sorted.length - 8} more layers (open the report for all of them)`, '');
  out.push(`*From* ${escapeMarkdown(r.model.path)}${note ? ` · ${escapeMarkdown(note)}` : ''}`);
  return out.join('\n');
}
