// Whether a checkpoint can be the one a class's code builds: for each definition whose constructor
// arguments evaluate (constEval.ts), the weight shape the code builds against the shape the checkpoint
// holds for the layers matched to it — Linear(in, out) is an [out, in] matrix, Conv{1,2,3}d(in, out, k,
// groups=g) an [out, in/g · Πk] matrix with kernel k, Embedding(n, d) an [n, d] table. Unknown numbers
// are not checked; any disagreement makes the checkpoint incompatible, with the reason in one line
// ("cnn_d3.onnx does not match SmallCNN: fc1 is 64×288, the code builds 784→64"). Pure; no vscode import.
import type { LayerReport } from '../protocol/report';
import type { ArgValue, PythonScopes } from './constEval';
import type { ModuleDef } from './moduleDefs';

export interface BuiltShape {
  /** Matrix rows and columns as the report states them ([out, in]); null where unknown. */
  rows: number | null;
  cols: number | null;
  /** Kernel size per spatial dimension (convolutions). */
  kernel?: (number | null)[];
  /** Embedding tables are compared on the weight's own shape [n, d]. */
  table?: boolean;
  /** How the code's construction reads: `784→64`, `1→8 channels, 3×3 kernel`. */
  text: string;
}

const num = (v: ArgValue | undefined): number | null => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);
const show = (v: number | null) => (v === null ? '?' : String(v));

/** The shape the code builds for one definition, or null when its constructor is not one checked here. */
export function builtShape(def: ModuleDef, scopes: PythonScopes): BuiltShape | null {
  const { positional: p, keywords: k } = scopes.callArgs(def.open, def.line);
  const arg = (i: number, name: string) => (k.has(name) ? k.get(name) : p[i]);
  if (def.ctor === 'Linear') {
    const inF = num(arg(0, 'in_features'));
    const outF = num(arg(1, 'out_features'));
    return { rows: outF, cols: inF, text: `${show(inF)}→${show(outF)}` };
  }
  if (def.ctor === 'LazyLinear') {
    const outF = num(arg(0, 'out_features'));
    return { rows: outF, cols: null, text: `?→${show(outF)}` };
  }
  const conv = /^Conv([123])d$/.exec(def.ctor);
  if (conv) {
    const dims = Number(conv[1]);
    const inC = num(arg(0, 'in_channels'));
    const outC = num(arg(1, 'out_channels'));
    const ks = arg(2, 'kernel_size');
    const kernel = Array.isArray(ks) ? (ks.length === dims ? ks.map((x) => num(x)) : Array<number | null>(dims).fill(null)) : Array<number | null>(dims).fill(num(ks));
    const g = arg(6, 'groups');
    const groups = g === undefined ? 1 : num(g);
    const known = inC !== null && groups !== null && kernel.every((x) => x !== null);
    const cols = known && inC! % groups! === 0 ? (inC! / groups!) * kernel.reduce<number>((a, x) => a * x!, 1) : null;
    const kText = kernel.map(show).join('×');
    return { rows: outC, cols, kernel, text: `${show(inC)}→${show(outC)} channels, ${kText} kernel${groups !== 1 ? `, groups ${show(groups)}` : ''}` };
  }
  if (def.ctor === 'Embedding') {
    const n = num(arg(0, 'num_embeddings'));
    const d = num(arg(1, 'embedding_dim'));
    return { rows: n, cols: d, table: true, text: `${show(n)}×${show(d)} table` };
  }
  return null;
}

/** Why `layer` cannot be what `shape` builds, or null when nothing known disagrees. */
export function shapeMismatch(shape: BuiltShape, layer: LayerReport): string | null {
  if (layer.part) return null; // a slice of a packed weight (recurrent gates, attention q/k/v)
  const [rows, cols] = shape.table ? [layer.shape[0], layer.shape[1]] : layer.matrixShape;
  const bad = (shape.rows !== null && shape.rows !== rows) || (shape.cols !== null && shape.cols !== cols);
  const kernelBad = !!shape.kernel && !!layer.conv && shape.kernel.some((x, i) => x !== null && layer.conv!.kernel[i] !== undefined && x !== layer.conv!.kernel[i]);
  if (!bad && !kernelBad) return null;
  const what = layer.conv ? `${rows}×${cols} (kernel ${layer.conv.kernel.join('×')})` : `${rows}×${cols}`;
  return `${layer.module ?? layer.name} is ${what}, the code builds ${shape.text}`;
}
