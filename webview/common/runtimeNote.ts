// When the report shows the execution-provider note: only when CUDA was asked for
// (theoryLens.executionProvider = cuda) or the CUDA provider was tried and failed. With the default
// `auto` on a machine without the CUDA build, running on CPU is the expected case, not news. Pure.
import type { Report } from '../../src/protocol/report';

export function showProviderNote(r: Pick<Report, 'runtime' | 'settings'>): boolean {
  const note = r.runtime?.providerNote;
  if (!note) return false;
  if (r.settings?.provider === 'cuda') return true;
  return /provider failed/i.test(note);
}
