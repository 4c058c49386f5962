"""Independent reference for the comparison view's distance between consecutive checkpoints of
../shared/fixtures/fmnist/run_mlp: ‖W_k − W_{k−1}‖_F = √(Σᵢ ‖Wᵢ,k − Wᵢ,k−1‖_F²) over the weight
matrices (`*.weight` of the Gemm layers; biases excluded, as in froDist), and relative to
‖W_k‖_F = √(Σᵢ ‖Wᵢ,k‖_F²). Decodes the ONNX files with test/reference/onnx_min.py (NumPy, written
independently of the TypeScript reader), in float64.
usage: python3 test/vscode-hints/step_distances.py > test/vscode-hints/step_distances.json"""
import json, os, sys
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
from onnx_min import load  # noqa: E402

run = os.path.join(HERE, "..", "..", "..", "shared", "fixtures", "fmnist", "run_mlp")
names = ["epoch_05", "epoch_10", "epoch_15", "epoch_20", "epoch_25", "epoch_30"]
weights = []
for n in names:
    inits = load(os.path.join(run, n + ".onnx"))["initializers"]
    weights.append({k: np.asarray(v, dtype=np.float64) for k, v in inits.items() if k.endswith(".weight") and np.ndim(v) == 2})
out = []
for k in range(1, len(names)):
    a, b = weights[k - 1], weights[k]
    assert a.keys() == b.keys(), (names[k], a.keys(), b.keys())
    d2 = sum(float(np.sum((b[w] - a[w]) ** 2)) for w in b)
    n2 = sum(float(np.sum(b[w] ** 2)) for w in b)
    out.append({"from": names[k - 1], "to": names[k], "layers": sorted(b), "distance": d2 ** 0.5, "relative": (d2 / n2) ** 0.5})
json.dump(out, sys.stdout, indent=1)
print()
