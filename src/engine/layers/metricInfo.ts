// Metadata of every per-layer metric the engine computes. The report carries this table
// (report.metricInfo) so views render names, symbols and formulas without copies of their own.
import type { MetricInfo } from '../../protocol/report';

const MM = 'Martin & Mahoney 2021 (Nat. Commun. 12:4122); WeightWatcher conventions';
const CSN = 'Clauset, Shalizi & Newman 2009 (SIAM Rev. 51:661), x_min by minimal KS distance as in WeightWatcher';

export const METRIC_INFO: Record<string, MetricInfo> = {
  frobeniusNorm: { name: 'Frobenius norm', symbol: '‖W‖_F', formula: '‖W‖_F = √(Σᵢⱼ wᵢⱼ²)', reference: 'Jiang et al. 2020', group: 'norm' },
  spectralNorm: { name: 'Spectral norm', symbol: '‖W‖₂', formula: '‖W‖₂ = σ_max(W)', reference: 'Bartlett et al. 2017; Jiang et al. 2020', group: 'norm' },
  nuclearNorm: { name: 'Nuclear norm', symbol: '‖W‖_*', formula: '‖W‖_* = Σᵢ σᵢ', reference: 'trace norm', group: 'norm' },
  stableRank: { name: 'Stable rank', symbol: 'srank', formula: '‖W‖_F² / ‖W‖₂² = Σλ / λ_max', reference: 'Sanyal, Torr & Dokania 2020; Jiang et al. 2020 eq. 33 (summed)', group: 'norm' },
  conditionNumber: { name: 'Condition number', symbol: 'κ', formula: 'σ_max / σ_min over the min(m,n) singular values', reference: 'standard', group: 'norm' },
  l21Norm: { name: 'ℓ₂,₁ norm of Wᵀ', symbol: '‖Wᵀ‖₂,₁', formula: 'Σ_rows ‖W[i,:]‖₂ (W as [out, in])', reference: 'Bartlett, Foster & Telgarsky 2017', group: 'norm' },
  effectiveRank: { name: 'Effective rank', symbol: 'erank', formula: 'exp(−Σ pᵢ ln pᵢ), pᵢ = σᵢ / Σσ', reference: 'Roy & Vetterli 2007', group: 'norm' },
  alpha: { name: 'Power-law exponent α', symbol: 'α', formula: 'α = 1 + n / Σ_{λᵢ ≥ x_min} ln(λᵢ / x_min), λ = σ²', reference: `${CSN}; ${MM}`, group: 'heavyTailed' },
  alphaSigma: { name: 'Std. error of α', symbol: 'σ_α', formula: '(α − 1) / √n, n = tail size', reference: CSN, group: 'heavyTailed' },
  xmin: { name: 'Tail start x_min', symbol: 'x_min', formula: 'argmin over candidate x_min of the KS distance D', reference: CSN, group: 'heavyTailed' },
  ksDistance: { name: 'KS distance of the fit', symbol: 'D', formula: 'max_k |1 − (x_{i+k}/x_min)^{1−α} − k/n|', reference: CSN, group: 'heavyTailed' },
  alphaWeighted: { name: 'Weighted alpha α̂', symbol: 'α̂', formula: 'α · log₁₀ λ_max', reference: MM, group: 'heavyTailed' },
  logNorm: { name: 'Log Frobenius norm', symbol: 'log‖W‖²_F', formula: 'log₁₀ Σλ = log₁₀ ‖W‖_F²', reference: MM, group: 'heavyTailed' },
  logSpectralNorm: { name: 'Log spectral norm', symbol: 'log λ_max', formula: 'log₁₀ λ_max = log₁₀ ‖W‖₂²', reference: MM, group: 'heavyTailed' },
  logAlphaNorm: { name: 'Log α-norm', symbol: 'log‖W‖^α_α', formula: 'log₁₀ Σ λᵢ^α', reference: MM, group: 'heavyTailed' },
  entropy: { name: 'Matrix entropy', symbol: 'H', formula: '−Σ p ln p / ln R, p = λ / Σλ, R = numerical rank', reference: 'Martin & Mahoney 2021 (JMLR 22:165)', group: 'heavyTailed' },
  mpBulkMax: { name: 'MP bulk edge λ₊', symbol: 'λ₊', formula: 's²(√m + √n)², s² = ‖W‖_F² / (mn)', reference: 'Marchenko & Pastur 1967; Martin & Mahoney 2021', group: 'heavyTailed' },
  numSpikes: { name: 'Spikes above the MP bulk', symbol: '#spikes', formula: '#{λ > λ₊}', reference: 'Martin & Mahoney 2021', group: 'heavyTailed' },
  mpSoftrank: { name: 'MP soft rank', symbol: 'mp-softrank', formula: 'λ₊ / λ_max', reference: 'Martin & Mahoney 2021', group: 'heavyTailed' },
  randDistance: { name: 'Distance to the shuffled ESD', symbol: 'd_rand', formula: 'Jensen–Shannon distance between histograms of log₁₀λ of W and of W with its entries shuffled', reference: 'Martin & Mahoney 2021 (randomization test)', group: 'heavyTailed' },
  randSpectralNorm: { name: 'Spectral norm after shuffling', symbol: '‖Wʳ‖₂', formula: 'σ_max of W with its entries shuffled (seeded)', reference: 'Martin & Mahoney 2021 (correlation traps)', group: 'heavyTailed' },
  spectralNormExact: { name: 'Exact operator norm (conv)', symbol: '‖conv‖₂', formula: 'max_{u,v} σ_max(FFT₂(K)[u,v]) for circular padding on the input size', reference: 'Sedghi, Gupta & Long 2019 (ICLR)', group: 'norm' },
  distFrobeniusInit: { name: 'Frobenius distance to init', symbol: '‖W−W⁰‖_F', formula: '‖W − W⁰‖_F', reference: 'Nagarajan & Kolter 2019; Jiang et al. 2020 eq. 40', group: 'init' },
  distSpectralInit: { name: 'Spectral distance to init', symbol: '‖W−W⁰‖₂', formula: '‖W − W⁰‖₂', reference: 'Jiang et al. 2020 eq. 41', group: 'init' },
  deltaAlpha: { name: 'α of the update W − W⁰', symbol: 'α(ΔW)', formula: 'power-law exponent of the ESD of W − W⁰', reference: `${CSN}; ${MM}`, group: 'init' },
  deltaStableRank: { name: 'Stable rank of W − W⁰', symbol: 'srank(ΔW)', formula: '‖W−W⁰‖_F² / ‖W−W⁰‖₂²', reference: 'standard', group: 'init' },
  wwPooledAlpha: { name: 'α of pooled kernel slices (WeightWatcher conv default)', symbol: 'α_ww', formula: 'power-law fit of the pooled eigenvalues of the kh·kw slices W[:,:,i,j]', reference: MM, group: 'heavyTailed' },
};

/** Metric ids in display order. */
export const METRIC_IDS = Object.keys(METRIC_INFO);
