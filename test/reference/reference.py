"""Independent NumPy reference for Theory Lens's weight-only measures.

usage: python3 reference.py MODEL.onnx [--init INIT.onnx] [--input-spatial NAME=HxW ...] [--label NAME]
Prints JSON: {"model", "init", "layers": [{"name", "op", "matrixShape", "metrics"}], "measures"}.

Everything is computed the slow, obvious way in float64 from the stored float32 weights: singular values
by LAPACK's SVD (np.linalg.svd), the power-law fit by a direct double loop over candidates, the exact
convolution spectrum from the dense operator matrix (cross-checked against Sedghi et al.'s FFT formula).
Conventions (the README of this folder states them): matrices are [out, in]; Gemm's B with transB=1 is
[out, in]; MatMul weights [in, out] are transposed; conv kernels reshape to [c_out, c_in·kh·kw].
"""
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_min import load  # noqa: E402


def layers_of(model):
    """1. The measured layers: (name, op, matrix [out,in], bias size, conv info)."""
    init = model["initializers"]
    out = []
    for n in model["nodes"]:
        op = n["op"]
        if op == "Gemm" and len(n["inputs"]) > 1 and n["inputs"][1] in init:
            w = init[n["inputs"][1]]
            m = w if n["attrs"].get("transB", 0) == 1 else w.T
            b = init[n["inputs"][2]].size if len(n["inputs"]) > 2 and n["inputs"][2] in init else 0
            out.append((n["inputs"][1], op, m, b, None))
        elif op == "MatMul" and n["inputs"][1] in init:
            out.append((n["inputs"][1], op, init[n["inputs"][1]].T, 0, None))
        elif op == "Conv" and n["inputs"][1] in init:
            k = init[n["inputs"][1]]
            b = init[n["inputs"][2]].size if len(n["inputs"]) > 2 and n["inputs"][2] in init else 0
            out.append((n["inputs"][1], op, k.reshape(k.shape[0], -1), b, {"kernel": k, "pads": n["attrs"].get("pads", [0, 0, 0, 0])}))
    return out


def mulberry32(seed):
    """2. The PRNG Theory Lens documents (32-bit arithmetic emulated with masks)."""
    a = seed & 0xFFFFFFFF

    def imul(x, y):
        return (x * y) & 0xFFFFFFFF

    def nxt():
        nonlocal a
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = imul(a ^ (a >> 15), 1 | a)
        t = ((t + imul(t ^ (t >> 7), 61 | t)) & 0xFFFFFFFF) ^ t
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296.0

    return nxt


def shuffled(W, seed=0):
    """3. Fisher–Yates over the row-major entries: i from len−1 down to 1, j = floor(u·(i+1))."""
    flat = W.astype(np.float32).ravel().copy()
    u = mulberry32(seed)
    for i in range(flat.size - 1, 0, -1):
        j = int(u() * (i + 1))
        flat[i], flat[j] = flat[j], flat[i]
    return flat.reshape(W.shape).astype(np.float64)


def power_law(eigs):
    """4. WeightWatcher's fit: λ > 1e-5, every x_i but the largest a candidate, α_i = 1 + n/Σ ln(x_j/x_i),
    D_i = max_k |1 − (x_{i+k}/x_i)^{1−α_i} − k/n| (1 if α_i ≤ 1), the smallest D wins (first on ties)."""
    x = np.sort(eigs[eigs > 1e-5])
    N = x.size
    if N < 10:
        return None
    best = None
    for i in range(N - 1):
        n = N - i
        alpha = 1 + n / np.sum(np.log(x[i:] / x[i]))
        if alpha <= 1:
            D = 1.0
        else:
            k = np.arange(n)
            D = float(np.max(np.abs(1 - (x[i:] / x[i]) ** (1 - alpha) - k / n)))
        if best is None or D < best[2]:
            best = (alpha, x[i], D, n)
    alpha, xmin, D, n = best
    return {"alpha": alpha, "xmin": xmin, "ksDistance": D, "alphaSigma": (alpha - 1) / math.sqrt(n)}


