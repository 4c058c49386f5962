"""Checks of the reference's own code (run: python3 reference.py --self-check [FIXTURES_DIR], or this file).
Each check is an assert with its tolerance; the fixture checks run when shared/fixtures/fmnist is found.

1. mulberry32 and the Fisher–Yates order equal the brief's JavaScript run in Node (values pasted below).
2. The power-law fit recovers α = 2.5 ± 0.1 from 5000 seeded Pareto samples.
3. The fit equals a separately written brute-force O(N²) double loop (1e-12 relative) on random inputs.
4. The circular conv equals a literal quadruple loop; the dense operator's spectrum equals Sedghi et al.'s
   FFT formula (1e-10 relative) on random kernels; a 1×1 conv has the kernel matrix's singular values.
5. Hand-derived metrics of a small matrix; JS distance equals scipy's jensenshannon (base 2).
6. The decoder on hand-encoded tensors (float_data packed and unpacked, double_data, float16 and bfloat16
   in raw_data and int32_data, negative int64 dims in a node attribute) and on truncated/garbage files.
7. Fixtures: parameter counts equal fixtures.json's n_params (cnn_bn: minus the 36 BatchNorm affine
   parameters the exporter folded into the convs); the inferred conv input sizes are 28×28 and 14×14; a
   NumPy forward pass of the decoded weights reproduces the probe accuracies (exactly) and losses (1e-4);
   run_mlp/epoch_30.onnx holds the same weights as run_mlp.onnx.
"""
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference as R  # noqa: E402
from onnx_min import load  # noqa: E402

# Node 20: function mulberry32(a){return function(){a=(a+0x6D2B79F5)|0;let t=Math.imul(a^(a>>>15),1|a);
#   t=(t+Math.imul(t^(t>>>7),61|t))^t;return (t^(t>>>14))>>>0;}}  — first five outputs per seed, and the
#   Fisher–Yates permutation of [0..9] with seed 0 (j = Math.floor(next()/2**32*(i+1))).
NODE_MULBERRY32 = {0: [1144304738, 1416247, 958946056, 627933444, 2007157716],
                   1: [2693262067, 11749833, 2265367787, 4213581821, 4159151403],
                   123456789: [1107202814, 4169434471, 3372958138, 885470128, 1301683845]}
NODE_PERMUTATION_SEED0 = [3, 8, 6, 4, 5, 9, 7, 1, 0, 2]


def check_mulberry32():
    """1. PRNG and shuffle order against Node."""
    for seed, want in NODE_MULBERRY32.items():
        nxt = R.mulberry32(seed)
        assert [nxt() for _ in range(5)] == want, f"mulberry32({seed})"
    got = R.shuffled(np.arange(10.0).reshape(2, 5), 0).ravel().astype(int).tolist()
    assert got == NODE_PERMUTATION_SEED0, got
    return "mulberry32 (3 seeds × 5 outputs) and the Fisher–Yates order equal Node's"


def check_pareto():
    """2. 5000 samples of p(x) ∝ x^{−2.5}, x ≥ 1, by inversion x = (1 − u)^{−1/(α−1)}, seed 2024."""
    u = np.random.default_rng(2024).random(5000)
    x = (1 - u) ** (-1 / 1.5)
    fit = R.power_law_fit(x, 1e-5)
    assert abs(fit["alpha"] - 2.5) <= 0.1, fit
    return f"Pareto α=2.5, 5000 samples: α̂={fit['alpha']:.4f}, x_min={fit['xmin']:.4f}, D={fit['ksDistance']:.4f}"


def brute_force_fit(lam):
    """The same fit written as a plain double loop (no numpy in the loops)."""
    x = sorted(v for v in lam.tolist() if v > 1e-5)
    N = len(x)
    if N < 10:
        return None
    best = None
    for i in range(N - 1):
        n = N - i
        total = 0.0
        for j in range(i, N):
            total += math.log(x[j]) - math.log(x[i])
        alpha = 1 + n / total if total > 0 else math.inf
        D = 0.0
        if alpha <= 1 or math.isinf(alpha):
            D = 1.0
        else:
            for k in range(n):
                D = max(D, abs(1 - (x[i + k] / x[i]) ** (1 - alpha) - k / n))
        if best is None or D < best[2]:
            best = (alpha, x[i], D, n)
    return {"alpha": best[0], "xmin": best[1], "ksDistance": best[2], "alphaSigma": (best[0] - 1) / math.sqrt(best[3])}


