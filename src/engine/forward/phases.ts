// The forward phases in the order they run; report.partial.pending lists those still to come. Kept
// apart from forward/index.ts so that naming them does not load onnxruntime.
export const FORWARD_PHASES = ['accuracy', 'pathNorm', 'flatness', 'representation', 'sharpness', 'bounds', 'landscape'] as const;
export type ForwardPhase = (typeof FORWARD_PHASES)[number];
