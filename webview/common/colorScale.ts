// Colours for the loss-landscape heatmap, taken from the theme: CSS colours parsed to RGB and mixed
// linearly, so the map follows light, dark and high-contrast themes. Pure.

export type Rgb = [number, number, number];

/** Parses #rgb, #rrggbb, #rrggbbaa and rgb()/rgba(); null for anything else. */
export function parseColor(css: string): Rgb | null {
  const s = css.trim();
  let m = /^#([0-9a-f]{3})$/i.exec(s);
  if (m) return [...m[1]].map((c) => parseInt(c + c, 16)) as Rgb;
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(s);
  if (m) return [0, 2, 4].map((i) => parseInt(m![1].slice(i, i + 2), 16)) as Rgb;
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(s);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  return null;
}

/** The colour at t ∈ [0, 1] along the stops (evenly spaced), as rgb(). */
export function colorAt(stops: readonly Rgb[], t: number): string {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** Maps values to [0, 1] on a log scale of (v − min) so the basin's shape shows; NaN stays NaN. */
export function normalizeLoss(values: readonly number[]): number[] {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return values.map(() => NaN);
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const span = Math.log1p(max - min);
  return values.map((v) => (Number.isFinite(v) ? (span > 0 ? Math.log1p(v - min) / span : 0) : NaN));
}

/** WCAG 2.x relative luminance of an sRGB colour (0 black … 1 white). */
export function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast ratio (L₁ + 0.05) / (L₂ + 0.05), 1 … 21. */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/**
 * The first CSS colour among `candidates` with a contrast of at least `min` against `background`
 * (WCAG 1.4.11 asks 3:1 for graphics); if none reaches it, the one with the highest contrast.
 * Unparseable colours are skipped; with none parseable, the first candidate.
 */
export function readableColor(background: string, candidates: readonly string[], min = 3): string {
  const bg = parseColor(background);
  if (!bg) return candidates[0];
  let best: { c: string; r: number } | null = null;
  for (const c of candidates) {
    const rgb = parseColor(c);
    if (!rgb) continue;
    const r = contrastRatio(rgb, bg);
    if (r >= min) return c;
    if (!best || r > best.r) best = { c, r };
  }
  return best?.c ?? candidates[0];
}