def check_brute_force():
    """3. Fit vs brute force on log-normal, Pareto-with-bulk, tied and too-small inputs."""
    rng = np.random.default_rng(7)
    cases = [rng.lognormal(0, 1.5, 60), np.concatenate([rng.random(40) * 0.5, 0.5 * (1 - rng.random(15)) ** -0.8]),
             np.repeat(rng.lognormal(0, 1, 12), 3), rng.random(9) + 1, np.linalg.svd(rng.standard_normal((30, 50)), compute_uv=False) ** 2]
    worst = 0.0
    for lam in cases:
        a, b = R.power_law_fit(lam, 1e-5), brute_force_fit(lam)
        assert (a is None) == (b is None)
        if a is None:
            continue
        assert a["xmin"] == b["xmin"], (a, b)
        for k in a:
            err = abs(a[k] - b[k]) / max(abs(b[k]), 1e-300)
            worst = max(worst, err)
            assert err <= 1e-12, (k, a[k], b[k])
    return f"power-law fit = brute-force double loop on {len(cases)} inputs (worst rel. diff {worst:.1e}; N<10 → null)"


def naive_circular_conv(K, x, pad, dil):
    """Literal y[o,i,j] = Σ_{c,a,b} K[o,c,a,b] x[c,(i+a·d_h−p_t) mod H,(j+b·d_w−p_l) mod W]."""
    co, ci, kh, kw = K.shape
    _, H, W = x.shape
    y = np.zeros((co, H, W))
    for o in range(co):
        for i in range(H):
            for j in range(W):
                for c in range(ci):
                    for a in range(kh):
                        for b in range(kw):
                            y[o, i, j] += K[o, c, a, b] * x[c, (i + a * dil[0] - pad[0]) % H, (j + b * dil[1] - pad[1]) % W]
    return y


def check_conv():
    """4. Circular conv, dense operator vs Sedghi FFT, 1×1 conv."""
    rng = np.random.default_rng(3)
    K = rng.standard_normal((2, 3, 3, 2))
    x = rng.standard_normal((3, 5, 4))
    got = R.circular_conv(K, x[None], (1, 0), (1, 2))[0]
    assert np.max(np.abs(got - naive_circular_conv(K, x, (1, 0), (1, 2)))) <= 1e-12
    shapes = [((4, 3, 3, 3), 6, 6, (1, 1), (1, 1)), ((3, 2, 5, 5), 7, 5, (2, 2), (1, 1)),
              ((2, 2, 5, 5), 3, 4, (2, 2), (1, 1)), ((3, 3, 3, 3), 8, 8, (2, 2), (2, 2)), ((5, 1, 2, 3), 4, 6, (0, 0), (1, 1))]
    worst = 0.0
    for shape, H, W, pad, dil in shapes:
        K = rng.standard_normal(shape)
        dense = np.sort(np.linalg.svd(R.conv_operator_matrix(K, H, W, pad, dil), compute_uv=False))
        fft = R.sedghi_singular_values(K, H, W, dil)
        worst = max(worst, float(np.max(np.abs(dense - fft)) / dense[-1]))
        R.conv_spectral_norm_exact(K, H, W, pad, dil)  # asserts 1e-10 internally
    assert worst <= 1e-10
    K1 = rng.standard_normal((4, 3, 1, 1))
    ops = np.sort(np.linalg.svd(R.conv_operator_matrix(K1, 3, 5), compute_uv=False))
    want = np.sort(np.repeat(np.linalg.svd(K1[:, :, 0, 0], compute_uv=False), 15))
    assert np.max(np.abs(ops - want)) <= 1e-12 * want[-1]
    return f"circular conv = literal loop; dense = Sedghi FFT on {len(shapes)} kernels (worst {worst:.1e} rel.); 1×1 conv = σ(K) ⊗ 1"


