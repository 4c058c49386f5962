// Checkpoint file formats as plain data (no reader code), for the editor side: menus, watchers, the
// checkpoint index and pickers use these extensions without loading a reader. The readers themselves
// are registered in readers.ts, which takes its extensions from here.
import type { CheckpointFormat } from '../onnx/types';

export const FORMAT_EXTENSIONS: Readonly<Record<CheckpointFormat, readonly string[]>> = {
  onnx: ['.onnx'],
  safetensors: ['.safetensors'],
  pytorch: ['.pt', '.pth', '.bin', '.ckpt'],
};

/** Every checkpoint extension, with the dot. */
export const CHECKPOINT_EXTENSIONS: readonly string[] = Object.values(FORMAT_EXTENSIONS).flat();

/** `**∕*.{onnx,safetensors,pt,pth,bin,ckpt}` for file watchers and findFiles. */
export const CHECKPOINT_GLOB = `**/*.{${CHECKPOINT_EXTENSIONS.map((e) => e.slice(1)).join(',')}}`;

const EXT_RE = new RegExp(`(${CHECKPOINT_EXTENSIONS.map((e) => e.replace('.', '\\.')).join('|')})$`, 'i');

/** True for a path with a checkpoint extension (or a sharded checkpoint's index file). */
export function isCheckpointPath(path: string): boolean {
  return EXT_RE.test(path) || /\.(safetensors|bin)\.index\.json$/i.test(path);
}

/** The file name without its checkpoint extension (`epoch_05.pt` → `epoch_05`). */
export function stripCheckpointExtension(name: string): string {
  return name.replace(/\.(safetensors|bin)\.index\.json$/i, '').replace(EXT_RE, '');
}
