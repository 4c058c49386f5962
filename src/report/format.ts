// Plain-text renderings of a report, shared by the CLI and the extension's exports: a readable
// summary, CSV of the per-layer table, and Markdown. Pure functions of the Report.
import { escapeControl } from '../input/error';
import type { Report } from '../protocol/report';
import { formatBound, formatNumber } from './number';

export { formatBound, formatNumber, formatTau } from './number';

/** Metric ids that appear in at least one layer, in the report's metricInfo order. */
export function layerMetricIds(report: Report): string[] {
  const present = new Set<string>();
  for (const l of report.layers) for (const k of Object.keys(l.metrics)) present.add(k);
  const order = Object.keys(report.metricInfo);
  return [...order.filter((k) => present.has(k)), ...[...present].filter((k) => !order.includes(k))];
}

/**
 * One CSV cell. Text that a spreadsheet would run as a formula (starting with = + - @, tab or CR, per
 * OWASP's CSV-injection guidance) is prefixed with ' and quoted; numbers are written as they are (a
 * negative number stays a number). Quotes are doubled; cells with a comma, quote or line break are quoted.
 */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  let s = String(v);
  const formula = /^[=+\-@\t\r]/.test(s);
  if (formula) s = `'${s}`;
  return formula || /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV: one row per layer with every metric at full precision, then one row per aggregate measure. */
export function toCsv(report: Report): string {
  const ids = layerMetricIds(report);
  const lines = [['layer', 'op', 'node', 'module', 'part', 'shape', 'matrixShape', 'parameters', ...ids].map(csvCell).join(',')];
  for (const l of report.layers) {
    lines.push(
      [l.name, l.op, l.node, l.module ?? '', l.part ?? '', l.shape.join('x'), l.matrixShape.join('x'), l.parameters, ...ids.map((k) => l.metrics[k] ?? '')]
        .map(csvCell)
        .join(','),
    );
  }
  lines.push('');
  lines.push(['measure', 'name', 'value', 'stderr', 'formula', 'reference', 'reason'].map(csvCell).join(','));
  for (const [id, m] of Object.entries(report.measures)) {
    lines.push([id, m.name, m.value ?? '', m.stderr ?? '', m.formula, m.reference, m.reason ?? ''].map(csvCell).join(','));
  }
  if (report.bounds.length) {
    lines.push('');
    lines.push(['bound', 'name', 'value', 'vacuous', 'reference', 'assumptions'].map(csvCell).join(','));
    for (const b of report.bounds) lines.push([b.id, b.name, b.value ?? '', b.vacuous ?? '', b.reference, b.assumptions.join('; ')].map(csvCell).join(','));
  }
  return lines.join('\n') + '\n';
}

/**
 * Text inside Markdown: backslash escapes (CommonMark), no HTML entities, so the raw file reads as it
 * renders ("Dziugaite & Roy", not "&amp;"). `<` and `>` are escaped (no raw HTML from model-provided
 * names), `&` only where it would start an entity, and the characters that break tables or emphasis.
 */
