// Entry point of dist/eig.wasm (AssemblyScript, compiled with SIMD by scripts/build-wasm.mjs): the O(n³)
// and O(n²·m) loops of the spectral kernels. The TypeScript side (src/engine/kernels/wasm.ts) lays out
// its buffers in linear memory from heapBase() upwards, growing the memory as needed; every export
// takes byte offsets into that memory and allocates nothing.
export { tridiag32, tridiag64 } from './tridiag';
export { sterf } from './sterf';
export { gramFill32, gramFill64, gramFill64from32, gramBand32, gramBand64 } from './gram';
export { normalApply32, normalApply64 } from './normal';
export { fisherYates32, fisherYates64, scatterChunk32, scatterChunk64 } from './shuffle';
export { transpose32, transpose64 } from './transpose';
export { entryStatsBand32 } from './entries';

/** First 16-byte-aligned byte after the module's static data: the start of the caller's buffers. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}
