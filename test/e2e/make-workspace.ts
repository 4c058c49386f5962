// Builds the e2e workspace: a copy of ../shared/fixtures/fmnist, a model whose layer is named
// `<img src=x onerror=alert(1)>` (must render as text), a truncated checkpoint (its error must show),
// a checkpoint that the report spec overwrites (re-analysis on change), a metrics file for Kendall τ,
// a PyTorch run (torch_run/: the committed safetensors and torch.save fixtures of test/pytorch/fixtures,
// written by scripts/gen_torch_fixtures.py, beside a training script whose save lines name them; and
// torch_run/ckpts/: ckpt_1.pt … ckpt_3.pt, a run saved per epoch by test/e2e/fixtures/torch_ckpts/train_ckpts.py),
// and workspace settings (the training-set size of the fixtures). Usage: tsx make-workspace.ts FIXTURES_DIR OUT_DIR
import { cpSync, mkdirSync, writeFileSync, readFileSync, chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildModel, mlp, values, type ModelSpec, type NodeSpec, type TensorSpec } from '../helpers/onnx-writer';

const [src, out] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
cpSync(src, out, { recursive: true });
const writable = (d: string) => {
  chmodSync(d, 0o755);
  for (const n of readdirSync(d)) {
    const p = join(d, n);
    if (statSync(p).isDirectory()) writable(p);
    else chmodSync(p, 0o644);
  }
};
writable(out);
const spec = mlp([6, 4, 3]);
spec.initializers![0].name = '<img src=x onerror=alert(1)>';
spec.nodes[0].inputs[1] = '<img src=x onerror=alert(1)>';
mkdirSync(join(out, 'xss'), { recursive: true });
writeFileSync(join(out, 'xss', 'xss.onnx'), buildModel(spec).bytes);
mkdirSync(join(out, 'broken'), { recursive: true });
const mlpBytes = readFileSync(join(src, 'mlp.onnx'));
writeFileSync(join(out, 'broken', 'truncated.onnx'), mlpBytes.subarray(0, Math.floor(mlpBytes.length / 2)));
mkdirSync(join(out, 'watch'), { recursive: true });
writeFileSync(join(out, 'watch', 'model.onnx'), mlpBytes);
// the PyTorch run: weights-only checkpoints (no ONNX graph), the training script that saves them
const torchFixtures = join(__dirname, '..', 'pytorch', 'fixtures');
mkdirSync(join(out, 'torch_run'), { recursive: true });
for (const f of ['mlp.safetensors', 'mlp.pt']) writeFileSync(join(out, 'torch_run', f), readFileSync(join(torchFixtures, f)));
writeFileSync(join(out, 'torch_run', 'train_torch.py'), `# Trains a small MLP and saves its weights as safetensors and as a torch state dict.
import torch
import torch.nn as nn
from safetensors.torch import save_file


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(20, 16)
        self.fc2 = nn.Linear(16, 12)
        self.fc3 = nn.Linear(12, 10)

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


model = MLP()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(100):
    x = torch.randn(32, 20)
    loss = model(x).logsumexp(1).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
save_file(model.state_dict(), "torch_run/mlp.safetensors")
torch.save(model.state_dict(), "torch_run/mlp.pt")
`);
// a run of torch.save checkpoints, one per epoch, with the script that wrote them
const ckpts = join(__dirname, 'fixtures', 'torch_ckpts');
mkdirSync(join(out, 'torch_run', 'ckpts'), { recursive: true });
for (const f of ['ckpt_1.pt', 'ckpt_2.pt', 'ckpt_3.pt', 'train_ckpts.py']) writeFileSync(join(out, 'torch_run', 'ckpts', f), readFileSync(join(ckpts, f)));
const fx = JSON.parse(readFileSync(join(src, 'fixtures.json'), 'utf8'));
mkdirSync(join(out, '.vscode'), { recursive: true });
writeFileSync(join(out, '.vscode', 'settings.json'), JSON.stringify({ 'theoryLens.trainSize': fx.train_subset }, null, 2));
// a per-checkpoint metrics file for the comparison view (test accuracy of the run's checkpoints is
// not recorded in the fixtures; this one is made up, only to exercise Kendall τ)
writeFileSync(join(out, 'run_mlp', 'metrics.csv'), 'checkpoint,test_acc\nepoch_05,0.74\nepoch_10,0.76\nepoch_15,0.77\nepoch_20,0.775\nepoch_25,0.78\nepoch_30,0.779\n');
console.log(out);

