#!/usr/bin/env python3
"""Writes the committed torch.save fixtures of test/pytorch/fixtures/ and their expected values.

Run with Debian's python3-torch (1.13) and numpy:  python3 scripts/gen_torch_fixtures.py
Every file is small (a few KB). expected.json holds, per fixture and layer (name, part), the
Frobenius and spectral norms of the [out, in] matrix computed here with numpy in float64
(np.linalg.norm(M, 'fro'), np.linalg.norm(M, 2)), independently of the TypeScript readers.

Fixtures:
  mlp.pt / mlp.safetensors / mlp.onnx   one MLP saved three ways (cross-format equality)
  cnn.pth                               Conv2d/Conv1d/Linear state dict
  ddp.pth                               keys with DataParallel's 'module.' prefix
  lightning.ckpt                        a Lightning-style checkpoint (state_dict, optimizer states, hparams, loops)
  gpt2.bin                              GPT-2-style Conv1D blocks, lm_head tied to wte (same storage)
  lora.bin                              a PEFT LoRA adapter (lora_A / lora_B) with base weights
  half.pt                               float16 / bfloat16 / float64 tensors
  malicious.pt                          a pickle whose __reduce__ calls os.system (must be refused, never run)
  legacy.pt                             the pre-1.6 non-zip format (must say: re-save with a current torch)
"""
import collections
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'pytorch', 'fixtures')
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)
expected = {}


def norms(m):
    m = np.asarray(m, dtype=np.float64)
    return {'fro': float(np.linalg.norm(m, 'fro')), 'spec': float(np.linalg.norm(m, 2))}


def record(fixture, layers):
    """layers: list of (name, part or None, [out, in] matrix as float64 numpy)."""
    expected[fixture] = [{'name': n, 'part': p, 'shape': list(m.shape), **norms(m)} for n, p, m in layers]


def f64(t):
    return t.detach().to(torch.float64).numpy()


