"""Independent NumPy reference for Theory Lens's weight-only measures.

usage: python3 reference.py MODEL.onnx [--init INIT.onnx] [--input-spatial NAME=HxW ...] [--label PATH]
       python3 reference.py --self-check [FIXTURES_DIR]

Prints JSON on stdout: {"model", "init", "layers": [{"name", "op", "matrixShape": [out, in], "metrics"}],
"measures"}. `model`/`init` are --label (default: the path as given) and the init file's name.

Everything is computed the slow, obvious way in float64 from the stored weights: singular values by
LAPACK's SVD (np.linalg.svd), the power-law fit by a direct loop over every candidate x_min, the exact
convolution spectrum from the dense operator matrix (asserted equal to Sedghi et al.'s FFT formula).
Conventions (README.md of this folder): matrices are [out, in]; Gemm's B is [out, in] when transB=1 and
[in, out] otherwise; a constant MatMul operand W [in, out] gives Wᵀ; conv kernels [c_out, c_in, kh, kw]
reshape to [c_out, c_in·kh·kw]. Layers are listed in node order and named by their weight initializer.
Stdlib + numpy only (selfcheck.py also uses scipy).
"""
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_min import OnnxError, load  # noqa: E402

FLOAT32_EPS = 1.1920929e-7
FLOAT64_EPS = 2.220446049250313e-16
# The spectrum's resolution (the engine's documented rule, src/engine/metrics/shared.ts `resolution`):
# eigenvalues at or below it are numerical zeros and stay out of the power-law fit. Layers with
# min(r,c)²·max(r,c) ≤ EXACT_BELOW get σ by one-sided Jacobi in float64 (floor (n·ε₆₄)²·λ_max); larger
# ones get λ from the float32 Gram matrix (floor n·ε₃₂·λ_max); n = max(rows, cols). Relative to λ_max,
# so α does not change when W is scaled (WeightWatcher's absolute 1e-5 would).
EXACT_BELOW = 1 << 16
POWER_LAW_MIN_N = 10
JS_BINS = 100
JS_REL_FLOOR = 1e-10


# ---------------------------------------------------------------- layers ---------------------------------

def layers_of(model):
    """1. The measured layers in node order: dicts {name, op, W [out,in], bias (size), kernel, node}.
    Gemm(A, B, C): B constant → W = B if transB = 1 else Bᵀ; bias = C if constant.
    MatMul(X, W) with W constant [in, out] → Wᵀ; MatMul(W, X) with W constant [out, in] → W.
    Conv(X, K, b): K [c_out, c_in/g, kh, kw] → K.reshape(c_out, −1); bias = b if constant."""
    init = model["initializers"]
    out = []

    def const(n, k):
        return n["inputs"][k] if len(n["inputs"]) > k and n["inputs"][k] in init else None

    for n in model["nodes"]:
        op, w, b = n["op"], None, None
        if op == "Gemm" and const(n, 1):
            w, b = const(n, 1), const(n, 2)
            B = init[w]
            W = B if n["attrs"].get("transB", 0) == 1 else B.T
        elif op == "MatMul" and const(n, 1) and init[const(n, 1)].ndim == 2:
            w = const(n, 1)
            W = init[w].T
        elif op == "MatMul" and const(n, 0) and init[const(n, 0)].ndim == 2:
            w = const(n, 0)
            W = init[w]
        elif op == "Conv" and const(n, 1):
            w, b = const(n, 1), const(n, 2)
            W = init[w].reshape(init[w].shape[0], -1)
        else:
            continue
        out.append({"name": w, "op": op, "W": np.asarray(W, dtype=np.float64), "node": n,
                    "bias": int(init[b].size) if b else 0, "kernel": init[w] if op == "Conv" else None})
    return out


