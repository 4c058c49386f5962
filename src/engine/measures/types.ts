// A measure is one small pure function plus its metadata. The registry lists them; the report and
// every view render whatever the registry lists. Heavy work (spectra, forward passes) happens before,
// producing the quantities in MeasureContext; a measure only combines them.
import type { Need } from '../../protocol/report';
import type { RepresentationQuantities } from '../forward/features';

/** Per-layer quantities the aggregate measures combine (one entry per measured weight matrix). */
export interface LayerQuantities {
  name: string;
  /** Number of weight entries (bias excluded). */
  params: number;
  /** Bias entries of this layer. */
  biasParams: number;
  rows: number;
  cols: number;
  fro: number;
  spec: number;
  /** ‖Wᵀ‖₂,₁ = Σ over rows of W[out,in] of the row's ℓ₂ norm. */
  l21: number;
  /** Distances to the reference (initial) checkpoint's matching layer, when one is given. */
  froDist?: number;
  specDist?: number;
  l21Dist?: number;
  /** Heavy-tailed metrics, when defined for this layer. */
  alpha?: number | null;
  alphaWeighted?: number | null;
  logNorm?: number | null;
  logSpectralNorm?: number | null;
  logAlphaNorm?: number | null;
  stableRank?: number | null;
  mpSoftrank?: number | null;
  entropy?: number | null;
}

/** Quantities that need forward passes on probe data (absent when no data was given). */
export interface DataQuantities {
  /** Number of training examples the model was trained on (--train-size), if given. */
  m?: number;
  /** Number of classes K. */
  classes: number;
  trainAccuracy: number;
  trainCrossEntropy: number;
  testAccuracy?: number;
  testCrossEntropy?: number;
  /** γ: 10th percentile of the signed training margins. */
  marginP10: number;
  /** max_i ‖x_i‖₂ over the probe, and √Σ‖x_i‖² (Bartlett's B uses the latter / √n scaling; see bounds). */
  maxInputNorm: number;
  /** Mean of ‖x_i‖² over the training probe (Bartlett's ‖X‖₂ ≈ √(m·mean), Golowich's √Σ‖x‖²). */
  meanSqInputNorm?: number;
  /** Examples in the training probe. */
  probeSize?: number;
  /** Path-norm Σ f_{w²}(1) (Jiang eq. 44), or null with a reason when undefined for the network. */
  pathNorm?: number | null;
  pathNormReason?: string;
  /** σ′ of Jiang's isotropic and magnitude-aware flatness searches (standard deviations). */
  sigmaIso?: number;
  sigmaMag?: number;
  /** ‖w‖², ‖w − w⁰‖² over all perturbed parameters, and their count ω. */
  wNormSq?: number;
  wDistSq?: number;
  omega?: number;
  /** Magnitude-aware KL sum Σᵢ log[(ε² + (σ′²+1)‖w‖²/ω)/(ε² + σ′²(wᵢ−w⁰ᵢ)²)] (init) and with w⁰=0 (orig). */
  magLogSumInit?: number;
  magLogSumOrig?: number;
  /** Average-case sharpness: mean loss increase under random perturbations (plain and adaptive). */
  sharpness?: number;
  sharpnessStderr?: number;
  sharpnessAdaptive?: number;
  sharpnessAdaptiveStderr?: number;
  /** ρ of the plain and adaptive sharpness perturbations (standard deviations; adaptive: ρ·|wᵢ|). */
  sharpnessRho?: number;
  sharpnessRhoAdaptive?: number;
  /** False when the σ′ search never lost 0.1 accuracy (σ′ is then only a lower bound). */
  sigmaIsoBracketed?: boolean;
  sigmaMagBracketed?: boolean;
  /**
   * Exact KL(N(w, s) ‖ N(w⁰, λ*I)) at the KL-optimal λ* for the posteriors of the σ′ searches (isotropic
   * sᵢ = σ′², magnitude-aware sᵢ = σ′²wᵢ² + ε²), prior centred at w⁰ (init) or 0 (orig), and the
   * PAC-Bayes-kl bound values with Dziugaite & Roy's λ grid at the stochastic error measured at σ′.
   */
  exactKl?: Partial<Record<'isoInit' | 'isoOrig' | 'magInit' | 'magOrig', number>>;
  pacBayesKl?: Partial<Record<'isoInit' | 'isoOrig' | 'magInit' | 'magOrig', number>>;
  /** Penultimate-feature measures and mixup accuracy (src/engine/forward/features.ts). */
  representation?: RepresentationQuantities;
}

export interface MeasureContext {
  layers: LayerQuantities[];
  /** Total parameters ω of the measured layers (weights and biases). */
  params: number;
  /** Number of weight layers d. */
  depth: number;
  /** True when an init/reference checkpoint was matched to every layer. */
  hasInit: boolean;
  data?: DataQuantities;
}

export interface Measure {
  id: string;
  name: string;
  /** Plain-text formula (Unicode math), shown on hover. */
  formula: string;
  reference: string;
  equation?: string;
  group: 'count' | 'norm' | 'spectral' | 'heavyTailed' | 'margin' | 'flatness' | 'accuracy' | 'sharpness' | 'pathNorm' | 'representation';
  /** +1: larger predicts worse generalization; −1: larger predicts better; 0: neither/descriptive. */
  direction: 1 | -1 | 0;
  /** What must be present in the context; when missing the report lists the measure with `needs`. */
  needs: Need[];
  /** Pure: returns null (with `why`) when undefined for this model (e.g. no layers with α). */
  compute(ctx: MeasureContext): number | null;
  /** Optional standard error for Monte-Carlo estimates. */
  stderr?(ctx: MeasureContext): number | undefined;
}