def save_safetensors(path, sd, metadata=None):
    """A minimal safetensors writer (numpy only): header JSON padded to 8 bytes, then the data."""
    names = {torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.float64: 'F64'}
    header, blobs, off = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for k, t in sd.items():
        t = t.detach().contiguous()
        b = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[k] = {'dtype': names[t.dtype], 'shape': list(t.shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b' ' * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


# 1. One MLP saved as .pt, .safetensors and .onnx.
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(20, 16)
        self.fc2 = nn.Linear(16, 12)
        self.fc3 = nn.Linear(12, 10)

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


mlp = MLP().eval()
torch.save(mlp.state_dict(), os.path.join(OUT, 'mlp.pt'))
save_safetensors(os.path.join(OUT, 'mlp.safetensors'), mlp.state_dict(), {'format': 'pt', 'source': 'gen_torch_fixtures.py'})
torch.onnx.export(mlp, torch.zeros(1, 20), os.path.join(OUT, 'mlp.onnx'), input_names=['x'], output_names=['logits'],
                  dynamic_axes={'x': {0: 'N'}, 'logits': {0: 'N'}}, opset_version=13)
record('mlp.pt', [(f'{m}.weight', None, f64(getattr(mlp, m).weight)) for m in ('fc1', 'fc2', 'fc3')])


# 2. Convolutions.
class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3)
        self.conv2 = nn.Conv2d(6, 8, (3, 2), bias=False)
        self.temporal = nn.Conv1d(8, 4, 5)
        self.head = nn.Linear(32, 10)


cnn = CNN()
torch.save(cnn.state_dict(), os.path.join(OUT, 'cnn.pth'))
record('cnn.pth', [(f'{m}.weight', None, f64(getattr(cnn, m).weight).reshape(getattr(cnn, m).weight.shape[0], -1))
                   for m in ('conv1', 'conv2', 'temporal', 'head')])

# 3. DataParallel prefix.
ddp = collections.OrderedDict((f'module.{k}', v) for k, v in mlp.state_dict().items())
torch.save(ddp, os.path.join(OUT, 'ddp.pth'))
record('ddp.pth', [(f'{m}.weight', None, f64(getattr(mlp, m).weight)) for m in ('fc1', 'fc2', 'fc3')])

# 4. Lightning-style checkpoint: the module keeps the net as self.model, so keys start with 'model.'.
opt = torch.optim.Adam(mlp.parameters(), lr=1e-3)
mlp(torch.randn(4, 20)).sum().backward()
opt.step()
lightning = {
    'epoch': 3,
    'global_step': 120,
    'pytorch-lightning_version': '2.1.0',
    'state_dict': collections.OrderedDict((f'model.{k}', v) for k, v in mlp.state_dict().items()),
    'loops': {'fit_loop': {'state_dict': {}, 'epoch_progress': {'total': {'ready': 4, 'completed': 3}}}},
    'callbacks': {"ModelCheckpoint{'monitor': 'val_loss', 'mode': 'min'}": {'best_model_score': torch.tensor(0.25), 'best_model_path': 'epoch=3.ckpt'}},
    'optimizer_states': [opt.state_dict()],
    'lr_schedulers': [],
    'hparams_name': 'kwargs',
    'hyper_parameters': {'lr': 1e-3, 'hidden': [16, 12], 'name': 'mlp', 'dropout': None, 'use_bias': True},
}
torch.save(lightning, os.path.join(OUT, 'lightning.ckpt'))
record('lightning.ckpt', [(f'model.{m}.weight', None, f64(getattr(mlp, m).weight)) for m in ('fc1', 'fc2', 'fc3')])

# 5. GPT-2-style blocks: Conv1D stores [in, out]; c_attn is [d, 3d]; lm_head tied to wte.
d, vocab = 8, 20
wte = torch.randn(vocab, d) * 0.1
gpt = collections.OrderedDict()
gpt['transformer.wte.weight'] = wte
gpt['transformer.wpe.weight'] = torch.randn(6, d) * 0.1
gpt['transformer.h.0.ln_1.weight'] = torch.ones(d)
gpt['transformer.h.0.ln_1.bias'] = torch.zeros(d)
gpt['transformer.h.0.attn.c_attn.weight'] = torch.randn(d, 3 * d) * 0.1
gpt['transformer.h.0.attn.c_attn.bias'] = torch.zeros(3 * d)
gpt['transformer.h.0.attn.c_proj.weight'] = torch.randn(d, d) * 0.1
gpt['transformer.h.0.mlp.c_fc.weight'] = torch.randn(d, 4 * d) * 0.1
gpt['transformer.h.0.mlp.c_proj.weight'] = torch.randn(4 * d, d) * 0.1
gpt['transformer.ln_f.weight'] = torch.ones(d)
gpt['lm_head.weight'] = wte  # tied: the same storage
torch.save(gpt, os.path.join(OUT, 'gpt2.bin'))
ca = f64(gpt['transformer.h.0.attn.c_attn.weight']).T  # [3d, d]
record('gpt2.bin', [
    ('transformer.wte.weight', None, f64(wte).T),
    ('transformer.wpe.weight', None, f64(gpt['transformer.wpe.weight']).T),
    ('transformer.h.0.attn.c_attn.weight', 'q', ca[0:d]),
    ('transformer.h.0.attn.c_attn.weight', 'k', ca[d:2 * d]),
    ('transformer.h.0.attn.c_attn.weight', 'v', ca[2 * d:]),
    ('transformer.h.0.attn.c_proj.weight', None, f64(gpt['transformer.h.0.attn.c_proj.weight']).T),
    ('transformer.h.0.mlp.c_fc.weight', None, f64(gpt['transformer.h.0.mlp.c_fc.weight']).T),
    ('transformer.h.0.mlp.c_proj.weight', None, f64(gpt['transformer.h.0.mlp.c_proj.weight']).T),
])

# 6. A PEFT LoRA adapter (r = 4) with the base weights it adapts.
r = 4
lora = collections.OrderedDict()
for proj, (o, i) in {'q_proj': (16, 12), 'v_proj': (16, 12)}.items():
    lora[f'base_model.model.layers.0.attn.{proj}.base_layer.weight'] = torch.randn(o, i) * 0.1
    lora[f'base_model.model.layers.0.attn.{proj}.lora_A.weight'] = torch.randn(r, i) * 0.1
    lora[f'base_model.model.layers.0.attn.{proj}.lora_B.weight'] = torch.randn(o, r) * 0.1
torch.save(lora, os.path.join(OUT, 'lora.bin'))
rows = []
for proj in ('q_proj', 'v_proj'):
    p = f'base_model.model.layers.0.attn.{proj}'
    rows.append((f'{p}.base_layer.weight', None, f64(lora[f'{p}.base_layer.weight'])))
    rows.append((f'{p}.lora', 'ΔW=B·A', f64(lora[f'{p}.lora_B.weight']) @ f64(lora[f'{p}.lora_A.weight'])))
record('lora.bin', rows)

# 7. Half, bfloat16 and double tensors (norms of the stored values, widened exactly to float64).
half = collections.OrderedDict()
half['a.weight'] = (torch.randn(8, 6) * 0.2).to(torch.float16)
half['b.weight'] = (torch.randn(6, 8) * 0.2).to(torch.bfloat16)
half['c.weight'] = (torch.randn(4, 6)).to(torch.float64)
torch.save(half, os.path.join(OUT, 'half.pt'))
record('half.pt', [(k, None, f64(v)) for k, v in half.items()])


# 8. A malicious pickle: loading it with pickle would run os.system. The readers must refuse it.
class Evil:
    def __reduce__(self):
        return (os.system, ('touch theory-lens-pwned',))


torch.save({'fc.weight': torch.zeros(2, 2), 'payload': Evil()}, os.path.join(OUT, 'malicious.pt'))

# 9. The legacy (non-zip) format.
torch.save(mlp.state_dict(), os.path.join(OUT, 'legacy.pt'), _use_new_zipfile_serialization=False)

with open(os.path.join(OUT, 'expected.json'), 'w') as f:
    json.dump({'generator': 'scripts/gen_torch_fixtures.py', 'torch': torch.__version__, 'numpy': np.__version__, 'fixtures': expected}, f, indent=1)
print('wrote', sorted(os.listdir(OUT)), file=sys.stderr)