// zoo2/: a training script in another style. SmallCNN and WideMLP are nn.Sequential blocks, so their
// layers are features.0/features.3/classifier.1/classifier.3 and net.1/net.3/net.5; the script writes
// checkpoints/cnn_base.onnx and checkpoints/mlp_base.onnx. other/d3.onnx has SmallCNN's layer names with
// other widths (it must never annotate SmallCNN). Weights are seeded pseudo-random (onnx-writer's values).
function smallCnn(c1: number, c2: number, fc: number, seed: number): ModelSpec {
  const conv = (name: string, o: number, i: number, x: string, y: string, k: number): { inits: TensorSpec[]; nodes: NodeSpec[] } => ({
    inits: [{ name: `${name}.weight`, dims: [o, i, 3, 3], data: values(o * i * 9, seed + k) }, { name: `${name}.bias`, dims: [o], data: values(o, seed + k + 50) }],
    nodes: [
      { op: 'Conv', name: `/${name}/Conv`, inputs: [x, `${name}.weight`, `${name}.bias`], outputs: [`${y}_c`], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: 'Relu', name: `/${name}/Relu`, inputs: [`${y}_c`], outputs: [`${y}_r`] },
      { op: 'MaxPool', name: `/${name}/MaxPool`, inputs: [`${y}_r`], outputs: [y], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    ],
  });
  const a = conv('features.0', c1, 1, 'input', 'p1', 1);
  const b = conv('features.3', c2, c1, 'p1', 'p2', 2);
  const flat = c2 * 7 * 7;
  return {
    inputs: [{ name: 'input', shape: ['N', 1, 28, 28] }],
    outputs: [{ name: 'logits', shape: ['N', 10] }],
    initializers: [...a.inits, ...b.inits,
      { name: 'classifier.1.weight', dims: [fc, flat], data: values(fc * flat, seed + 3) }, { name: 'classifier.1.bias', dims: [fc], data: values(fc, seed + 53) },
      { name: 'classifier.3.weight', dims: [10, fc], data: values(10 * fc, seed + 4) }, { name: 'classifier.3.bias', dims: [10], data: values(10, seed + 54) }],
    nodes: [...a.nodes, ...b.nodes,
      { op: 'Flatten', name: '/classifier/Flatten', inputs: ['p2'], outputs: ['flat'], attrs: { axis: 1 } },
      { op: 'Gemm', name: '/classifier.1/Gemm', inputs: ['flat', 'classifier.1.weight', 'classifier.1.bias'], outputs: ['h_pre'], attrs: { transB: 1 } },
      { op: 'Relu', name: '/classifier.2/Relu', inputs: ['h_pre'], outputs: ['h'] },
      { op: 'Gemm', name: '/classifier.3/Gemm', inputs: ['h', 'classifier.3.weight', 'classifier.3.bias'], outputs: ['logits'], attrs: { transB: 1 } }],
  };
}
function wideMlp(width: number, seed: number): ModelSpec {
  const spec = mlp([784, width, width, 10], { seed });
  const rename: Record<string, string> = { fc0: 'net.1', fc1: 'net.3', fc2: 'net.5' };
  const fix = (n: string) => n.replace(/^fc(\d)\./, (_m, k) => `${rename[`fc${k}`]}.`);
  for (const t of spec.initializers!) t.name = fix(t.name);
  for (const n of spec.nodes) n.inputs = n.inputs.map(fix);
  spec.inputs = [{ name: 'input', shape: ['N', 1, 28, 28] }];
  spec.nodes.unshift({ op: 'Flatten', name: '/net.0/Flatten', inputs: ['input'], outputs: ['flat'], attrs: { axis: 1 } });
  spec.nodes[1].inputs[0] = 'flat';
  return spec;
}
const zoo = join(out, 'zoo2');
mkdirSync(join(zoo, 'checkpoints'), { recursive: true });
mkdirSync(join(zoo, 'other'), { recursive: true });
writeFileSync(join(zoo, 'checkpoints', 'cnn_base.onnx'), buildModel(smallCnn(8, 16, 32, 11)).bytes);
writeFileSync(join(zoo, 'checkpoints', 'mlp_base.onnx'), buildModel(wideMlp(64, 21)).bytes);
writeFileSync(join(zoo, 'other', 'd3.onnx'), buildModel(smallCnn(8, 32, 64, 31)).bytes);
writeFileSync(join(zoo, 'train_zoo.py'), `"""Two architectures side by side, trained on Fashion-MNIST (written for the Theory Lens e2e)."""
import os
import torch
import torch.nn as nn


class SmallCNN(nn.Module):
    def __init__(self, c1=8, c2=16, fc=32):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(c2 * 7 * 7, fc),
            nn.ReLU(),
            nn.Linear(fc, 10),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


class WideMLP(nn.Module):
    def __init__(self, width=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(28 * 28, width),
            nn.ReLU(),
            nn.Linear(width, width),
            nn.ReLU(),
            nn.Linear(width, 10),
        )

    def forward(self, x):
        return self.net(x)


def save(model, path):
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), path, opset_version=13)


if __name__ == "__main__":
    out_dir = "checkpoints"
    os.makedirs(out_dir, exist_ok=True)
    tag = "base"
    save(SmallCNN(), os.path.join(out_dir, f"cnn_{tag}.onnx"))
    save(WideMLP(), os.path.join(out_dir, f"mlp_{tag}.onnx"))
`);
