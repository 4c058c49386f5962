// Budgets for everything a file declares. Every size read from a file (a shape's element count, a sparse
// tensor's dense size, LSTM directions × gates, Attention's qkv_hidden_sizes, a .npz member's declared
// size, a label, a name, a message) is checked against these limits and against the bytes actually
// present BEFORE anything of that size is allocated. Beyond a limit the reader gives a one-line error
// naming the file (or, for one layer, a warning and no layer). Shared by every reader (ONNX, .npz/.npy,
// safetensors, PyTorch): import the constants and helpers from here rather than restating them.

export const LIMITS = {
  /** Largest rank of a tensor shape (ONNX sets none; real models stay under 8). */
  maxRank: 32,
  /** Largest single dimension. */
  maxDim: 2 ** 40,
  /** Largest element count a shape may declare at all (stored data must then also be present). */
  maxElements: 2 ** 40,
  /** Largest dense size a sparse tensor is expanded to (2^24 elements = 128 MiB as float64). */
  maxSparseDense: 2 ** 24,
  /** Largest matrix (rows × cols) one layer may ask for: dense data is bounded by the file's bytes, this bounds views of it. */
  maxLayerElements: 2 ** 31,
  /** Largest input (H·W) of a conv whose exact operator spectrum is computed (512×512). */
  maxConvPixels: 2 ** 18,
  /** Largest number of singular values of one exact conv spectrum (min(c_out, c_in)·H·W; 128 MiB as float64). */
  maxConvSingularValues: 2 ** 24,
  /** Most measurable layers built from one model (each LSTM/GRU/RNN gate × direction is one). */
  maxLayers: 100_000,
  /**
   * Most entries (nodes, initializers, value infos, inputs, outputs) in one graph: each costs a few
   * hundred bytes of objects, and a 2-byte empty node would otherwise let a 2 MB file hold a million.
   */
  maxGraphEntries: 100_000,
  /** Nesting depth of subgraphs (If/Loop/Scan bodies) a reader descends into. */
  maxSubgraphDepth: 64,
  /** LSTM/GRU/RNN num_directions: 1 or 2 (forward, reverse, bidirectional). */
  maxDirections: 2,
  /** Largest .npz member (inflated) or .npy payload read into memory: 256 MiB. */
  maxProbeBytes: 256 * 2 ** 20,
  /** Largest zip central directory read into memory (a torch.save archive lists one member per tensor storage). */
  maxZipDirectoryBytes: 2 ** 28,
  /** DEFLATE cannot expand data by more than 1032:1; a member declaring more is corrupt. */
  maxDeflateRatio: 1032,
  /** Largest class count / class index accepted from a probe's labels (labels are narrowed to int32 after the check). */
  maxClasses: 2 ** 31 - 1,
  /** Longest one-line error or warning (characters). */
  maxMessage: 300,
  /** Longest name (tensor, node, file) quoted inside a message. */
  maxQuotedName: 80,
  /** Shape entries shown in a message before eliding the rest. */
  maxShownDims: 8,
} as const;

/** `[a, b, c]` of a shape for messages: at most maxShownDims entries, then how many more. */
export function showDims(dims: readonly (number | string | null)[]): string {
  const n = LIMITS.maxShownDims;
  const shown = dims.slice(0, n).map((d) => (d === null ? '?' : String(d)));
  return `[${shown.join(', ')}${dims.length > n ? `, … ${dims.length - n} more` : ''}]`;
}

/** Product of dims (exact while below 2^53; Infinity-safe: stops growing once past 2^60). */
export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) {
    n *= d;
    if (n > 2 ** 60) return n;
  }
  return n;
}

/**
 * Checks a declared shape: a non-negative integer per dimension, rank ≤ maxRank, dims ≤ maxDim and an
 * element count ≤ maxElements. Returns null when it is fine, else the problem (for the caller's error).
 */
export function shapeProblem(dims: readonly number[]): string | null {
  if (dims.length > LIMITS.maxRank) return `shape has rank ${dims.length}, more than the limit of ${LIMITS.maxRank}`;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0 || d > LIMITS.maxDim) return `invalid dimension ${d} in shape ${showDims(dims)}`;
  }
  const n = elementCount(dims);
  if (n > LIMITS.maxElements) return `shape ${showDims(dims)} declares ${n} elements, more than the limit of 2^40`;
  return null;
}

/**
 * Checks that `declared` elements of `elemBytes` each fit in the `present` bytes the file actually
 * holds for them (exactly when `exact`). Returns null when fine, else the problem.
 */
export function bytesProblem(declared: number, elemBytes: number, present: number, exact = true): string | null {
  const need = declared * elemBytes;
  if (exact ? need !== present : need > present) return `declares ${declared} elements (${need} bytes) but the file holds ${present} bytes for them`;
  return null;
}
