// Numeric kernels of the spectral engine: pure functions on typed arrays.
export { eigvalsSym } from './eig';
export { gram, gramJs, setGramThreads } from './gram';
export { singularValues, type Spectrum } from './svd';
export { spectralNormLanczos, jacobiEigen } from './lanczos';
export { fitPowerLaw, type PowerLawFit } from './powerlaw';
export { esdStats, logAlphaNorm, esdDistance, type EsdStats } from './esd';
export { mulberry32, gaussian, shuffleElements } from './random';
export { convSingularValues, convSliceEigenvalues } from './conv';
