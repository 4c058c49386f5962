"""Regenerates test/reference/fmnist/<model>.json for every checkpoint in shared/fixtures/fmnist.

usage: python3 test/reference/make_fixtures.py [--check] [--skip-self-check]
  (fixtures: $THEORY_LENS_FIXTURES/fmnist, default ../shared/fixtures/fmnist beside the repository)
  --check  regenerate in memory and compare with the committed files instead of writing them: exit 1 if
           a layer, metric or measure is missing/extra or differs by more than 1e-9 relative (LAPACK
           builds differ in the last digits, so byte equality is not asked for).

Runs the self-checks first (selfcheck.py). Every model gets its .init.onnx; the run_mlp epochs use
run_mlp.init.onnx. The conv input sizes are passed explicitly (the fixtures README: conv1 sees 28×28,
conv2 14×14) and reference.py asserts they agree with the sizes inferred from the graph. `model` and
`init` in each JSON are paths relative to the fmnist folder (what test/engine/fixtures-reference reads).
"""
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import reference  # noqa: E402
import selfcheck  # noqa: E402

SPATIAL = {
    "cnn": {"conv1.weight": (28, 28), "conv2.weight": (14, 14)},
    "cnn_bn": {"onnx::Conv_32": (28, 28), "onnx::Conv_35": (14, 14)},  # BN folded: exporter's names
}
MODELS = ["mlp", "mlp_tanh", "mlp_noise30", "cnn", "cnn_bn", "run_mlp"] + \
    [f"run_mlp/epoch_{e:02d}" for e in range(5, 31, 5)]
REL_TOL = 1e-9


def jobs(fx):
    """(relative output path, model path, init path, spatial, label) per checkpoint."""
    for m in MODELS:
        base = m.split("/")[0]
        init = os.path.join(fx, f"{base}.init.onnx")
        yield f"{m}.json", os.path.join(fx, f"{m}.onnx"), init, SPATIAL.get(base, {}), f"{m}.onnx"


def differences(new, old, where=""):
    """Paths at which two decoded JSON values differ (numbers beyond REL_TOL relative)."""
    if isinstance(new, dict) and isinstance(old, dict):
        out = [f"{where}.{k}: only in {'new' if k in new else 'committed'}" for k in set(new) ^ set(old)]
        for k in set(new) & set(old):
            out += differences(new[k], old[k], f"{where}.{k}")
        return out
    if isinstance(new, list) and isinstance(old, list):
        if len(new) != len(old):
            return [f"{where}: {len(new)} vs {len(old)} entries"]
        return [d for i, (a, b) in enumerate(zip(new, old)) for d in differences(a, b, f"{where}[{i}]")]
    num = (int, float)
    if isinstance(new, num) and isinstance(old, num) and not isinstance(new, bool):
        ok = abs(new - old) <= REL_TOL * max(abs(old), 1e-300) or new == old
        return [] if ok else [f"{where}: {new!r} vs committed {old!r}"]
    return [] if new == old else [f"{where}: {new!r} vs committed {old!r}"]


def main(argv):
    fx = selfcheck.default_fixtures()
    if not os.path.exists(os.path.join(fx, "fixtures.json")):
        print(f"make_fixtures: no fixtures at {fx} (set THEORY_LENS_FIXTURES)", file=sys.stderr)
        return 2
    if "--skip-self-check" not in argv:
        selfcheck.main([fx])
    check = "--check" in argv
    out_dir = os.path.join(here, "fmnist")
    bad = 0
    for rel, model, init, spatial, label in jobs(fx):
        result = reference.analyze(model, init, spatial, label)
        target = os.path.join(out_dir, rel)
        if check:
            if not os.path.exists(target):
                print(f"MISSING {rel}")
                bad += 1
                continue
            diffs = differences(result, json.load(open(target)))
            bad += bool(diffs)
            print(f"{'DIFF' if diffs else 'same'} {rel}" + "".join(f"\n  {d}" for d in diffs[:20]))
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w") as f:
                json.dump(result, f, indent=1, allow_nan=False)
                f.write("\n")
            print(f"wrote {os.path.relpath(target)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
