// Which checkpoint's numbers annotate a class, never a guess. Candidates come in the order of their
// reasons — the checkpoint the user pinned for the class (then it is the only one), the newest
// checkpoint of each save/export line of the file itself, the one a setting names — and an open report
// is not a reason. A candidate is eligible when its layers carry the class's module paths
// (moduleMatcher.ts) and no shape the code builds disagrees with the checkpoint (codeShapes.ts). The
// first eligible candidate gives the numbers; when none is, the first one whose names matched but whose
// shapes did not is shown as the reason there are no numbers. Pure; no vscode import.
import type { LayerReport, Report } from '../protocol/report';
import type { BuiltShape } from './codeShapes';
import { shapeMismatch } from './codeShapes';
import type { ModuleDef } from './moduleDefs';
import { layerModule, matchOwner, type OwnerMatch } from './moduleMatcher';

export type HintSource = 'pinned' | 'writes' | 'setting';

export interface HintCandidate {
  path: string;
  source: HintSource;
  /** Its cached report, when it has been analysed (as the file is now). */
  report: Report | undefined;
}

export type OwnerChoice =
  | { kind: 'numbers'; candidate: HintCandidate; report: Report; match: OwnerMatch }
  | { kind: 'incompatible'; candidate: HintCandidate; reason: string }
  | { kind: 'pending'; candidate: HintCandidate };

const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p;

/** Why the report's layers cannot be what the class's code builds, or null. */
export function incompatibility(owner: string, match: OwnerMatch, report: Report, shapeOf: (def: ModuleDef) => BuiltShape | null): string | null {
  for (const d of match.defs) {
    const shape = shapeOf(d.def);
    if (!shape) continue;
    const layers: LayerReport[] = report.layers.filter((l) => { const m = layerModule(l); return m !== null && d.modules.includes(m); });
    for (const l of layers) {
      const why = shapeMismatch(shape, l);
      if (why) return `${baseName(report.model.path)} does not match ${owner}: ${why}`;
    }
  }
  return null;
}

export function chooseForOwner(
  owner: string,
  defs: readonly ModuleDef[],
  candidates: readonly HintCandidate[],
  shapeOf: (def: ModuleDef) => BuiltShape | null,
): OwnerChoice | null {
  let refused: OwnerChoice | null = null;
  let pending: OwnerChoice | null = null;
  for (const c of candidates) {
    if (!c.report) {
      pending ??= { kind: 'pending', candidate: c };
      continue;
    }
    const modules = c.report.layers.map(layerModule).filter((m): m is string => !!m);
    const match = matchOwner(owner, defs, modules);
    if (!match) {
      // a checkpoint the user chose for this class says why it shows nothing; the file's other
      // checkpoints may simply be of another class of the same script
      if (c.source === 'pinned') refused ??= { kind: 'incompatible', candidate: c, reason: `${baseName(c.path)} does not match ${owner}: none of its layers has the module paths ${owner} defines (${defs.slice(0, 3).map((d) => d.path).join(', ')}${defs.length > 3 ? ', …' : ''})` };
      continue;
    }
    const why = incompatibility(owner, match, c.report, shapeOf);
    if (!why) return { kind: 'numbers', candidate: c, report: c.report, match };
    refused ??= { kind: 'incompatible', candidate: c, reason: why };
  }
  return refused ?? pending;
}