def js_distance(a, b, bins=100):
    """5. Jensen–Shannon distance (base 2) between histograms of log10 λ (100 bins, common range)."""
    top = max(a.max(), b.max())
    la = np.log10(a[a > 1e-10 * top])
    lb = np.log10(b[b > 1e-10 * top])
    lo, hi = min(la.min(), lb.min()), max(la.max(), lb.max())
    width = (hi - lo) / bins or 1.0

    def hist(v):
        idx = np.minimum(bins - 1, np.floor((v - lo) / width).astype(int))
        return np.bincount(idx, minlength=bins) / v.size

    p, q = hist(la), hist(lb)
    m = (p + q) / 2
    js = 0.0
    for pi, qi, mi in zip(p, q, m):
        if pi > 0:
            js += 0.5 * pi * math.log2(pi / mi)
        if qi > 0:
            js += 0.5 * qi * math.log2(qi / mi)
    return math.sqrt(max(js, 0.0))


def conv_operator_norm(K, H, W):
    """6. σ_max of the circular stride-1 convolution on an H×W input, from its dense operator matrix
    (y[o,i,j] = Σ_{c,a,b} K[o,c,a,b]·x[c,(i+a)%H,(j+b)%W]), cross-checked with Sedghi et al.'s FFT."""
    co, ci, kh, kw = K.shape
    A = np.zeros((co * H * W, ci * H * W))
    for c in range(ci):
        for p in range(H):
            for q in range(W):
                x = np.zeros((ci, H, W))
                x[c, p, q] = 1.0
                y = np.zeros((co, H, W))
                for a in range(kh):
                    for b in range(kw):
                        y += np.einsum("o,ij->oij", K[:, c, a, b], np.roll(np.roll(x[c], -a, axis=0), -b, axis=1))
                A[:, c * H * W + p * W + q] = y.ravel()
    dense = np.linalg.svd(A, compute_uv=False)
    F = np.fft.fft2(K, s=(H, W), axes=(2, 3))  # [co, ci, H, W]
    fft = np.concatenate([np.linalg.svd(F[:, :, u, v], compute_uv=False) for u in range(H) for v in range(W)])
    assert abs(dense.max() - fft.max()) <= 1e-10 * dense.max(), (dense.max(), fft.max())
    return float(dense.max())


def layer_metrics(W, conv=None, spatial=None, W0=None):
    """7. Every per-layer metric of one [out, in] matrix (definitions in README.md)."""
    rows, cols = W.shape
    s = np.linalg.svd(W, compute_uv=False)
    lam = np.sort(s ** 2)
    fro = float(np.sqrt(np.sum(W ** 2)))
    smax = float(s.max())
    m = {
        "frobeniusNorm": fro,
        "spectralNorm": smax,
        "nuclearNorm": float(s.sum()),
        "stableRank": fro ** 2 / smax ** 2,
        "conditionNumber": smax / float(s.min()) if s.min() > 0 else None,
        "l21Norm": float(np.sum(np.sqrt(np.sum(W ** 2, axis=1)))),
    }
    p = s[s > 0] / s.sum()
    m["effectiveRank"] = float(np.exp(-np.sum(p * np.log(p))))
    m["logNorm"] = math.log10(lam.sum())
    m["logSpectralNorm"] = math.log10(lam.max())
    fit = power_law(lam)
    if fit:
        m.update(fit)
        m["alphaWeighted"] = fit["alpha"] * math.log10(lam.max())
        m["logAlphaNorm"] = math.log10(np.sum(lam[lam > 0] ** fit["alpha"]))
    else:
        for k in ("alpha", "xmin", "ksDistance", "alphaSigma", "alphaWeighted", "logAlphaNorm"):
            m[k] = None
    R = int(np.sum(s > smax * max(rows, cols) * 1.1920929e-7))
    pl = lam[lam > 0] / lam.sum()
    m["entropy"] = float(-np.sum(pl * np.log(pl)) / math.log(R)) if R > 1 else None
    s2 = fro ** 2 / (rows * cols)
    lplus = s2 * (math.sqrt(rows) + math.sqrt(cols)) ** 2
    m["mpBulkMax"] = lplus
    m["numSpikes"] = int(np.sum(lam > lplus))
    m["mpSoftrank"] = lplus / lam.max()
    Wr = shuffled(W, 0)
    sr = np.linalg.svd(Wr, compute_uv=False)
    m["randDistance"] = js_distance(lam, np.sort(sr ** 2))
    m["randSpectralNorm"] = float(sr.max())
    if conv is not None and spatial is not None:
        m["spectralNormExact"] = conv_operator_norm(conv["kernel"], *spatial)
    if W0 is not None:
        D = W - W0
        m["distFrobeniusInit"] = float(np.sqrt(np.sum(D ** 2)))
        m["distSpectralInit"] = float(np.linalg.svd(D, compute_uv=False).max())
    return m


