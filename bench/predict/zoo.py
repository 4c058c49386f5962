"""The prediction benchmark's zoo (Theory Lens, `npm run bench:predict`): Fashion-MNIST MLPs and small CNNs, each
trained to the same stopping criterion, as Jiang et al. 2020 ("Fantastic generalization measures and where to find
them", ICLR 2020, §4 and App. A.2: every model is trained until its training cross-entropy reaches 0.01 / 99 %
training accuracy, so the gap measures generalization and not how far each model got in a fixed budget).

Design (fixed here, never tuned to a result):
- 20 MLPs (784 → width^depth → 10, ReLU) and 6 CNNs (conv5×5(c) → pool → conv3×3(2c) → pool → fc64 → 10), each a
  *balanced random design*: every level of every factor appears equally often (± 1) and the combinations are drawn at
  random with numpy RandomState(2020) (MLPs) / RandomState(2021) (CNNs), as Jiang et al. sample their grid;
  factors: width/channels, depth (MLP), learning rate, batch size, weight decay, dropout, training-set size
  (small subsets of the 60 000 training images, so every model can fit its subset on one CPU thread);
- 4 label-noise variants (a fraction of the subset's labels replaced by a uniformly drawn *other* class): the models
  fit the noisy labels too, so their gap is large — the regime where a measure must see memorisation.
- one more model outside the τ zoo (CERTIFICATE below: the whole training set, 3 epochs) for the compression
  certificate, which needs m ≫ description length.
- SGD with momentum 0.9, constant learning rate, cross-entropy; one torch thread; the seed fixes the subset, the
  noise, the initialisation and the batch order.
Stopping rule: after every epoch the model is evaluated (eval mode: no dropout) on its whole training subset with its
training labels; it stops as soon as the training cross-entropy is ≤ 0.01 or the training accuracy is ≥ 0.99.
A model that has not met the criterion after MAX_EPOCHS (or that diverged, is still at chance level — training
accuracy ≤ 0.2 — after 20 epochs, or below 0.5 after 50 epochs) is written with fit = false; run.py reports it and leaves it
out of the τ table (never silently kept).

usage: /usr/bin/python3 bench/predict/zoo.py OUT_DIR [--only NAME,NAME] [--list]
Models are trained cheapest first (estimated multiply-adds). Several processes may run on the same OUT_DIR: each claims a model with an exclusive claim file (a claim whose
process is gone is taken over), so `run.py --jobs 2` starts two of them.
Writes OUT_DIR/<name>/{model.onnx, model.init.onnx, probe_train.npz, probe_test.npz, meta.json}:
model.init.onnx = the seed's initialisation (w⁰, data-independent); probe_train = the first 500 examples of the
model's (randomly permuted) training subset WITH the labels it was trained on (noisy ones for noise models: the bounds
are about that training set); probe_test = 500 fixed test examples; meta.json: hyperparameters, fit, epochs, train
accuracy and cross-entropy on the whole training subset (training labels), test accuracy on the whole official test
set (10 000), gap = train accuracy − test accuracy.
Needs Debian python3-torch, python3-onnx and dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)."""
import copy, gzip, json, os, sys, time
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F

torch.set_num_threads(1)
DATA = "/usr/share/datasets/fashion-mnist"
PROBE = 500
MAX_EPOCHS = 400
CE_STOP, ACC_STOP = 0.01, 0.99
DEAD_AFTER, DEAD_ACC = 20, 0.2  # training accuracy still ≤ 0.2 (chance: 0.1) after 20 epochs: abandoned, not fit
STALLED_AFTER, STALLED_ACC = 50, 0.5  # below 0.5 after 50 epochs: stalled (every model that fit was far above by then)


