// The status bar's text and tooltip for a checkpoint's report: its name and one headline number — the
// tightest non-vacuous certified bound when there is one (the only number here with a guarantee), else
// the weighted mean α̂ (Martin & Mahoney 2021), else the log spectral-norm product — and the rest in the
// tooltip with citations from the report's own metadata. Pure.
import type { BoundValue, Report } from '../protocol/report';
import { bestBound } from './bestBound';
import { formatNumber } from './format';

export interface StatusText {
  text: string;
  tooltip: string;
}

export function statusText(r: Report): StatusText {
  const name = r.model.path.split(/[\\/]/).pop() ?? r.model.path;
  const lines = [`Theory Lens — ${name} (click to open the report)`];
  const b = bestBound(r);
  const ah = r.measures.wwMeanAlphaWeighted;
  const lps = r.measures.logProdSpec;
  let head = '';
  if (b && b.vacuous === false) head = `bound ${formatNumber(b.value, 3)}`;
  else if (ah?.value != null) head = `α̂ ${formatNumber(ah.value, 3)}`;
  else if (lps?.value != null) head = `Σ ln‖W‖₂² ${formatNumber(lps.value, 3)}`;
  if (b) lines.push(`${b.name}: ${formatNumber(b.value)}${b.vacuous ? ' (vacuous)' : b.vacuous === false ? ' (non-vacuous)' : ''} — ${b.reference}`);
  if (ah?.value != null) lines.push(`${ah.name}: ${formatNumber(ah.value)} — ${ah.reference}`);
  if (lps?.value != null) lines.push(`${lps.name}: ${formatNumber(lps.value)} — ${lps.reference}`);
  if (r.runtime?.error) lines.push(`Forward passes failed: ${r.runtime.error}`);
  return { text: `$(graph) ${name}${head ? ` · ${head}` : ''}`, tooltip: lines.join('\n') };
}
