"""`npm run bench:predict`: trains the zoo (bench/predict/zoo.py, Debian python3-torch, skipped for models
already trained), runs the CLI on every model (train probe, test probe, init, --train-size), and prints
Kendall τ-b of every measure and bound against the generalization gap (train accuracy on the whole
training subset − test accuracy on the whole test set), with a bootstrap interval, ranked by the
sign-corrected τ (τ·direction: positive = agrees with the sign the measure's source predicts).
Measures computed from the test probe are listed apart and never ranked.
usage: python3 bench/predict/run.py [ZOO_DIR] [--jobs N] [--out bench/predict-results.md] [--no-train] [--analyse-only]
THEORY_LENS_CLI: the CLI to run (default dist/cli.js; reports older than it are recomputed).
ZOO_DIR defaults to $THEORY_LENS_ZOO or /tmp/theory-lens-zoo (models are not committed)."""
import json, os, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.environ.get("THEORY_LENS_CLI", os.path.join(ROOT, "dist", "cli.js"))
args = [a for a in sys.argv[1:]]
def opt(flag, default):
    if flag in args:
        i = args.index(flag); v = args[i + 1]; del args[i:i + 2]; return v
    return default
JOBS = int(opt("--jobs", "2"))
NO_TRAIN = "--no-train" in args and not args.remove("--no-train")
ANALYSE_ONLY = "--analyse-only" in args and not args.remove("--analyse-only")
OUT = opt("--out", os.path.join(ROOT, "bench", "predict-results.md"))
ZOO = args[0] if args else os.environ.get("THEORY_LENS_ZOO", "/tmp/theory-lens-zoo")
CLI_FLAGS = ["--landscape", "0", "--no-randomize", "--mc-draws", "4", "--json", "--quiet", "--seed", "0"]
BOOT = 1000


def kendall_tau_b(x, y):
    """Kendall τ-b (ties in either variable corrected), O(n²); NaN when either variable is constant."""
    x = np.asarray(x, float); y = np.asarray(y, float)
    dx = np.sign(x[:, None] - x[None, :]); dy = np.sign(y[:, None] - y[None, :])
    iu = np.triu_indices(len(x), 1)
    s = (dx * dy)[iu].sum(); tx = (dx != 0)[iu].sum(); ty = (dy != 0)[iu].sum()
    return float(s / np.sqrt(tx * ty)) if tx and ty else float("nan")


def train():
    zoo_py = os.path.join(ROOT, "bench", "predict", "zoo.py")
    # the workers share the zoo directory and claim models one at a time (zoo.py's claim files)
    procs = [subprocess.Popen(["nice", "-n", "10", "/usr/bin/python3", zoo_py, ZOO]) for _ in range(JOBS)]
    for p in procs:
        if p.wait() != 0:
            sys.exit(f"training failed ({zoo_py} exited with {p.returncode})")