function mdEscape(s: string): string {
  return s
    .replace(/[|\\`*_[\]<>]/g, (c) => `\\${c}`)
    .replace(/&(?=#?[a-zA-Z0-9]+;)/g, '\\&')
    .replace(/\r?\n/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => escapeControl(c));
}

/** `pytorch 1.13, opset 13`, leaving out what the file does not say. */
function producerLine(m: Report['model']): string {
  const who = [m.producer, m.producerVersion].filter((x) => x).join(' ');
  return [who, m.opset !== null ? `opset ${m.opset}` : ''].filter(Boolean).join(', ');
}

/** The op with its group count for grouped and depthwise convolutions (`Conv g=16`). */
function opLabel(l: Report['layers'][number]): string {
  return l.conv && l.conv.group > 1 ? `${l.op} g=${l.conv.group}` : l.op;
}

/**
 * Null measures whose reason repeats (every forward-pass measure "needs probe data …"): one line each
 * reason, with the measures it covers, instead of one line per measure.
 */
function groupedNulls(report: Report): { single: Set<string>; groups: [string, string[]][] } {
  const byReason = new Map<string, string[]>();
  for (const [id, v] of Object.entries(report.measures)) {
    if (v.value !== null) continue;
    const r = v.reason ?? '';
    byReason.set(r, [...(byReason.get(r) ?? []), id]);
  }
  const single = new Set<string>();
  const groups: [string, string[]][] = [];
  for (const [r, ids] of byReason) {
    if (ids.length > 2) groups.push([r, ids]);
    else ids.forEach((i) => single.add(i));
  }
  return { single, groups };
}

/** Markdown: header, aggregate measures with formulas and citations, bounds, per-layer table. */
export function toMarkdown(report: Report): string {
  const m = report.model;
  const out: string[] = [];
  out.push(`# Theory Lens report: ${mdEscape(m.fileName)}`, '');
  const prod = producerLine(m);
  if (prod) out.push(`- producer: ${mdEscape(prod)}`);
  out.push(`- parameters: ${formatNumber(m.parameters)} in ${m.layerCount} measured layers`);
  if (report.init) out.push(`- init: ${mdEscape(report.init.path)} (${report.init.matchedLayers} layers matched)`);
  if (report.data) out.push(`- probe: ${mdEscape(report.data.path)} (${formatNumber(report.data.examples)} examples)`);
  if (report.runtime) out.push(`- forward passes: ${report.runtime.provider ?? 'none'}${report.runtime.error ? ` — ${mdEscape(report.runtime.error)}` : ''}`);
  out.push(`- schema ${report.schemaVersion}, theory-lens ${report.tool.version}, ${formatNumber(report.elapsedMs / 1000, 3)} s`, '');
  if (report.bounds.length) {
    out.push('## Bounds on the test error', '', '| bound | value | vacuous | reference |', '|---|---|---|---|');
    for (const b of report.bounds) out.push(`| ${mdEscape(b.name)} | ${formatBound(b.value)} | ${b.vacuous === null ? '—' : b.vacuous ? 'yes' : 'no'} | ${mdEscape(b.reference)} |`);
    out.push('');
  }
  out.push('## Measures', '', '| measure | value | formula | reference |', '|---|---|---|---|');
  for (const v of Object.values(report.measures)) {
    const val = v.value === null ? `— (${mdEscape(v.reason ?? 'n/a')})` : formatNumber(v.value) + (v.stderr !== undefined ? ` ± ${formatNumber(v.stderr, 2)}` : '');
    out.push(`| ${mdEscape(v.name)} | ${val} | ${mdEscape(v.formula)} | ${mdEscape(v.reference)}${v.equation ? `, eq. ${mdEscape(v.equation)}` : ''} |`);
  }
  out.push('', '## Layers', '');
  const ids = layerMetricIds(report);
  out.push(`| layer | op | matrix | ${ids.map((k) => mdEscape(report.metricInfo[k]?.symbol ?? k)).join(' | ')} |`);
  out.push(`|${'---|'.repeat(3 + ids.length)}`);
  for (const l of report.layers) {
    out.push(`| ${mdEscape(l.name + (l.part ? ` (${l.part})` : ''))} | ${mdEscape(opLabel(l))} | ${l.matrixShape.join('×')} | ${ids.map((k) => formatNumber(l.metrics[k])).join(' | ')} |`);
  }
  if (report.warnings.length) out.push('', '## Warnings', '', ...report.warnings.map((w) => `- ${mdEscape(w)}`));
  return out.join('\n') + '\n';
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

/** The CLI's readable summary: a per-layer table, the aggregate measures and bounds, warnings. */
export function toText(report: Report): string {
  const m = report.model;
  const out: string[] = [];
  out.push(`Theory Lens ${report.tool.version} — ${m.fileName}`);
  const source = m.format && m.format !== 'onnx' ? `${m.format} state dict (${m.producer ?? m.format})` : producerLine(m);
  out.push(`  ${[source, `${formatNumber(m.parameters)} parameters in ${m.layerCount} layers`, `${formatNumber(report.elapsedMs / 1000, 3)} s`].filter(Boolean).join(', ')}`);
  if (m.metadata) out.push(`  metadata: ${Object.entries(m.metadata).map(([k, v]) => `${k}=${v.length > 60 ? `${v.slice(0, 57)}…` : v}`).join(', ')}`);
  if (report.partial) out.push(`  partial: ${report.partial.measuredLayers} of ${report.partial.totalLayers} layers measured${report.partial.cancelled ? ' (cancelled)' : ''}`);
  if (report.init) out.push(`  init: ${report.init.path} (${report.init.matchedLayers}/${m.layerCount} layers matched)`);
  if (report.data) out.push(`  probe: ${report.data.path} (${formatNumber(report.data.examples)} examples, ${report.data.classes} classes)`);
  if (report.runtime) out.push(`  forward passes: ${report.runtime.provider ?? 'not run'}${report.runtime.providerNote ? ` (${report.runtime.providerNote})` : ''}${report.runtime.error ? ` — ${report.runtime.error}` : ''}`);
  out.push('');
  const cols = Object.keys(report.metricInfo).filter((k) => report.metricInfo[k].table && report.layers.some((l) => l.metrics[k] !== undefined));
  const name = (l: Report['layers'][number]) => l.name + (l.part ? ` [${l.part}]` : '');
  const w = Math.min(40, Math.max(5, ...report.layers.map((l) => name(l).length)));
  out.push([pad('layer', w), pad('op', 13), pad('matrix', 11), ...cols.map((k) => pad(report.metricInfo[k]?.symbol ?? k, 10, true))].join(' '));
  for (const l of report.layers) {
    out.push([pad(name(l).slice(0, w), w), pad(opLabel(l), 13), pad(l.matrixShape.join('×'), 11), ...cols.map((k) => pad(formatNumber(l.metrics[k]), 10, true))].join(' '));
    for (const f of l.flags ?? []) out.push(`${' '.repeat(w + 1)}! ${f.message}`);
  }
  out.push('', 'Measures');
  const mw = Math.max(...Object.values(report.measures).map((v) => v.name.length), 10);
  const nulls = groupedNulls(report);
  for (const [id, v] of Object.entries(report.measures)) {
    if (v.value === null && !nulls.single.has(id)) continue;
    const val = v.value === null ? `—  ${v.reason ?? ''}` : formatNumber(v.value) + (v.stderr !== undefined ? ` ± ${formatNumber(v.stderr, 2)}` : '');
    out.push(`  ${pad(v.name, mw)}  ${val}`);
  }
  for (const [reason, ids] of nulls.groups) {
    out.push(`  ${ids.length} measures —  ${reason || 'not computed'}: ${ids.map((i) => report.measures[i].name).join(', ')}`);
  }
  if (report.bounds.length) {
    out.push('', 'Bounds on the test error (vacuous = no better than guessing)');
    for (const b of report.bounds) {
      const val = b.value === null ? `—  ${b.reason ?? ''}` : `${formatBound(b.value)}${b.vacuous ? '  (vacuous)' : ''}`;
      out.push(`  ${pad(b.name, mw)}  ${val}`);
    }
  }
  if (report.warnings.length) out.push('', 'Warnings', ...report.warnings.map((x) => `  - ${x}`));
  // Names, producers, paths and warnings come from files: no control character reaches the terminal.
  return out.map(escapeControl).join('\n') + '\n';
}
