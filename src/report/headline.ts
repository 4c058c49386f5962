// The CodeLens text of a checkpoint: a few headline numbers of its report and their trend against the
// previous checkpoint of the same series — `θ epoch_30: α̂ 2.8 ↑ · ‖W‖₂ prod 92.6 ↑ · bound 1 (vacuous)`.
// Names, formulas and references in the tooltip come from the report's own metadata. Pure.
import type { BoundValue, Report } from '../protocol/report';
import { bestBound } from './bestBound';
import { formatNumber } from './format';

export interface HeadlineItem {
  label: string;
  value: number;
  previous?: number | null;
  /** The report's name of the measure, its formula and reference, for the tooltip. */
  name: string;
  formula: string;
  suffix?: string;
}

/** ↑, ↓ or = (relative change under 1e-9) between two values; '' without a previous value. */
export function trendArrow(value: number, previous: number | null | undefined): string {
  if (previous === null || previous === undefined || !Number.isFinite(previous) || !Number.isFinite(value)) return '';
  const scale = Math.max(Math.abs(value), Math.abs(previous), 1e-300);
  if (Math.abs(value - previous) <= 1e-9 * scale) return '=';
  return value > previous ? '↑' : '↓';
}

/** The short label a measure's name ends with in parentheses (`Mean weighted α (α̂)` → `α̂`). */
function symbolOf(name: string, fallback: string): string {
  return /\(([^()]{1,6})\)\s*$/.exec(name)?.[1] ?? fallback;
}

export function headlineItems(r: Report, prev?: Report): HeadlineItem[] {
  const items: HeadlineItem[] = [];
  const ah = r.measures.wwMeanAlphaWeighted;
  if (ah?.value != null) {
    items.push({ label: symbolOf(ah.name, 'α̂'), value: ah.value, previous: prev?.measures.wwMeanAlphaWeighted?.value, name: ah.name, formula: ah.formula });
  }
  const lps = r.measures.logProdSpec;
  if (lps?.value != null) {
    // logProdSpec = Σ ln ‖Wᵢ‖₂², so Πᵢ ‖Wᵢ‖₂ = exp(logProdSpec / 2)
    const p = prev?.measures.logProdSpec?.value;
    items.push({ label: '‖W‖₂ prod', value: Math.exp(lps.value / 2), previous: p == null ? p : Math.exp(p / 2), name: `exp(½ · ${lps.name})`, formula: 'Πᵢ ‖Wᵢ‖₂' });
  }
  const b = bestBound(r);
  if (b) {
    const pb = prev?.bounds.find((x) => x.id === b.id)?.value;
    items.push({ label: 'bound', value: b.value!, previous: pb, name: b.name, formula: b.reference, suffix: b.vacuous ? ' (vacuous)' : undefined });
  }
  const acc = r.measures.testAccuracy;
  if (acc?.value != null) {
    items.push({ label: 'test acc', value: acc.value, previous: prev?.measures.testAccuracy?.value, name: acc.name, formula: acc.formula });
  }
  return items;
}

/** `α̂ 2.8 ↑ · ‖W‖₂ prod 92.6 ↑ · bound 1 (vacuous)`; `trend` false leaves the arrows out. */
export function headlineText(r: Report, prev?: Report): string {
  const items = headlineItems(r, prev);
  if (!items.length) return `${r.layers.length} layers, no aggregate measures`;
  return items
    .map((i) => {
      const arrow = trendArrow(i.value, i.previous);
      return `${i.label} ${formatNumber(i.value, 3)}${i.suffix ?? ''}${arrow ? ` ${arrow}` : ''}`;
    })
    .join(' · ');
}

/** Plain-text tooltip: each headline number with its name, formula and the previous value. */
export function headlineTooltip(r: Report, prev: Report | undefined, prevName?: string): string {
  const lines = [`Theory Lens — ${r.model.path}`];
  for (const i of headlineItems(r, prev)) {
    const was = i.previous != null && prevName ? ` (${prevName}: ${formatNumber(i.previous)})` : '';
    lines.push(`${i.label} = ${formatNumber(i.value)}${was} — ${i.name}; ${i.formula}`);
  }
  const flagged = r.layers.filter((l) => l.flags?.length).length;
  if (flagged) lines.push(`${flagged} of ${r.layers.length} layers flagged (see the hints on their definitions)`);
  for (const w of r.warnings.slice(0, 3)) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