def conv_output_size(size, k, stride, pad_begin, pad_end, dilation, ceil_mode=False):
    """2. Output length of a conv/pool along one axis: ⌊(size + p_b + p_e − d(k−1) − 1)/s⌋ + 1 (⌈·⌉ with
    ceil_mode)."""
    span = size + pad_begin + pad_end - dilation * (k - 1) - 1
    return (-(-span // stride) if ceil_mode else span // stride) + 1


def infer_spatial(model):
    """3. The input spatial size (H, W) of every Conv layer, propagated from the graph inputs' shapes
    through Conv, MaxPool/AveragePool and shape-preserving element-wise ops (unknown after anything
    else). Returns {weight name: (H, W)}."""
    shapes = {i["name"]: i["shape"] for i in model["inputs"] if i["shape"] is not None}
    init = model["initializers"]
    elementwise = {"Relu", "Tanh", "Sigmoid", "LeakyRelu", "Elu", "Selu", "Gelu", "Softplus", "HardSigmoid",
                   "Identity", "Dropout", "BatchNormalization", "Clip", "Neg", "Abs"}
    found = {}
    for n in model["nodes"]:
        x = shapes.get(n["inputs"][0]) if n["inputs"] else None
        if x is None or len(x) != 4 or not all(isinstance(d, int) for d in x[2:]):
            continue
        a = n["attrs"]
        if n["op"] in elementwise:
            shapes[n["outputs"][0]] = x
        elif n["op"] in ("Conv", "MaxPool", "AveragePool"):
            if n["op"] == "Conv":
                if n["inputs"][1] not in init:
                    continue
                kshape = init[n["inputs"][1]].shape
                found[n["inputs"][1]] = (x[2], x[3])
                channels, k = kshape[0], list(kshape[2:])
            else:
                channels, k = x[1], a["kernel_shape"]
            strides, dil = a.get("strides", [1, 1]), a.get("dilations", [1, 1])
            pads = a.get("pads", [0, 0, 0, 0])
            auto = a.get("auto_pad", "NOTSET")
            if auto in ("SAME_UPPER", "SAME_LOWER"):
                hw = [-(-x[2 + d] // strides[d]) for d in range(2)]
            else:
                if auto == "VALID":
                    pads = [0, 0, 0, 0]
                hw = [conv_output_size(x[2 + d], k[d], strides[d], pads[d], pads[d + 2], dil[d],
                                       bool(a.get("ceil_mode", 0))) for d in range(2)]
            shapes[n["outputs"][0]] = [x[0], channels] + hw
    return found


# ---------------------------------------------------------------- randomization ---------------------------

def mulberry32(seed):
    """4. mulberry32 with 32-bit unsigned arithmetic emulated by masks; next() → uint32:
    a ← a + 0x6D2B79F5; t ← imul(a ⊕ (a ≫ 15), 1 | a); t ← (t + imul(t ⊕ (t ≫ 7), 61 | t)) ⊕ t;
    return t ⊕ (t ≫ 14)  (imul = low 32 bits of the product; ≫ logical)."""
    M = 0xFFFFFFFF
    a = seed & M

    def nxt():
        nonlocal a
        a = (a + 0x6D2B79F5) & M
        t = ((a ^ (a >> 15)) * (1 | a)) & M
        t = ((t + (((t ^ (t >> 7)) * (61 | t)) & M)) & M) ^ t
        return (t ^ (t >> 14)) & M

    return nxt


SHUFFLE_BUCKET_ABOVE = 1 << 20


def shuffled(W, seed=0, bucket_above=SHUFFLE_BUCKET_ABOVE, bucket_bits=None):
    """5. W's entries (row-major) permuted with draws t = next() (u = t/2³²): up to 2²⁰ entries by
    Fisher–Yates (for i = len−1 … 1, j = ⌊u·(i+1)⌋, swap i and j); above, Rao–Sandelius with B = 2^L
    buckets, L = 8: the first ⌈len/P⌉ draws, P = ⌊32/L⌋, label the entries in
    order — entry P·d + j gets (t_d ≫ L·j) & (B − 1) —, entries are laid out bucket by bucket (input order
    within a bucket), then each bucket, bucket 0 first, is Fisher–Yates-shuffled with the next draws."""
    flat = W.ravel().copy()
    nxt = mulberry32(seed)

    def fisher_yates(lo, hi):
        for i in range(hi - lo - 1, 0, -1):
            j = lo + int(nxt() / 4294967296.0 * (i + 1))
            flat[lo + i], flat[j] = flat[j], flat[lo + i]

    n = flat.size
    if n <= bucket_above:
        fisher_yates(0, n)
        return flat.reshape(W.shape)
    L = bucket_bits or 8
    B, P = 1 << L, 32 // L
    draws = np.array([nxt() for _ in range(-(-n // P))], dtype=np.uint64)
    labels = np.stack([(draws >> np.uint64(L * j)) & np.uint64(B - 1) for j in range(P)], axis=1).ravel()[:n].astype(np.int64)
    flat = flat[np.argsort(labels, kind="stable")]
    starts = np.concatenate([[0], np.cumsum(np.bincount(labels, minlength=B))])
    for b in range(B):
        fisher_yates(int(starts[b]), int(starts[b + 1]))
    return flat.reshape(W.shape)


def histogram(values, lo, hi, bins=JS_BINS):
    """6. Counts in `bins` equal bins over [lo, hi], normalised to sum 1: bin ⌊(v − lo)/(hi − lo)·bins⌋,
    the top edge v = hi in the last bin (all in bin 0 when hi = lo)."""
    if hi > lo:
        idx = np.minimum(bins - 1, np.floor((values - lo) / (hi - lo) * bins).astype(np.int64))
    else:
        idx = np.zeros(values.size, dtype=np.int64)
    return np.bincount(idx, minlength=bins) / values.size


def js_distance(lam_a, lam_b, bins=JS_BINS):
    """7. Jensen–Shannon distance √JS (log base 2) between the histograms of log₁₀λ of two ESDs:
    λ kept if λ > 1e-10·max(λ_max,a, λ_max,b); bins over [min, max] of both sets together;
    JS = ½Σ p log₂(p/m) + ½Σ q log₂(q/m), m = (p+q)/2."""
    top = max(lam_a.max(), lam_b.max())
    la = np.log10(lam_a[lam_a > JS_REL_FLOOR * top])
    lb = np.log10(lam_b[lam_b > JS_REL_FLOOR * top])
    lo, hi = min(la.min(), lb.min()), max(la.max(), lb.max())
    p, q = histogram(la, lo, hi, bins), histogram(lb, lo, hi, bins)
    m = (p + q) / 2
    js = 0.0
    for pi, qi, mi in zip(p, q, m):
        if pi > 0:
            js += 0.5 * pi * math.log2(pi / mi)
        if qi > 0:
            js += 0.5 * qi * math.log2(qi / mi)
    return math.sqrt(max(js, 0.0))


# ---------------------------------------------------------------- power law -------------------------------

def lambda_floor(rows, cols, lmax):
    """The eigenvalue resolution of a rows×cols layer's spectrum (see EXACT_BELOW)."""
    n, k = max(rows, cols), min(rows, cols)
    if k * k * n <= EXACT_BELOW:
        return (n * FLOAT64_EPS) ** 2 * lmax
    return n * FLOAT32_EPS * lmax


def power_law_fit(lam, floor):
    """8. WeightWatcher's power-law fit of an ESD. x = sorted λ > floor (N of them; None if N < 10).
    Every x_i but the largest is a candidate x_min, n = N − i:
      α_i = 1 + n / (Σ_{j≥i} ln x_j − n ln x_i),
      D_i = max_{k=0..n−1} |1 − (x_{i+k}/x_i)^{1−α_i} − k/n|   (D_i = 1 if α_i ≤ 1 or not finite);
    the smallest D_i wins (first index on ties). → {alpha, xmin, ksDistance, alphaSigma = (α−1)/√n}."""
    x = np.sort(lam[lam > floor])
    N = x.size
    if N < POWER_LAW_MIN_N:
        return None
    logs = np.log(x)
    suffix = np.cumsum(logs[::-1])[::-1]  # suffix[i] = Σ_{j≥i} ln x_j
    best = None
    for i in range(N - 1):
        n = N - i
        denom = suffix[i] - n * logs[i]
        alpha = 1 + n / denom if denom > 0 else math.inf
        if alpha <= 1 or not math.isfinite(alpha):
            D = 1.0
        else:
            k = np.arange(n)
            D = float(np.max(np.abs(1 - (x[i:] / x[i]) ** (1 - alpha) - k / n)))
        if best is None or D < best[2]:
            best = (alpha, x[i], D, n)
    alpha, xmin, D, n = best
    return {"alpha": float(alpha), "xmin": float(xmin), "ksDistance": D, "alphaSigma": (alpha - 1) / math.sqrt(n)}


# ---------------------------------------------------------------- exact conv spectrum ---------------------

def circular_conv(K, X, pad=(0, 0), dilation=(1, 1)):
    """9. ONNX Conv (cross-correlation), stride 1, circular padding, on a batch X [N, c_in, H, W]:
    y[n,o,i,j] = Σ_{c,a,b} K[o,c,a,b]·x[n, c, (i + a·d_h − p_t) mod H, (j + b·d_w − p_l) mod W]."""
    _, _, kh, kw = K.shape
    N, _, H, W = X.shape
    Y = np.zeros((N, K.shape[0], H, W))
    for a in range(kh):
        for b in range(kw):
            # np.roll(x, s)[i] = x[i − s], so s = p − a·d reads x[i + a·d − p].
            Xs = np.roll(X, shift=(pad[0] - a * dilation[0], pad[1] - b * dilation[1]), axis=(2, 3))
            Y += np.einsum("oc,ncij->noij", K[:, :, a, b], Xs)
    return Y


def conv_operator_matrix(K, H, W, pad=(0, 0), dilation=(1, 1)):
    """10. The dense matrix A (c_out·H·W × c_in·H·W) of the circular stride-1 conv: column m is the
    conv applied to the m-th standard basis vector of R^{c_in×H×W} (row-major c, i, j)."""
    ci = K.shape[1]
    basis = np.eye(ci * H * W).reshape(ci * H * W, ci, H, W)
    return circular_conv(K, basis, pad, dilation).reshape(ci * H * W, -1).T


def sedghi_singular_values(K, H, W, dilation=(1, 1)):
    """11. Sedghi, Gupta & Long 2019 (ICLR), Thm 6: the singular values of the circular conv on H×W are
    ⋃_{u,v} σ(P[:,:,u,v]), P = FFT₂ over the spatial axes of K placed (dilated, wrapped mod H×W) on an
    H×W grid. (Cross-correlation and the padding offset change P only by unit-modulus phases.)"""
    co, ci, kh, kw = K.shape
    grid = np.zeros((co, ci, H, W))
    for a in range(kh):
        for b in range(kw):
            grid[:, :, (a * dilation[0]) % H, (b * dilation[1]) % W] += K[:, :, a, b]
    P = np.fft.fft2(grid, axes=(2, 3))
    return np.sort(np.concatenate([np.linalg.svd(P[:, :, u, v], compute_uv=False)
                                   for u in range(H) for v in range(W)]))


def conv_spectral_norm_exact(K, H, W, pad=(0, 0), dilation=(1, 1), group=1):
    """12. σ_max of the circular stride-1 conv on H×W: the largest singular value of the dense operator
    (10.), asserted equal to the FFT formula (11.) to 1e-10 relative (also their whole spectra)."""
    if group != 1:
        raise ValueError(f"grouped convolution (group={group}) is not supported by the exact spectrum")
    dense = np.sort(np.linalg.svd(conv_operator_matrix(K, H, W, pad, dilation), compute_uv=False))
    fft = sedghi_singular_values(K, H, W, dilation)
    top = dense[-1]
    assert abs(top - fft[-1]) <= 1e-10 * top, f"dense {top!r} vs Sedghi FFT {fft[-1]!r}"
    assert np.max(np.abs(dense - fft)) <= 1e-10 * top, "dense and FFT spectra differ"
    return float(top)


# ---------------------------------------------------------------- per-layer metrics -----------------------

def l21(W):
    """13. ‖Wᵀ‖₂,₁ = Σ_i ‖W[i,:]‖₂ over the rows of the [out, in] matrix (Bartlett et al. 2017)."""
    return float(np.sum(np.sqrt(np.sum(W * W, axis=1))))


def layer_metrics(W, kernel=None, spatial=None, conv_attrs=None, W0=None):
    """14. Every per-layer metric of one [out, in] matrix W (σ from np.linalg.svd, λ = σ² ascending):
    frobeniusNorm √Σw², spectralNorm σ_max, nuclearNorm Σσ, stableRank ‖W‖_F²/σ_max², conditionNumber
    σ_max/σ_min (null if σ_min = 0), l21Norm (13.), effectiveRank exp(−Σ p ln p), p = σ/Σσ over σ > 0;
    logNorm log₁₀Σλ, logSpectralNorm log₁₀λ_max, power law (8.), alphaWeighted α·log₁₀λ_max, logAlphaNorm
    log₁₀Σ_{λ>0} λ^α (the fit drops λ ≤ lambda_floor: the spectrum's resolution), entropy −Σ p ln p / ln R (p = λ/Σλ over λ > 0, R = #{σ > σ_max·max(out,in)·eps32},
    null if R ≤ 1), MP: s² = ‖W‖_F²/(out·in), mpBulkMax λ₊ = s²(√out + √in)², numSpikes #{λ > λ₊},
    mpSoftrank λ₊/λ_max; randDistance (7.) and randSpectralNorm of the shuffled W (5., seed 0);
    conv: spectralNormExact (12.); with init: distFrobeniusInit ‖W−W⁰‖_F, distSpectralInit ‖W−W⁰‖₂."""
    rows, cols = W.shape
    s = np.linalg.svd(W, compute_uv=False)
    lam = np.sort(s * s)
    fro = math.sqrt(float(np.sum(W * W)))
    smax, smin = float(s.max()), float(s.min())
    m = {
        "frobeniusNorm": fro,
        "spectralNorm": smax,
        "nuclearNorm": float(s.sum()),
        "stableRank": fro * fro / (smax * smax),
        "conditionNumber": smax / smin if smin > 0 else None,
        "l21Norm": l21(W),
    }
    p = s[s > 0] / s.sum()
    m["effectiveRank"] = math.exp(-float(np.sum(p * np.log(p))))
    m["logNorm"] = math.log10(float(lam.sum()))
    m["logSpectralNorm"] = math.log10(float(lam[-1]))
    fit = power_law_fit(lam, lambda_floor(rows, cols, float(lam[-1])))
    m.update(fit or {"alpha": None, "xmin": None, "ksDistance": None, "alphaSigma": None})
    if fit:
        m["alphaWeighted"] = fit["alpha"] * math.log10(float(lam[-1]))
        m["logAlphaNorm"] = math.log10(float(np.sum(lam[lam > 0] ** fit["alpha"])))
    else:
        m["alphaWeighted"] = m["logAlphaNorm"] = None
    R = int(np.sum(s > smax * max(rows, cols) * FLOAT32_EPS))
    pl = lam[lam > 0] / lam.sum()
    m["entropy"] = -float(np.sum(pl * np.log(pl))) / math.log(R) if R > 1 else None
    s2 = fro * fro / (rows * cols)
    lplus = s2 * (math.sqrt(rows) + math.sqrt(cols)) ** 2
    m["mpBulkMax"] = lplus
    m["numSpikes"] = int(np.sum(lam > lplus))
    m["mpSoftrank"] = lplus / float(lam[-1])
    sr = np.linalg.svd(shuffled(W, 0), compute_uv=False)
    m["randDistance"] = js_distance(lam, np.sort(sr * sr))
    m["randSpectralNorm"] = float(sr.max())
    if kernel is not None and spatial is not None:
        a = conv_attrs or {}
        pads = a.get("pads", [0, 0, 0, 0])
        m["spectralNormExact"] = conv_spectral_norm_exact(kernel, spatial[0], spatial[1], (pads[0], pads[1]),
                                                          tuple(a.get("dilations", [1, 1])), a.get("group", 1))
    if W0 is not None:
        D = W - W0
        m["distFrobeniusInit"] = math.sqrt(float(np.sum(D * D)))
        m["distSpectralInit"] = float(np.linalg.svd(D, compute_uv=False).max())
    return m


# ---------------------------------------------------------------- aggregates ------------------------------

WW_MEANS = [("wwMeanAlpha", "alpha"), ("wwMeanAlphaWeighted", "alphaWeighted"), ("wwMeanLogNorm", "logNorm"),
            ("wwMeanLogSpectralNorm", "logSpectralNorm"), ("wwMeanLogAlphaNorm", "logAlphaNorm"),
            ("wwMeanStableRank", "stableRank"), ("wwMeanMpSoftrank", "mpSoftrank"), ("wwMeanEntropy", "entropy")]


def aggregates(layers, metrics, params, inits):
    """15. Weight-only aggregates (natural logs; d layers; Jiang et al. 2020 eq. numbers in README):
    params ω; logProdSpec Σ ln‖Wᵢ‖₂²; logSumSpec ln d + (1/d)Σ ln‖Wᵢ‖₂²; froOverSpec Σ‖Wᵢ‖_F²/‖Wᵢ‖₂²;
    logProdFro Σ ln‖Wᵢ‖_F²; logSumFro ln d + (1/d)Σ ln‖Wᵢ‖_F²; paramNorm Σ‖Wᵢ‖_F²;
    logSpecOrigMain logProdSpec + ln froOverSpec; Bartlett R_A = Π‖Wᵢ‖₂·(Σ(‖Wᵢᵀ‖₂,₁/‖Wᵢ‖₂)^{2/3})^{3/2};
    logGolowichFroProduct Σ ln‖Wᵢ‖_F; with init (else null): froDist Σ‖Wᵢ−W⁰ᵢ‖_F², distSpecInit
    Σ‖Wᵢ−W⁰ᵢ‖₂², logSpecInitMain logProdSpec + ln Σ‖Wᵢ−W⁰ᵢ‖_F²/‖Wᵢ‖₂², bartlettSpectralComplexityInit
    with ‖Wᵢᵀ−W⁰ᵢᵀ‖₂,₁; WeightWatcher means over layers where the metric is not null."""
    d = len(metrics)
    spec = np.array([m["spectralNorm"] for m in metrics])
    fro = np.array([m["frobeniusNorm"] for m in metrics])
    l21s = np.array([m["l21Norm"] for m in metrics])
    out = {
        "params": int(params),
        "logProdSpec": float(np.sum(np.log(spec ** 2))),
        "logSumSpec": math.log(d) + float(np.sum(np.log(spec ** 2))) / d,
        "froOverSpec": float(np.sum(fro ** 2 / spec ** 2)),
        "logProdFro": float(np.sum(np.log(fro ** 2))),
        "logSumFro": math.log(d) + float(np.sum(np.log(fro ** 2))) / d,
        "paramNorm": float(np.sum(fro ** 2)),
    }
    out["logSpecOrigMain"] = out["logProdSpec"] + math.log(out["froOverSpec"])
    out["bartlettSpectralComplexity"] = float(np.prod(spec) * np.sum((l21s / spec) ** (2 / 3)) ** 1.5)
    out["logGolowichFroProduct"] = float(np.sum(np.log(fro)))
    if inits is not None:
        dfro = np.array([m["distFrobeniusInit"] for m in metrics])
        dspec = np.array([m["distSpectralInit"] for m in metrics])
        dl21 = np.array([l21(l["W"] - W0) for l, W0 in zip(layers, inits)])
        out["froDist"] = float(np.sum(dfro ** 2))
        out["distSpecInit"] = float(np.sum(dspec ** 2))
        out["logSpecInitMain"] = out["logProdSpec"] + math.log(float(np.sum(dfro ** 2 / spec ** 2)))
        out["bartlettSpectralComplexityInit"] = float(np.prod(spec) * np.sum((dl21 / spec) ** (2 / 3)) ** 1.5)
    else:
        for k in ("froDist", "distSpecInit", "logSpecInitMain", "bartlettSpectralComplexityInit"):
            out[k] = None
    for key, metric in WW_MEANS:
        vals = [m[metric] for m in metrics if m.get(metric) is not None]
        out[key] = float(np.mean(vals)) if vals else None
    return out


# ---------------------------------------------------------------- driver ----------------------------------

def analyze(model_path, init_path=None, spatial_override=None, label=None):
    """16. The whole reference report of one checkpoint (see the module docstring for the schema).
    Conv input sizes: inferred from the graph (3.), --input-spatial overrides; a disagreement is an error."""
    model = load(model_path)
    layers = layers_of(model)
    if not layers:
        raise OnnxError(f"{model_path}: no Gemm/MatMul/Conv node with a constant weight")
    spatial = infer_spatial(model)
    for name, hw in (spatial_override or {}).items():
        if name not in {l["name"] for l in layers if l["op"] == "Conv"}:
            raise ValueError(f"--input-spatial {name}: no Conv layer with that weight in {model_path}")
        if name in spatial and tuple(spatial[name]) != tuple(hw):
            raise ValueError(f"--input-spatial {name}={hw[0]}x{hw[1]} disagrees with the graph's {spatial[name]}")
        spatial[name] = tuple(hw)
    inits = None
    if init_path:
        by_name = {l["name"]: l["W"] for l in layers_of(load(init_path))}
        inits = []
        for l in layers:
            W0 = by_name.get(l["name"])
            if W0 is None or W0.shape != l["W"].shape:
                raise OnnxError(f"{init_path}: no layer {l['name']} of shape {list(l['W'].shape)} "
                                f"(has {sorted((k, list(v.shape)) for k, v in by_name.items())})")
            inits.append(W0)
    metrics = [layer_metrics(l["W"], l["kernel"], spatial.get(l["name"]), l["node"]["attrs"],
                             inits[i] if inits else None) for i, l in enumerate(layers)]
    params = sum(l["W"].size + l["bias"] for l in layers)
    return {
        "model": label or model_path,
        "init": os.path.basename(init_path) if init_path else None,
        "layers": [{"name": l["name"], "op": l["op"], "matrixShape": list(l["W"].shape), "metrics": m}
                   for l, m in zip(layers, metrics)],
        "measures": aggregates(layers, metrics, params, inits),
    }


def parse_args(argv):
    """17. argv → (model, init, {weight: (H, W)}, label); raises ValueError with a usage message."""
    usage = "usage: reference.py MODEL.onnx [--init INIT.onnx] [--input-spatial NAME=HxW ...] [--label PATH]"
    model, init, spatial, label = None, None, {}, None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--init", "--input-spatial", "--label"):
            if i + 1 >= len(argv):
                raise ValueError(f"{a} needs a value\n{usage}")
            v = argv[i + 1]
            if a == "--init":
                init = v
            elif a == "--label":
                label = v
            else:
                name, _, hw = v.rpartition("=")
                try:
                    h, w = (int(t) for t in hw.lower().split("x"))
                except ValueError:
                    raise ValueError(f"--input-spatial {v}: expected NAME=HxW, e.g. conv1.weight=28x28") from None
                spatial[name] = (h, w)
            i += 2
        elif a.startswith("-"):
            raise ValueError(f"unknown option {a}\n{usage}")
        elif model is None:
            model, i = a, i + 1
        else:
            raise ValueError(f"unexpected argument {a}\n{usage}")
    if model is None:
        raise ValueError(usage)
    return model, init, spatial, label


def main(argv):
    if argv and argv[0] == "--self-check":
        import selfcheck
        return selfcheck.main(argv[1:])
    try:
        model, init, spatial, label = parse_args(argv)
        result = analyze(model, init, spatial, label)
    except (OnnxError, ValueError) as e:
        print(f"reference.py: {e}", file=sys.stderr)
        return 2
    json.dump(result, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
