// Buffers a layer worker reuses from one layer to the next (the matrix read from the file, the init,
// the shuffled copy): a fresh multi-megabyte array costs a page fault per 4 KiB on first touch, which on
// small VMs cost more than the Gram product of the same matrix. Only a pool's layer worker enables
// them (it measures one layer at a time, so a slot is never in use twice); everywhere else scratch()
// returns a fresh array. releaseScratch() drops them (the pool asks when it is kept idle between analyses).

const slots = new Map<string, Float32Array>();
const slots64 = new Map<string, Float64Array>();
let enabled = false;

/** Lets scratch() keep and reuse buffers on this thread (layer workers only: one layer at a time). */
export function enableScratch(on = true): void {
  enabled = on;
  if (!on) releaseScratch();
}

/** The slot's kept buffer grown to at least n entries (a fresh array when scratch is off), viewed as n entries. */
function take<T extends Float32Array | Float64Array>(kept: Map<string, T>, slot: string, n: number, make: (n: number) => T): T {
  if (!enabled) return make(n);
  let b = kept.get(slot);
  if (!b || b.length < n) {
    kept.delete(slot);
    b = make(n);
    kept.set(slot, b);
  }
  return b.subarray(0, n) as T;
}

/**
 * A Float32Array of n entries for `slot`: a view of the slot's kept buffer (grown to the largest n seen)
 * when scratch is enabled on this thread, else a fresh array. Its contents are undefined. Valid until
 * the next call for the same slot.
 */
export function scratch(slot: string, n: number): Float32Array {
  return take(slots, slot, n, (m) => new Float32Array(m));
}

/** scratch() for float64 (its own slots). */
export function scratch64(slot: string, n: number): Float64Array {
  return take(slots64, slot, n, (m) => new Float64Array(m));
}

/** Largest buffer kept from one layer to the next (256 MiB): a bigger layer's compute dwarfs its page faults. */
export const SCRATCH_KEEP_BYTES = 256 * 2 ** 20;

/** Drops the kept buffers larger than `maxBytes` (after a layer: a huge layer's buffers are not held for the rest). */
export function trimScratch(maxBytes = SCRATCH_KEEP_BYTES): void {
  for (const [k, b] of slots) if (b.byteLength > maxBytes) slots.delete(k);
  for (const [k, b] of slots64) if (b.byteLength > maxBytes) slots64.delete(k);
}

/** Drops every kept buffer (bytes released: their total). */
export function releaseScratch(): number {
  let bytes = 0;
  for (const b of slots.values()) bytes += b.byteLength;
  for (const b of slots64.values()) bytes += b.byteLength;
  slots.clear();
  slots64.clear();
  return bytes;
}
