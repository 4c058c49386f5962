// onnxruntime for forward passes: sessions with a provider choice and CPU fallback, and checkpoints
// prepared for feeding perturbed weights.
export { loadOrt, cudaLibraries, type Ort } from './ort';
export { createSession, RuntimeLoadError, type OpenedSession, type SessionOptions, type Session } from './session';
export { ForwardModel, type Param, type FilterLayout, type OpenOptions } from './forwardModel';
export { toHalfBits, toHalfArray, fromHalfArray } from './half';
