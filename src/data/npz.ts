// NumPy's .npz: a zip archive of .npy members (np.savez: stored; np.savez_compressed: deflated).
// Read through the central directory (zip64 sizes and offsets honoured); members are decompressed and
// parsed only when asked for, and their CRC-32 is checked so a corrupt archive is an error, not data.
import { LIMITS } from '../input/limits';
import { bytesSource, ZipArchive } from '../input/zip';
import { parseNpy, ProbeError, type NpyArray } from './npy';

export { crc32 } from '../input/zip';

export interface NpzMember {
  /** Array name: the member's file name without `.npy`. */
  name: string;
  compressedSize: number;
  size: number;
  /** Decompresses, verifies and parses the member. */
  load(): NpyArray;
}

/** The members of an .npz archive, in central-directory order. */
export function readNpz(bytes: Uint8Array, file: string): Map<string, NpzMember> {
  const zip = new ZipArchive(bytesSource(bytes), (problem, kind) => {
    throw new ProbeError(file, kind === 'notZip' ? `not a valid .npz (zip) file: ${problem}` : `corrupt .npz: ${problem}`);
  });
  const out = new Map<string, NpzMember>();
  for (const e of zip.entries.values()) {
    const name = e.name.replace(/\.npy$/, '');
    out.set(name, {
      name, compressedSize: e.compressedSize, size: e.size,
      load: () => {
        // Budget, before anything is read or inflated: the declared size within the probe limit (the
        // archive reader then checks it is plausible for the method, caps the inflater and the CRC).
        if (e.size > LIMITS.maxProbeBytes) {
          throw new ProbeError(file, `${e.shown} declares ${e.size} bytes uncompressed, more than the probe limit of ${LIMITS.maxProbeBytes} bytes (256 MiB); save a smaller probe`);
        }
        return parseNpy(zip.read(e), `${file} [${name}]`);
      },
    });
  }
  return out;
}