def aggregates(ls, params, have_init):
    """8. Weight-only aggregate measures (natural logs; Jiang et al. 2020 equation numbers in README)."""
    d = len(ls)
    spec = np.array([l["spectralNorm"] for l in ls])
    fro = np.array([l["frobeniusNorm"] for l in ls])
    l21 = np.array([l["l21Norm"] for l in ls])
    out = {
        "params": params,
        "logProdSpec": float(np.sum(np.log(spec ** 2))),
        "logSumSpec": math.log(d) + float(np.sum(np.log(spec ** 2))) / d,
        "froOverSpec": float(np.sum(fro ** 2 / spec ** 2)),
        "logProdFro": float(np.sum(np.log(fro ** 2))),
        "logSumFro": math.log(d) + float(np.sum(np.log(fro ** 2))) / d,
        "paramNorm": float(np.sum(fro ** 2)),
        "bartlettSpectralComplexity": float(np.prod(spec) * np.sum((l21 / spec) ** (2 / 3)) ** 1.5),
        "logGolowichFroProduct": float(np.sum(np.log(fro))),
    }
    out["logSpecOrigMain"] = out["logProdSpec"] + math.log(out["froOverSpec"])
    if have_init:
        dist = np.array([l["distFrobeniusInit"] for l in ls])
        dspec = np.array([l["distSpectralInit"] for l in ls])
        out["froDist"] = float(np.sum(dist ** 2))
        out["distSpecInit"] = float(np.sum(dspec ** 2))
        out["logSpecInitMain"] = out["logProdSpec"] + math.log(float(np.sum(dist ** 2 / spec ** 2)))
        out["bartlettSpectralComplexityInit"] = float(np.prod(spec) * np.sum((np.array([l["_l21dist"] for l in ls]) / spec) ** (2 / 3)) ** 1.5)
    for key, metric in [("wwMeanAlpha", "alpha"), ("wwMeanAlphaWeighted", "alphaWeighted"), ("wwMeanLogNorm", "logNorm"),
                        ("wwMeanLogSpectralNorm", "logSpectralNorm"), ("wwMeanLogAlphaNorm", "logAlphaNorm"),
                        ("wwMeanStableRank", "stableRank"), ("wwMeanMpSoftrank", "mpSoftrank"), ("wwMeanEntropy", "entropy")]:
        vals = [l[metric] for l in ls if l.get(metric) is not None]
        out[key] = float(np.mean(vals)) if vals else None
    return out


def main(argv):
    model_path = argv[0]
    init_path = argv[argv.index("--init") + 1] if "--init" in argv else None
    spatial = {}
    for i, a in enumerate(argv):
        if a == "--input-spatial":
            name, hw = argv[i + 1].split("=")
            spatial[name] = tuple(int(v) for v in hw.split("x"))
    model = load(model_path)
    init = layers_of(load(init_path)) if init_path else None
    init_by_name = {l[0]: l[2] for l in init} if init else {}
    result_layers, qs = [], []
    params = 0
    for name, op, W, bias, conv in layers_of(model):
        W0 = init_by_name.get(name)
        m = layer_metrics(W, conv, spatial.get(name), W0)
        params += W.size + bias
        q = dict(m)
        if W0 is not None:
            q["_l21dist"] = float(np.sum(np.sqrt(np.sum((W - W0) ** 2, axis=1))))
        qs.append(q)
        result_layers.append({"name": name, "op": op, "matrixShape": list(W.shape), "metrics": m})
    measures = aggregates(qs, params, init is not None)
    label = argv[argv.index("--label") + 1] if "--label" in argv else os.path.basename(model_path)
    json.dump({"model": label, "init": os.path.basename(init_path) if init_path else None,
               "layers": result_layers, "measures": measures}, sys.stdout, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