def check_small_matrix():
    """5. W = [[3,0],[0,4],[0,0]] (σ = 4, 3) by hand; JS distance vs scipy."""
    W = np.array([[3.0, 0.0], [0.0, 4.0], [0.0, 0.0]])
    m = R.layer_metrics(W)
    p = np.array([3, 4]) / 7
    q = np.array([9, 16]) / 25
    s2 = 25 / 6
    lplus = s2 * (math.sqrt(3) + math.sqrt(2)) ** 2
    want = {"frobeniusNorm": 5, "spectralNorm": 4, "nuclearNorm": 7, "stableRank": 25 / 16, "conditionNumber": 4 / 3,
            "l21Norm": 7, "effectiveRank": math.exp(-np.sum(p * np.log(p))), "logNorm": math.log10(25),
            "logSpectralNorm": math.log10(16), "alpha": None, "entropy": -np.sum(q * np.log(q)) / math.log(2),
            "mpBulkMax": lplus, "numSpikes": int(9 > lplus) + int(16 > lplus), "mpSoftrank": lplus / 16}
    for k, v in want.items():
        assert (m[k] is None) if v is None else abs(m[k] - v) <= 1e-14 * abs(v), (k, m[k], v)
    from scipy.spatial.distance import jensenshannon
    rng = np.random.default_rng(5)
    a, b = rng.lognormal(0, 2, 200), rng.lognormal(1, 1, 150)
    top = max(a.max(), b.max())
    la, lb = np.log10(a), np.log10(b)
    lo, hi = min(la.min(), lb.min()), max(la.max(), lb.max())
    want_js = jensenshannon(R.histogram(la, lo, hi), R.histogram(lb, lo, hi), base=2)
    got_js = R.js_distance(a, b)
    assert a.min() > 1e-10 * top and b.min() > 1e-10 * top
    assert abs(got_js - want_js) <= 1e-12, (got_js, want_js)
    assert R.js_distance(a, a) == 0.0 and abs(R.js_distance(np.array([1.0, 2.0]), np.array([1e3, 2e3])) - 1) <= 1e-12
    return f"hand-derived metrics of diag(3,4) (1e-14); JS distance = scipy ({got_js:.6f}); JS(a,a)=0, disjoint=1"


# ---------------------------------------------------------------- decoder ---------------------------------

def _varint(v):
    v &= (1 << 64) - 1
    out = bytearray()
    while True:
        out.append((v & 0x7F) | (0x80 if v > 0x7F else 0))
        v >>= 7
        if not v:
            return bytes(out)


def _f(num, wt, payload):
    """One protobuf field: key varint, then the varint / length-prefixed / fixed payload."""
    key = _varint(num << 3 | wt)
    if wt == 0:
        return key + _varint(payload)
    if wt == 2:
        return key + _varint(len(payload)) + payload
    return key + payload


