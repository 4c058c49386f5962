// The one number formatter of every view (report panel, comparison view, hints, status bar, CLI text,
// Markdown). The rules, stated once:
//  - SIGNIFICANT_DIGITS significant digits (BOUND_DIGITS for bounds on the test error), never more
//    digits invented than computed: no fake trailing zeros ("433,179", not "433200"), and trailing
//    zeros of the rounding dropped ("0.5", not "0.5000");
//  - integers and numbers ≥ 1,000 keep every integer digit, with thousands separators ("25,034");
//  - scientific notation only below 10⁻³ and from 10⁶ on (integers from 10⁹ on), always written
//    "1.711 × 10⁶", never "1.711e+6";
//  - a value that is not an integer never reads as one: 0.99997 stays "0.99997", not "1";
//  - the minus sign is U+2212; null/undefined is "—".
// CSV and JSON exports keep full precision; this is for reading only.

export const SIGNIFICANT_DIGITS = 4;
export const BOUND_DIGITS = 3;
/** Extra digits allowed so that a non-integer does not round to an integer (0.99997). */
const MAX_EXTRA_DIGITS = 3;

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

const minus = (s: string) => s.replace(/^-/, '−');
/** Thousands separators on the integer part of a plain decimal string. */
function group(s: string): string {
  const [int, frac] = s.split('.');
  const g = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac !== undefined ? `${g}.${frac}` : g;
}
const trimZeros = (s: string) => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);

function scientific(v: number, digits: number): string {
  const [mant, exp] = v.toExponential(digits - 1).split('e');
  const e = String(Number(exp)).split('').map((c) => SUPERSCRIPT[c]).join('');
  return `${minus(trimZeros(mant))} × 10${e}`;
}

/** A number for reading, with `digits` significant digits (see the rules above). */
export function formatNumber(v: number | null | undefined, digits = SIGNIFICANT_DIGITS): string {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e9) return minus(group(String(v)));
  if (a < 1e-3 || a >= 1e6) return scientific(v, digits);
  // every integer digit is kept (no fake zeros): from 1,000 on, rounded to the unit
  if (a >= 1e3) return minus(group(String(Math.round(v))));
  let d = digits;
  let s = v.toPrecision(d);
  // a non-integer must not read as an integer (0.99997 → "0.99997", not "1"): add digits while the
  // rounding lands on one; if it still does, keep the rounding's zeros ("2.000"), never a bare "2"
  while (Number.isInteger(Number(s)) && d < digits + MAX_EXTRA_DIGITS) s = v.toPrecision(++d);
  if (Number.isInteger(Number(s))) return minus(v.toPrecision(digits));
  return minus(trimZeros(s));
}

/** A bound on the test error: BOUND_DIGITS significant digits. */
export const formatBound = (v: number | null | undefined): string => formatNumber(v, BOUND_DIGITS);

/** Kendall's τ over n pairs: 2 decimals when n is small (< 10, where τ moves in steps ≥ 1/45), 3 otherwise. */
export function formatTau(tau: number | null | undefined, n: number): string {
  if (tau === null || tau === undefined || !Number.isFinite(tau)) return '—';
  const s = tau.toFixed(n < 10 ? 2 : 3);
  return minus(Number(s) === 0 ? s.replace(/^-/, '') : s);
}
