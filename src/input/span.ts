// A layer's weights as a span of a file that another thread reads itself: the main thread hands the
// pool worker (file, byte offset, element count, dtype) instead of reading and copying the matrix, so
// the reads run beside the spectra on every core and each worker decodes into buffers it reuses
// (allocating fresh memory costs a page fault per 4 KiB, which dominated reading on small VMs).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { decodeInto, ELEMENT_BYTES } from '../checkpoint/fileTensor';
import { CheckpointError, type DType } from '../onnx/types';

/** Element types a span may hold: the float types the readers store weights in. */
export const SPAN_DTYPES: ReadonlySet<DType> = new Set<DType>(['float32', 'float16', 'bfloat16']);

export interface StoredSpan {
  /** The file holding the elements (the model itself, an external-data file, a shard). */
  file: string;
  /** Byte offset of the first element. */
  offset: number;
  /** Number of elements, contiguous, little-endian. */
  count: number;
  dtype: DType;
  /** Name of the stored tensor (for messages). */
  tensor: string;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The span's elements as float32 in `out` (length ≥ count; a fresh array when omitted), returning the
 * first `count` of them. Refuses a file that no longer holds the span (changed since it was read) with
 * one line naming the file and the tensor.
 */
export function readSpan(s: StoredSpan, out?: Float32Array, scratchBytes?: (n: number) => Uint8Array): Float32Array {
  const eb = ELEMENT_BYTES[s.dtype];
  if (!SPAN_DTYPES.has(s.dtype) || !eb) throw new CheckpointError(s.file, `no span reader for ${s.dtype}`, s.tensor);
  if (!Number.isSafeInteger(s.offset) || s.offset < 0 || !Number.isSafeInteger(s.count) || s.count < 0) {
    throw new CheckpointError(s.file, `invalid span [${s.offset}, +${s.count}) of its data`, s.tensor);
  }
  const dst = out && out.length >= s.count ? out.subarray(0, s.count) : new Float32Array(s.count);
  const bytes = s.count * eb;
  let fd: number;
  try {
    fd = openSync(s.file, 'r');
  } catch (e) {
    throw new CheckpointError(s.file, `cannot open its data: ${(e as Error).message}`, s.tensor);
  }
  try {
    const size = fstatSync(fd).size;
    if (s.offset + bytes > size) throw new CheckpointError(s.file, `changed since it was read: it now ends at byte ${size}, inside this weight's data [${s.offset}, ${s.offset + bytes})`, s.tensor);
    // float32 on a little-endian machine: read straight into the result's bytes; else read, then decode
    const direct = s.dtype === 'float32' && LITTLE_ENDIAN;
    const CHUNK = 1 << 24;
    const buf = direct ? new Uint8Array(dst.buffer, dst.byteOffset, bytes) : (scratchBytes?.(Math.min(bytes, CHUNK)) ?? new Uint8Array(Math.min(bytes, CHUNK)));
    for (let done = 0; done < bytes; ) {
      const want = direct ? bytes - done : Math.min(buf.length, bytes - done);
      const at = direct ? done : 0;
      let got = 0;
      while (got < want) {
        const n = readSync(fd, buf, at + got, Math.min(want - got, 1 << 30), s.offset + done + got);
        if (n <= 0) throw new CheckpointError(s.file, `file ends at byte ${s.offset + done + got}, inside this weight's data (changed since it was read?)`, s.tensor);
        got += n;
      }
      if (!direct) decodeInto(buf.subarray(0, want), s.dtype, want / eb, dst, done / eb);
      done += want;
    }
  } finally {
    closeSync(fd);
  }
  return dst;
}