def analyse(name):
    d = os.path.join(ZOO, name); rep = os.path.join(d, "report.json")
    cli = CLI
    if os.path.exists(rep) and os.path.getmtime(rep) > os.path.getmtime(cli):
        return name, 0.0
    meta = json.load(open(os.path.join(d, "meta.json")))
    t = time.time()
    r = subprocess.run(["node", cli, "analyze", os.path.join(d, "model.onnx"), "--init", os.path.join(d, "model.init.onnx"),
                        "--data", os.path.join(d, "probe_train.npz"), "--test-data", os.path.join(d, "probe_test.npz"),
                        "--train-size", str(meta["train_size"]), "--out", rep, *CLI_FLAGS], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{name}: the CLI failed: {r.stderr.strip()[-2000:]}")
    return name, time.time() - t


def main():
    os.makedirs(ZOO, exist_ok=True)
    t0 = time.time()
    if not NO_TRAIN:
        train()
    t_train = time.time() - t0
    names = sorted(n for n in os.listdir(ZOO) if os.path.exists(os.path.join(ZOO, n, "meta.json")))
    # a model that did not meet zoo.py's stopping criterion (training CE ≤ 0.01 or training accuracy ≥ 0.99 within
    # its epoch cap) is reported and left out of the τ table: Jiang et al. 2020 compare only models trained to the
    # same criterion, otherwise the gap measures how far each model got, not how it generalises
    fitted = lambda m: m["fit"] if "fit" in m else m["train_acc"] >= 0.99
    all_metas = {n: json.load(open(os.path.join(ZOO, n, "meta.json"))) for n in names}
    cert_only = [n for n in names if all_metas[n].get("role") == "certificate"]
    failed = [n for n in names if n not in cert_only and not fitted(all_metas[n])]
    # the zoo's whole design, to name the models that were not trained (a run cut short by the time available)
    listed = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "predict", "zoo.py"), "--list"], capture_output=True, text=True)
    untrained = [l.split()[0] for l in listed.stdout.splitlines() if l.strip() and l.split()[0] not in names] if listed.returncode == 0 else []
    t0 = time.time()
    with ThreadPoolExecutor(JOBS) as ex:
        # models left out of τ are not analysed (the certificate model is)
        for name, s in ex.map(analyse, [n for n in names if n not in failed]):
            print(f"analysed {name} ({s:.0f} s)" if s else f"{name}: report up to date", file=sys.stderr, flush=True)
    t_cli = time.time() - t0
    if ANALYSE_ONLY:
        return
    analysed = [n for n in names if os.path.exists(os.path.join(ZOO, n, "report.json"))]
    names = [n for n in analysed if n not in failed and n not in cert_only]
    metas = {n: all_metas[n] for n in analysed}
    reps = {n: json.load(open(os.path.join(ZOO, n, "report.json"))) for n in analysed}
    gap = np.array([metas[n]["gap"] for n in names])
    rows = []
    keys = list(reps[names[0]]["measures"].keys())
    for k in keys:
        info = reps[names[0]]["measures"][k]
        vals = np.array([reps[n]["measures"].get(k, {}).get("value") for n in names], dtype=float)
        rows.append(dict(id=k, name=info["name"], direction=info.get("direction", 0), test=bool(info.get("usesTestData")), vals=vals, kind="measure"))
    for b in reps[names[0]]["bounds"]:
        vals = np.array([next((x["value"] for x in reps[n]["bounds"] if x["id"] == b["id"]), None) for n in names], dtype=float)
        rows.append(dict(id=f"bound:{b['id']}", name=b["name"], direction=1, test=b["id"] == "heldOut", vals=vals, kind="bound"))
    held = lambda n: (reps[n].get("heldOut") or next((x for x in reps[n]["bounds"] if x["id"] == "heldOut"), {})).get("value")
    if "heldOut" not in {b["id"] for b in reps[names[0]]["bounds"]}:
        rows.append(dict(id="heldOut", name="Held-out (test-set) certificate", direction=1, test=True, vals=np.array([held(n) for n in names], dtype=float), kind="bound"))
    rng = np.random.RandomState(0)
    clean = np.array([metas[n]["hparams"].get("noise", 0) == 0 for n in names])
    for r in rows:
        ok = np.isfinite(r["vals"])
        r["n"] = int(ok.sum())
        r["tau"] = kendall_tau_b(r["vals"][ok], gap[ok]) if ok.sum() >= 3 else float("nan")
        if ok.sum() >= 3 and np.isfinite(r["tau"]):
            v, g = r["vals"][ok], gap[ok]
            bt = [kendall_tau_b(v[i], g[i]) for i in (rng.randint(0, len(v), len(v)) for _ in range(BOOT))]
            bt = np.array([t for t in bt if np.isfinite(t)])
            r["lo"], r["hi"] = (np.percentile(bt, 2.5), np.percentile(bt, 97.5)) if len(bt) else (np.nan, np.nan)
        else:
            r["lo"] = r["hi"] = float("nan")
        r["signed"] = r["tau"] * r["direction"] if r["direction"] else float("nan")
        okc = ok & clean
        r["tau_clean"] = kendall_tau_b(r["vals"][okc], gap[okc]) if okc.sum() >= 3 else float("nan")
    L = []
    L.append("# Prediction benchmark (`npm run bench:predict`)\n")
    tr_acc = np.array([metas[n]["train_acc"] for n in names]); epochs = np.array([metas[n]["epochs"] for n in names])
    L.append(f"Zoo: {len(names)} Fashion-MNIST models (bench/predict/zoo.py: MLPs and small CNNs in a balanced random design over "
             "width, depth, learning rate, batch size, weight decay, dropout and training-set size (500–2000 examples), plus "
             "label-noise variants; every model trained until its training cross-entropy ≤ 0.01 or training accuracy ≥ 0.99, "
             f"as Jiang et al. 2020: training accuracy {tr_acc.min():.3f} … {tr_acc.max():.3f} after {epochs.min()} … {epochs.max()} epochs). "
             f"Gap = train accuracy (whole training subset, training labels) − test accuracy (10 000 test images): "
             f"{gap.min():.3f} … {gap.max():.3f}. CLI flags: {' '.join(CLI_FLAGS[:6])}; 500-example train and test probes. "
             f"Kendall τ-b against the gap, 95 % percentile bootstrap over models ({BOOT} resamples). "
             f"sign ok: τ has the sign the measure's source predicts (direction +1: larger → larger gap). "
             + (f"Left out (did not meet the stopping criterion within the epoch cap): {', '.join(failed)}. " if failed else "")
             + (f"Not in the τ zoo by design (certificate model, see zoo.py): {', '.join(cert_only)}. " if cert_only else "")
             + (f"Not trained (the run was stopped before their turn or during their training): {', '.join(untrained)}. " if untrained else "")
             + f"Training {t_train / 60:.1f} min, analysis {t_cli / 60:.1f} min ({JOBS} jobs, 2 loaded cores).\n")
    L.append(f"## Measures that use no test data, ranked by τ·direction\n\nLast column: τ-b over the {int(clean.sum())} models without label noise "
             "(the noise variants have the largest gaps; this shows how much of a measure's τ comes from seeing memorisation).\n")
    L.append("| rank | measure | direction | τ-b | 95 % bootstrap | sign ok | models | τ-b without label noise |")
    L.append("|---:|---|:---:|---:|---|:---:|---:|---:|")
    ranked = sorted([r for r in rows if not r["test"] and r["direction"] and np.isfinite(r["tau"])], key=lambda r: -r["signed"])
    for i, r in enumerate(ranked):
        L.append(f"| {i + 1} | {r['name']} (`{r['id']}`) | {'+' if r['direction'] > 0 else '−'} | {r['tau']:+.3f} | [{r['lo']:+.2f}, {r['hi']:+.2f}] | {'yes' if r['signed'] > 0 else 'no'} | {r['n']} | {r['tau_clean']:+.3f} |")
    rest = [r for r in rows if not r["test"] and (not r["direction"] or not np.isfinite(r["tau"]))]
    if rest:
        L.append("\nNot ranked (no declared direction, or undefined on the zoo): " + ", ".join(f"`{r['id']}` (τ {r['tau']:+.3f})" if np.isfinite(r["tau"]) else f"`{r['id']}` (n = {r['n']})" for r in rest) + "\n")
    L.append("\n## Computed from the test probe (describe the outcome; never ranked as predictors)\n")
    L.append("| measure | τ-b | 95 % bootstrap |")
    L.append("|---|---:|---|")
    for r in rows:
        if r["test"]:
            L.append(f"| {r['name']} (`{r['id']}`) | {r['tau']:+.3f} | [{r['lo']:+.2f}, {r['hi']:+.2f}] |")
    L.append("\n## Certificates per model\n")
    L.append("| model | m | gap | test acc | held-out cert. | Dziugaite–Roy | compression bound | bits | bits/param | compressed acc (probe) |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in analysed:
        b = {x["id"]: x for x in reps[n]["bounds"]}
        c = b.get("compressionOccam", {}); det = c.get("details") or {}
        f = lambda v: "—" if v is None else f"{v:.3f}"
        tag = " (certificate model)" if n in cert_only else " (not fit: left out of τ)" if n in failed else ""
        L.append(f"| {n}{tag} | {metas[n]['train_size']} | {metas[n]['gap']:.3f} | {metas[n]['test_acc']:.3f} | {f(held(n))} | "
                 f"{f(b.get('dziugaiteRoy2017', {}).get('value'))} | {f(c.get('value'))} | {det.get('bits', '—')} | "
                 f"{det['bitsPerParameter']:.3f} | {det['compressedAccuracy']:.3f} |" if det else f"| {n} | | | | | | | | | |")
    text = "\n".join(L) + "\n"
    print(text)
    with open(OUT, "w") as h:
        h.write(text)


if __name__ == "__main__":
    main()
