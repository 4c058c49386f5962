// Names the format of a file that failed to parse as ONNX, from its first bytes, so the error can say
// "is a ZIP archive (a PyTorch .pt …)" instead of only "malformed protobuf". Consulted only after a
// parse failed: a valid model is never judged by its magic bytes.

const starts = (b: Uint8Array, magic: number[], at = 0): boolean => b.length >= at + magic.length && magic.every((m, i) => b[at + i] === m);
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** What the file looks like, e.g. 'a PNG image', or null when it is not recognisable. */
export function sniffFormat(head: Uint8Array): string | null {
  if (starts(head, ascii('PK\x03\x04')) || starts(head, ascii('PK\x05\x06'))) {
    return 'a ZIP archive (a PyTorch .pt/.pth checkpoint, a NumPy .npz or a Keras .keras file?)';
  }
  if (starts(head, [0x89, ...ascii('PNG\r\n\x1a\n')])) return 'a PNG image';
  if (starts(head, [0xff, 0xd8, 0xff])) return 'a JPEG image';
  if (starts(head, [0x89, ...ascii('HDF\r\n\x1a\n')])) return 'an HDF5 file (a Keras .h5 model?)';
  if (starts(head, [0x93, ...ascii('NUMPY')])) return 'a NumPy .npy array';
  if (starts(head, ascii('GGUF'))) return 'a GGUF model (llama.cpp)';
  if (starts(head, ascii('TFL3'), 4)) return 'a TensorFlow Lite model';
  if (starts(head, ascii('%PDF'))) return 'a PDF document';
  if (starts(head, [0x7f, ...ascii('ELF')])) return 'an executable or shared library (ELF)';
  if (starts(head, [0x1f, 0x8b])) return 'a gzip archive';
  if (head.length >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) return 'a Python pickle (a legacy PyTorch checkpoint?)';
  if (head.length >= 9 && head[8] === 0x7b && head[6] === 0 && head[7] === 0) return 'a safetensors file';
  if (head.length > 0 && head.every((c) => c === 9 || c === 10 || c === 13 || (c >= 0x20 && c < 0x7f) || c >= 0xc0 || (c >= 0x80 && c < 0xc0))) {
    // Printable ASCII or UTF-8 sequences only: text. (A protobuf almost always has bytes below 0x20.)
    return head.some((c) => c < 0x80) ? 'a text file' : null;
  }
  return null;
}