def check_decoder(tmp):
    """6. onnx.proto field numbers written by hand: TensorProto dims 1, data_type 2, float_data 4,
    int32_data 5, name 8, raw_data 9, double_data 10; GraphProto node 1, initializer 5, input 11."""
    import struct
    from onnx_min import OnnxError
    vals = [1.5, -2.25, 3.0, 0.125, -0.5, 7.0]
    h = np.array(vals, dtype=np.float16)
    bf = (np.array(vals, dtype=np.float32).view(np.uint32) >> 16).astype(np.uint16)
    dims = _f(1, 0, 2) + _f(1, 0, 3)
    tensors = {
        "f32_packed": _f(2, 0, 1) + _f(4, 2, struct.pack("<6f", *vals)),
        "f32_unpacked": _f(2, 0, 1) + b"".join(_f(4, 5, struct.pack("<f", v)) for v in vals),
        "f64": _f(2, 0, 11) + _f(10, 2, struct.pack("<6d", *vals)),
        "f16_raw": _f(2, 0, 10) + _f(9, 2, h.tobytes()),
        "f16_int32": _f(2, 0, 10) + _f(5, 2, b"".join(_varint(int(b)) for b in h.view(np.uint16))),
        "bf16_raw": _f(2, 0, 16) + _f(9, 2, bf.tobytes()),
        "f32_raw": _f(2, 0, 1) + _f(9, 2, np.array(vals, "<f4").tobytes()),
    }
    gemm = _f(1, 2, b"x") + _f(1, 2, b"f32_raw") + _f(2, 2, b"y") + _f(4, 2, b"Gemm") + \
        _f(5, 2, _f(1, 2, b"transB") + _f(3, 0, 1) + _f(20, 0, 2)) + \
        _f(5, 2, _f(1, 2, b"pads") + _f(8, 0, -1) + _f(8, 0, 2) + _f(20, 0, 7))
    inp = _f(1, 2, b"x") + _f(2, 2, _f(1, 2, _f(1, 0, 1) + _f(2, 2, _f(1, 2, _f(2, 2, b"batch")) + _f(1, 2, _f(1, 0, 3)))))
    graph = _f(1, 2, gemm) + b"".join(_f(5, 2, dims + _f(8, 2, k.encode()) + v) for k, v in tensors.items()) + _f(11, 2, inp)
    path = os.path.join(tmp, "handmade.onnx")
    with open(path, "wb") as fh:
        fh.write(_f(1, 0, 7) + _f(7, 2, graph) + _f(8, 2, _f(2, 0, 13)))
    m = load(path)
    for k in tensors:
        exact = np.array(vals, dtype=np.float64).reshape(2, 3)
        assert m["initializers"][k].shape == (2, 3) and np.array_equal(m["initializers"][k], exact), (k, m["initializers"][k])
    assert m["nodes"][0]["attrs"] == {"transB": 1, "pads": [-1, 2]}, m["nodes"][0]["attrs"]
    assert m["inputs"] == [{"name": "x", "elemType": 1, "shape": ["batch", 3]}] and m["opset"] == {"": 13}
    assert [l["W"].shape for l in R.layers_of(m)] == [(2, 3)]
    data = open(path, "rb").read()
    bad = {"truncated": data[:len(data) // 2], "garbage": b"\xff" * 64, "empty": b""}
    for k, b in bad.items():
        p = os.path.join(tmp, f"{k}.onnx")
        with open(p, "wb") as fh:
            fh.write(b)
        try:
            load(p)
            raise AssertionError(f"{k} file decoded without error")
        except OnnxError as e:
            assert str(e).startswith(p), e
    return f"{len(tensors)} hand-encoded tensor encodings decode exactly; truncated/garbage/empty files raise OnnxError naming the file"


# ---------------------------------------------------------------- fixtures --------------------------------

def forward(model, x):
    """A NumPy forward pass (float64) over the fixtures' ops: Gemm, Conv, Relu, Tanh, MaxPool, Flatten."""
    init = model["initializers"]
    v = {model["inputs"][0]["name"]: x.astype(np.float64)}
    v.update(init)
    for n in model["nodes"]:
        a, ins = n["attrs"], [v[i] for i in n["inputs"] if i]
        op = n["op"]
        if op == "Gemm":
            A = ins[0].T if a.get("transA", 0) else ins[0]
            B = ins[1].T if a.get("transB", 0) else ins[1]
            y = a.get("alpha", 1.0) * A @ B + (a.get("beta", 1.0) * ins[2] if len(ins) > 2 else 0)
        elif op == "Conv":
            K = ins[1]
            pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
            s = a.get("strides", [1, 1])
            assert a.get("group", 1) == 1 and a.get("dilations", [1, 1]) == [1, 1]
            xp = np.pad(ins[0], ((0, 0), (0, 0), (pt, pb), (pl, pr)))
            Ho = (xp.shape[2] - K.shape[2]) // s[0] + 1
            Wo = (xp.shape[3] - K.shape[3]) // s[1] + 1
            y = sum(np.einsum("oc,ncij->noij", K[:, :, p, q], xp[:, :, p:p + s[0] * Ho:s[0], q:q + s[1] * Wo:s[1]])
                    for p in range(K.shape[2]) for q in range(K.shape[3]))
            if len(ins) > 2:
                y = y + ins[2][None, :, None, None]
        elif op == "Relu":
            y = np.maximum(ins[0], 0)
        elif op == "Tanh":
            y = np.tanh(ins[0])
        elif op == "MaxPool":
            (kh, kw), s = a["kernel_shape"], a["strides"]
            assert a.get("pads", [0] * 4) == [0] * 4 and not a.get("ceil_mode", 0)
            Ho, Wo = (ins[0].shape[2] - kh) // s[0] + 1, (ins[0].shape[3] - kw) // s[1] + 1
            y = np.max([ins[0][:, :, p:p + s[0] * Ho:s[0], q:q + s[1] * Wo:s[1]] for p in range(kh) for q in range(kw)], axis=0)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            y = ins[0].reshape(int(np.prod(ins[0].shape[:ax])), -1)
        else:
            raise AssertionError(f"forward: op {op} not implemented")
        v[n["outputs"][0]] = y
    return v[n["outputs"][0]]


def check_fixtures(fx):
    """7. Decoder checks on the real checkpoints."""
    import json
    meta = json.load(open(os.path.join(fx, "fixtures.json")))["models"]
    probes = {k: np.load(os.path.join(fx, f"probe_{k}.npz")) for k in ("train", "test")}
    folded_bn = {"cnn_bn": 2 * (6 + 12)}  # BatchNorm2d(6), BatchNorm2d(12): γ and β, folded by the exporter
    lines = []
    for name, info in meta.items():
        model = load(os.path.join(fx, f"{name}.onnx"))
        layers = R.layers_of(model)
        params = sum(l["W"].size + l["bias"] for l in layers)
        assert params == info["n_params"] - folded_bn.get(name, 0), (name, params, info["n_params"])
        if name.startswith("cnn"):
            sp = R.infer_spatial(model)
            assert sorted(sp.values(), reverse=True) == [(28, 28), (14, 14)], sp
        for k, pr in probes.items():
            logits = forward(model, pr["x"])
            acc = float(np.mean(np.argmax(logits, 1) == pr["y"]))
            z = logits - logits.max(1, keepdims=True)
            loss = float(np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(len(z)), pr["y"]]))
            assert abs(acc - info[f"probe_{k}_acc"]) <= 1e-6, (name, k, acc, info[f"probe_{k}_acc"])
            assert abs(loss - info[f"probe_{k}_loss"]) <= 1e-4 * info[f"probe_{k}_loss"], (name, k, loss)
        lines.append(f"{name}: {params} params, probe acc {info['probe_train_acc']:.3f}/{info['probe_test_acc']:.3f} reproduced")
    last, final = load(os.path.join(fx, "run_mlp", "epoch_30.onnx")), load(os.path.join(fx, "run_mlp.onnx"))
    for l30, lf in zip(R.layers_of(last), R.layers_of(final)):
        assert np.array_equal(l30["W"], lf["W"]), l30["name"]
    lines.append("run_mlp/epoch_30.onnx weights = run_mlp.onnx weights")
    return "; ".join(lines)


def default_fixtures():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(os.environ.get("THEORY_LENS_FIXTURES", os.path.join(here, "..", "..", "..", "shared", "fixtures")), "fmnist")


def main(argv):
    fx = argv[0] if argv else default_fixtures()
    checks = [check_mulberry32, check_pareto, check_brute_force, check_conv, check_small_matrix]
    for c in checks:
        print(f"ok  {c.__doc__.split('.')[0]}. {c()}")
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        print(f"ok  6. {check_decoder(tmp)}")
    if os.path.exists(os.path.join(fx, "fixtures.json")):
        print(f"ok  7. {check_fixtures(fx)}")
    else:
        print(f"--  7. fixture checks skipped: no {fx}/fixtures.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
