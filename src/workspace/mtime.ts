// A file's modification time for the comparison's caches, or −1 when it is gone.
import { statSync } from 'node:fs';

export function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}
