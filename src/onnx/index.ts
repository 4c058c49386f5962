// The checkpoint reader's public API. Nothing under src/onnx imports vscode.
export { loadCheckpoint, loadCheckpointSync, loadCheckpointBytes } from './reader';
export { moduleName } from './layers';
export * from './types';