def load_fmnist():
    def imgs(f):
        with gzip.open(os.path.join(DATA, f)) as h:
            return np.frombuffer(h.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255.0
    def labs(f):
        with gzip.open(os.path.join(DATA, f)) as h:
            return np.frombuffer(h.read(), np.uint8, offset=8).astype(np.int64)
    return (imgs("train-images-idx3-ubyte.gz"), labs("train-labels-idx1-ubyte.gz"),
            imgs("t10k-images-idx3-ubyte.gz"), labs("t10k-labels-idx1-ubyte.gz"))


class MLP(nn.Module):
    def __init__(s, width, depth, dropout):
        super().__init__()
        d = [784] + [width] * depth
        s.layers = nn.ModuleList([nn.Linear(d[i], d[i + 1]) for i in range(depth)])
        s.head = nn.Linear(d[-1], 10)
        s.drop = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
    def forward(s, x):
        x = torch.flatten(x, 1)
        for l in s.layers:
            x = s.drop(F.relu(l(x)))
        return s.head(x)


class CNN(nn.Module):
    def __init__(s, c, dropout):
        super().__init__()
        s.conv1 = nn.Conv2d(1, c, 5, padding=2); s.conv2 = nn.Conv2d(c, 2 * c, 3, padding=1)
        s.fc = nn.Linear(2 * c * 7 * 7, 64); s.head = nn.Linear(64, 10)
        s.drop = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
    def forward(s, x):
        x = F.max_pool2d(F.relu(s.conv1(x)), 2)
        x = F.max_pool2d(F.relu(s.conv2(x)), 2)
        return s.head(s.drop(F.relu(s.fc(torch.flatten(x, 1)))))


def balanced_design(factors, count, seed):
    """count configurations: each factor's levels tiled to `count` (every level equally often, ± 1) and shuffled
    independently of the other factors with one seeded RandomState."""
    rs = np.random.RandomState(seed)
    cols = {}
    for k, levels in factors.items():
        col = [levels[i % len(levels)] for i in range(count)]
        cols[k] = [col[i] for i in rs.permutation(count)]
    return [{k: cols[k][i] for k in factors} for i in range(count)]


MLP_FACTORS = dict(width=[64, 128, 256], depth=[1, 2, 3], lr=[0.02, 0.05, 0.1], batch=[32, 128],
                   wd=[0.0, 1e-4, 5e-4], dropout=[0.0, 0.2], n=[500, 1000, 2000])
CNN_FACTORS = dict(width=[4, 8], lr=[0.02, 0.05], batch=[32, 128], wd=[0.0, 5e-4], dropout=[0.0, 0.2],
                   n=[500, 1000])
NOISE = [  # label-noise variants: a fixed base each, noise fraction varied
    ("noise_mlp128x2_n1000_p0.1", dict(arch="mlp", width=128, depth=2, lr=0.05, batch=32, wd=0.0, dropout=0.0, n=1000, noise=0.1)),
    ("noise_mlp128x2_n1000_p0.25", dict(arch="mlp", width=128, depth=2, lr=0.05, batch=32, wd=0.0, dropout=0.0, n=1000, noise=0.25)),
    ("noise_mlp128x1_n500_p0.2", dict(arch="mlp", width=128, depth=1, lr=0.05, batch=32, wd=0.0, dropout=0.0, n=500, noise=0.2)),
    ("noise_cnn4_n500_p0.2", dict(arch="cnn", width=4, depth=2, lr=0.05, batch=32, wd=0.0, dropout=0.0, n=500, noise=0.2)),
]


# Not part of the τ zoo: one model trained on the whole training set for a fixed 3 epochs with a 2000-example probe,
# the regime (m = 60 000, few parameters) where a post-hoc compression certificate can be non-vacuous. It does not
# meet the stopping criterion by design (role "certificate"): run.py shows its certificates and leaves it out of τ.
CERTIFICATE = [
    ("cert_mlp16x1_n60000", dict(arch="mlp", width=16, depth=1, lr=0.05, batch=64, wd=0.0, dropout=0.0, n=60000, noise=0.0,
                                 max_epochs=3, probe=2000, role="certificate")),
]


def short(v):
    return f"{v:g}"


def variants():
    out = list(NOISE)  # the slowest to fit first, so parallel workers end together
    for h in balanced_design(MLP_FACTORS, 20, 2020):
        hp = dict(arch="mlp", noise=0.0, **h)
        out.append((f"mlp{h['width']}x{h['depth']}_lr{short(h['lr'])}_b{h['batch']}_wd{short(h['wd'])}_do{short(h['dropout'])}_n{h['n']}", hp))
    for h in balanced_design(CNN_FACTORS, 6, 2021):
        hp = dict(arch="cnn", depth=2, noise=0.0, **h)
        out.append((f"cnn{h['width']}_lr{short(h['lr'])}_b{h['batch']}_wd{short(h['wd'])}_do{short(h['dropout'])}_n{h['n']}", hp))
    return [(name, dict(hp, seed=1000 + k)) for k, (name, hp) in enumerate(out + CERTIFICATE)]


def cost(hp):
    """Rough multiply-adds of training (per example × examples × epochs, 100 when capped higher): workers take
    the cheapest models first, so that a run cut short by the time available keeps the most models."""
    w = hp["width"]
    if hp["arch"] == "mlp":
        per = 784 * w + (hp["depth"] - 1) * w * w + 10 * w
    else:
        per = 28 * 28 * w * 25 + 14 * 14 * 2 * w * 9 * w + 2 * w * 49 * 64 + 640
    return per * hp["n"] * min(hp.get("max_epochs", MAX_EPOCHS), 100)


def export(model, path):
    m = copy.deepcopy(model).eval()
    torch.onnx.export(m, torch.zeros(1, 1, 28, 28), path, export_params=True, opset_version=13,
                      do_constant_folding=True, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})


@torch.no_grad()
def evaluate(m, X, Y):
    """(accuracy, mean cross-entropy) in eval mode."""
    m.eval()
    lo = torch.cat([m(X[i:i + 2000]) for i in range(0, len(X), 2000)])
    return (lo.argmax(1) == Y).float().mean().item(), F.cross_entropy(lo, Y).item()


