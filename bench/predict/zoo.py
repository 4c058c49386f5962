"""The prediction benchmark's zoo (Theory Lens, `npm run bench:predict`): small Fashion-MNIST MLPs and CNNs
that vary width, depth, learning rate, batch size, weight decay, dropout, training-set size and label noise,
one factor at a time from a base model (plus a few CNNs), CPU, seeded, one thread.
usage: /usr/bin/python3 bench/predict/zoo.py OUT_DIR [--only NAME,NAME] [--shard I/N]
Writes OUT_DIR/<name>/{model.onnx, model.init.onnx, probe_train.npz, probe_test.npz, meta.json}:
probe_train = the first 500 (one model: 2000) examples of the model's training subset WITH the labels it was trained on
(noisy where label noise was injected: the bounds are about that training set); probe_test = 500 test
examples; meta.json: hyperparameters, train accuracy on the whole training subset (training labels),
test accuracy on the whole official test set (10 000), gap = train − test.
Needs Debian python3-torch, python3-onnx and dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
Training stops when the running training accuracy of an epoch reaches 0.99 or after max_epochs."""
import copy, gzip, json, os, sys, time
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F

torch.set_num_threads(1)
DATA = "/usr/share/datasets/fashion-mnist"
PROBE = 500


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


BASE = dict(arch="mlp", width=128, depth=2, lr=0.05, batch=64, wd=0.0, dropout=0.0, n=4000, noise=0.0, max_epochs=20)
VARIANTS = [
    ("base", {}),
    ("width32", dict(width=32)), ("width64", dict(width=64)), ("width512", dict(width=512)),
    ("depth1", dict(depth=1)), ("depth4", dict(depth=4)),
    ("lr0.01", dict(lr=0.01)), ("lr0.2", dict(lr=0.2)),
    ("batch32", dict(batch=32)), ("batch256", dict(batch=256)),
    ("wd5e-4", dict(wd=5e-4)), ("wd5e-3", dict(wd=5e-3)),
    ("dropout0.3", dict(dropout=0.3)), ("dropout0.5", dict(dropout=0.5)),
    ("n1000", dict(n=1000)), ("n2000", dict(n=2000)), ("n6000", dict(n=6000)),
    ("noise0.1", dict(noise=0.1)), ("noise0.2", dict(noise=0.2)), ("noise0.4", dict(noise=0.4, max_epochs=30)),
    ("cnn", dict(arch="cnn", width=8, max_epochs=8)),
    ("cnn_w4", dict(arch="cnn", width=4, max_epochs=8)),
    ("cnn_noise0.2", dict(arch="cnn", width=8, noise=0.2, max_epochs=10)),
    ("cnn_n1000", dict(arch="cnn", width=8, n=1000, max_epochs=15)),
    ("cnn_wd5e-3", dict(arch="cnn", width=8, wd=5e-3, max_epochs=8)),
    ("width256_noise0.2_n2000", dict(width=256, noise=0.2, n=2000, max_epochs=30)),
    ("width16_depth1_n30000", dict(width=16, depth=1, n=30000, max_epochs=5)),
    # the whole training set and a 2000-example probe: the model the compression certificate can reach
    ("width16_depth1_n60000", dict(width=16, depth=1, n=60000, max_epochs=3, probe=2000)),
]


def export(model, path):
    m = copy.deepcopy(model).eval()
    torch.onnx.export(m, torch.zeros(1, 1, 28, 28), path, export_params=True, opset_version=13,
                      do_constant_folding=True, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})


@torch.no_grad()
def accuracy(m, X, Y):
    m.eval()
    lo = torch.cat([m(X[i:i + 2000]) for i in range(0, len(X), 2000)])
    return (lo.argmax(1) == Y).float().mean().item()


def main():
    out = sys.argv[1]
    only = None
    if "--only" in sys.argv:
        only = set(sys.argv[sys.argv.index("--only") + 1].split(","))
    shard = None
    if "--shard" in sys.argv:
        shard = tuple(int(v) for v in sys.argv[sys.argv.index("--shard") + 1].split("/"))
    os.makedirs(out, exist_ok=True)
    xtr_all, ytr_all, xte, yte = load_fmnist()
    Xte, Yte = torch.from_numpy(xte), torch.from_numpy(yte)
    te_idx = np.random.RandomState(7070).permutation(10000)[:PROBE]
    for k, (name, change) in enumerate(VARIANTS):
        if only and name not in only:
            continue
        if shard and k % shard[1] != shard[0]:
            continue
        d = os.path.join(out, name)
        if os.path.exists(os.path.join(d, "meta.json")):
            print(f"{name}: already trained", flush=True)
            continue
        os.makedirs(d, exist_ok=True)
        hp = dict(BASE, **change, seed=100 + k)
        t0 = time.time()
        idx = np.random.RandomState(hp["seed"]).permutation(60000)[:hp["n"]]
        X, Yclean = torch.from_numpy(xtr_all[idx]), torch.from_numpy(ytr_all[idx])
        Y = Yclean.clone()
        if hp["noise"] > 0:
            rs = np.random.RandomState(hp["seed"] + 1)
            ni = rs.choice(hp["n"], int(hp["noise"] * hp["n"]), replace=False)
            Y[ni] = (Y[ni] + torch.from_numpy(rs.randint(1, 10, len(ni)))) % 10
        torch.manual_seed(hp["seed"])
        model = MLP(hp["width"], hp["depth"], hp["dropout"]) if hp["arch"] == "mlp" else CNN(hp["width"], hp["dropout"])
        export(model, os.path.join(d, "model.init.onnx"))
        opt = torch.optim.SGD(model.parameters(), lr=hp["lr"], momentum=0.9, weight_decay=hp["wd"])
        g = torch.Generator(); g.manual_seed(hp["seed"])
        epochs = 0
        for ep in range(hp["max_epochs"]):
            model.train(); perm = torch.randperm(hp["n"], generator=g); correct = 0
            for i in range(0, hp["n"], hp["batch"]):
                b = perm[i:i + hp["batch"]]
                opt.zero_grad(); lo = model(X[b]); F.cross_entropy(lo, Y[b]).backward(); opt.step()
                correct += (lo.argmax(1) == Y[b]).sum().item()
            epochs = ep + 1
            if correct / hp["n"] >= 0.99:
                break
        export(model, os.path.join(d, "model.onnx"))
        npr = hp.get("probe", PROBE)
        np.savez(os.path.join(d, "probe_train.npz"), x=X[:npr].numpy(), y=Y[:npr].numpy())
        np.savez(os.path.join(d, "probe_test.npz"), x=xte[te_idx], y=yte[te_idx])
        tr, te = accuracy(model, X, Y), accuracy(model, Xte, Yte)
        meta = dict(name=name, hparams=hp, epochs=epochs, train_acc=tr, test_acc=te, gap=tr - te, train_size=hp["n"],
                    train_acc_clean_labels=accuracy(model, X, Yclean), n_params=sum(p.numel() for p in model.parameters()),
                    seconds=round(time.time() - t0, 1))
        json.dump(meta, open(os.path.join(d, "meta.json"), "w"), indent=1)
        print(f"{name}: epochs {epochs}, train {tr:.3f}, test {te:.3f}, gap {tr - te:.3f}, {meta['seconds']} s", flush=True)


if __name__ == "__main__":
    main()
