// Builds the e2e workspace: a copy of ../shared/fixtures/fmnist, a model whose layer is named
// `<img src=x onerror=alert(1)>` (must render as text), a truncated checkpoint (its error must show),
// a checkpoint that the report spec overwrites (re-analysis on change), a metrics file for Kendall τ,
// a PyTorch run (torch_run/: the committed safetensors and torch.save fixtures of test/pytorch/fixtures,
// written by scripts/gen_torch_fixtures.py, beside a training script whose save lines name them),
// and workspace settings (the training-set size of the fixtures). Usage: tsx make-workspace.ts FIXTURES_DIR OUT_DIR
import { cpSync, mkdirSync, writeFileSync, readFileSync, chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildModel, mlp } from '../helpers/onnx-writer';

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
const fx = JSON.parse(readFileSync(join(src, 'fixtures.json'), 'utf8'));
mkdirSync(join(out, '.vscode'), { recursive: true });
writeFileSync(join(out, '.vscode', 'settings.json'), JSON.stringify({ 'theoryLens.trainSize': fx.train_subset }, null, 2));
// a per-checkpoint metrics file for the comparison view (test accuracy of the run's checkpoints is
// not recorded in the fixtures; this one is made up, only to exercise Kendall τ)
writeFileSync(join(out, 'run_mlp', 'metrics.csv'), 'checkpoint,test_acc\nepoch_05,0.74\nepoch_10,0.76\nepoch_15,0.77\nepoch_20,0.775\nepoch_25,0.78\nepoch_30,0.779\n');
console.log(out);
