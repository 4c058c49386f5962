// Which certified bound a view leads with — the verdict, the CodeLens headline and the status bar all
// ask this one function: the smallest bound that is non-vacuous, else the smallest computed one (a
// vacuous bound still says how far from useful the tightest guarantee is). Pure.
import type { BoundValue, Report } from '../protocol/report';

export function bestBound(r: Pick<Report, 'bounds'>): BoundValue | undefined {
  const ok = r.bounds.filter((b) => b.value !== null && Number.isFinite(b.value)).sort((a, b) => a.value! - b.value!);
  return ok.find((b) => b.vacuous === false) ?? ok[0];
}