def claim(d):
    """True when this process may train model directory d (an exclusive claim file; a dead claimant's is taken over)."""
    os.makedirs(d, exist_ok=True)
    c = os.path.join(d, "claim")
    for _ in range(2):
        try:
            fd = os.open(c, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            os.write(fd, str(os.getpid()).encode()); os.close(fd)
            return True
        except FileExistsError:
            try:
                pid = int(open(c).read().strip() or 0)
                os.kill(pid, 0)
                return False
            except (ProcessLookupError, ValueError):
                os.unlink(c)
            except PermissionError:
                return False
    return False


def train_one(name, hp, d, data):
    xtr_all, ytr_all, xte, yte, te_idx = data
    t0 = time.time()
    n = hp["n"]
    idx = np.random.RandomState(hp["seed"]).permutation(60000)[:n]
    X, Yclean = torch.from_numpy(xtr_all[idx]), torch.from_numpy(ytr_all[idx])
    Y = Yclean.clone()
    if hp["noise"] > 0:
        rs = np.random.RandomState(hp["seed"] + 1)
        ni = rs.choice(n, int(round(hp["noise"] * n)), replace=False)
        Y[ni] = (Y[ni] + torch.from_numpy(rs.randint(1, 10, len(ni)))) % 10
    torch.manual_seed(hp["seed"])
    model = MLP(hp["width"], hp["depth"], hp["dropout"]) if hp["arch"] == "mlp" else CNN(hp["width"], hp["dropout"])
    export(model, os.path.join(d, "model.init.onnx"))
    opt = torch.optim.SGD(model.parameters(), lr=hp["lr"], momentum=0.9, weight_decay=hp["wd"])
    g = torch.Generator(); g.manual_seed(hp["seed"])
    epochs, fit, tr, ce = 0, False, 0.0, float("inf")
    max_epochs = hp.get("max_epochs", MAX_EPOCHS)
    for ep in range(max_epochs):
        model.train(); perm = torch.randperm(n, generator=g)
        for i in range(0, n, hp["batch"]):
            b = perm[i:i + hp["batch"]]
            opt.zero_grad(); F.cross_entropy(model(X[b]), Y[b]).backward(); opt.step()
        epochs = ep + 1
        tr, ce = evaluate(model, X, Y)
        if not np.isfinite(ce) or (epochs >= DEAD_AFTER and tr <= DEAD_ACC) or (epochs >= STALLED_AFTER and tr < STALLED_ACC):
            break  # diverged, at chance level (dead units) or stalled: reported as not fit
        if ce <= CE_STOP or tr >= ACC_STOP:
            fit = True
            break
    export(model, os.path.join(d, "model.onnx"))
    npr = hp.get("probe", PROBE)
    np.savez(os.path.join(d, "probe_train.npz"), x=X[:npr].numpy(), y=Y[:npr].numpy())
    np.savez(os.path.join(d, "probe_test.npz"), x=xte[te_idx], y=yte[te_idx])
    te, te_ce = evaluate(model, torch.from_numpy(xte), torch.from_numpy(yte))
    meta = dict(name=name, hparams=hp, fit=fit, stop=dict(ce=CE_STOP, acc=ACC_STOP, max_epochs=max_epochs),
                role=hp.get("role", "zoo"),
                epochs=epochs, train_acc=tr, train_ce=ce, test_acc=te, test_ce=te_ce, gap=tr - te, train_size=n,
                train_acc_clean_labels=evaluate(model, X, Yclean)[0], n_params=sum(p.numel() for p in model.parameters()),
                seconds=round(time.time() - t0, 1))
    json.dump(meta, open(os.path.join(d, "meta.json"), "w"), indent=1)
    print(f"{name}: {'fit' if fit else 'NOT FIT'} after {epochs} epochs, train acc {tr:.3f} (CE {ce:.4f}), "
          f"test {te:.3f}, gap {tr - te:.3f}, {meta['seconds']} s", flush=True)


def main():
    if "--list" in sys.argv:
        for name, hp in variants():
            print(name, json.dumps(hp))
        return
    out = sys.argv[1]
    only = set(sys.argv[sys.argv.index("--only") + 1].split(",")) if "--only" in sys.argv else None
    os.makedirs(out, exist_ok=True)
    xtr_all, ytr_all, xte, yte = load_fmnist()
    data = (xtr_all, ytr_all, xte, yte, np.random.RandomState(7070).permutation(10000)[:PROBE])
    for name, hp in sorted(variants(), key=lambda v: cost(v[1])):
        if only and name not in only:
            continue
        d = os.path.join(out, name)
        if os.path.exists(os.path.join(d, "meta.json")) or not claim(d):
            continue
        try:
            train_one(name, hp, d, data)
        finally:
            os.unlink(os.path.join(d, "claim"))


if __name__ == "__main__":
    main()
