// Numeric kernels of the spectral engine: pure functions on typed arrays (no ONNX knowledge).
// The O(n³) loops run in WebAssembly SIMD (dist/eig.wasm, built by `npm run build`; see wasm.ts).
export { allFinite, assertFinite, countNonFinite, NonFiniteError } from './finite';
export { eigvalsSym, tridiagonalize, type EigOptions } from './eig';
export { tridiagonalEigen, type TridiagonalEigen } from './ql';
export { gram, gramBackend, gramModel, setGramThreads, type GramOptions, type GramPrecision } from './gram';
export { EXACT_BELOW, singularValues, usesJacobi, type Spectrum, type SpectrumOptions } from './svd';
export { jacobiSingularValues, jacobiSvd, type Svd } from './jacobiSvd';
export { spectralNormLanczos, type LanczosOptions, type LanczosResult } from './lanczos';
export { fitPowerLaw, EIG_FLOOR, MIN_EIGS, type PowerLawFit, type PowerLawOptions } from './powerlaw';
export { esdStats, logAlphaNorm, esdDistance, type EsdStats } from './esd';
export { mulberry32, gaussian, sampleElements, sampleScratchSize, shuffleElements, type SampleOptions, type ShuffleOptions } from './random';
export { timed, timedAsync, takeProfile, addProfile } from './profile';
export { convSingularValues, convSpectralNorm, convSliceEigenvalues, type ConvOptions, type ConvSpectrum } from './conv';
export { gramWasm, tridiagonalEigenvaluesWasm as tridiagonalEigenvalues, wasmAvailable, wasmPath } from './wasm';
