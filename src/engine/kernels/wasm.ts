// Loads the WebAssembly tridiagonalization kernel (assembly/eig.ts → dist/eig.wasm, built by
// `npm run build`). Each thread gets its own instance; its memory grows to the largest matrix seen
// and is reused. Without the .wasm (not built) the TypeScript path in eig.ts is used.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The WebAssembly global of the JS engine (typed here: the project's lib settings do not include the DOM's).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
const WA = (globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (m: object, imports: object) => { exports: unknown };
  };
}).WebAssembly;

interface Exports {
  memory: WasmMemory;
  heapBase(): number;
  tridiag64(a: number, n: number, d: number, e: number, v: number, p: number): void;
  tridiag32(a: number, n: number, d: number, e: number, v: number, p: number): void;
}

let instance: Exports | null | undefined;

export function wasmPath(): string | null {
  const candidates = [join(__dirname, 'eig.wasm'), join(__dirname, '..', '..', '..', 'dist', 'eig.wasm')];
  return candidates.find((p) => existsSync(p)) ?? null;
}

function load(): Exports | null {
  if (instance !== undefined) return instance;
  const p = wasmPath();
  if (!p) return (instance = null);
  try {
    const mod = new WA.Module(readFileSync(p));
    const inst = new WA.Instance(mod, { env: { abort: () => { throw new Error('eig.wasm aborted'); } } });
    instance = inst.exports as unknown as Exports;
  } catch {
    instance = null;
  }
  return instance;
}

export function wasmAvailable(): boolean {
  return load() !== null;
}

/**
 * Householder tridiagonalization in WebAssembly: float32 storage and SIMD lanes when `a` is a
 * Float32Array and precision is float32, float64 otherwise. Returns (d, e) or null without the module.
 */
export function tridiagonalizeWasm(a: Float32Array | Float64Array, n: number, f32: boolean): { d: Float64Array; e: Float64Array } | null {
  const x = load();
  if (!x) return null;
  const el = f32 ? 4 : 8;
  const base = x.heapBase();
  const aOff = base;
  const dOff = aOff + ((n * n * el + 15) & ~15);
  const eOff = dOff + ((n * 8 + 15) & ~15);
  const vOff = eOff + ((n * 8 + 15) & ~15);
  const pOff = vOff + ((n * el + 15) & ~15);
  const end = pOff + ((n * el + 15) & ~15) + 16;
  const need = end - x.memory.buffer.byteLength;
  if (need > 0) x.memory.grow(Math.ceil(need / 65536));
  const buf = x.memory.buffer;
  if (f32) new Float32Array(buf, aOff, n * n).set(a instanceof Float32Array ? a.subarray(0, n * n) : Float32Array.from(a.subarray(0, n * n)));
  else new Float64Array(buf, aOff, n * n).set(a.subarray(0, n * n));
  (f32 ? x.tridiag32 : x.tridiag64)(aOff, n, dOff, eOff, vOff, pOff);
  return { d: new Float64Array(buf.slice(dOff, dOff + n * 8)), e: new Float64Array(buf.slice(eOff, eOff + Math.max(n - 1, 0) * 8)) };
}
