#!/usr/bin/env python3
"""Real-export test set for the ONNX reader (test/onnx/real/): models written by PyTorch's exporter
(torch 1.13, Debian python3-torch) and, per model, the expected values computed independently of the
reader with onnx.numpy_helper + numpy (and torch's own parameters for weights the exporter reaches
through op chains). Run: /usr/bin/python3 scripts/gen_real_exports.py  (deterministic; a few hundred kB).

Expected JSON per model:
  tensors: every float tensor that feeds a weight-consuming op (Gemm, MatMul, Conv, Gather embedding,
           LSTM/GRU W and R), by the name the reader gives it, with Frobenius and spectral norms of the
           [out, in] matrix (per gate for recurrent weights), parameter counts;
  convExact: per conv weight, σ_max of the circular convolution operator at the input size the conv sees
           for `inputShape` (numpy FFT, Sedghi et al. 2019), or null where the file's sizes are dynamic;
  storedParameters: every float element stored (numpy over all initializers and Constant tensors, subgraphs too).
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'onnx', 'real')
torch.manual_seed(0)
np.random.seed(0)
FLOAT = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.DOUBLE, onnx.TensorProto.BFLOAT16}


def spec(m):
    return float(np.linalg.norm(m, 2)) if m.size else 0.0


def entry(name, m, params, part=None):
    m = np.asarray(m, dtype=np.float64)
    e = {'name': name, 'fro': float(np.linalg.norm(m)), 'spectral': spec(m), 'rows': int(m.shape[0]), 'cols': int(m.shape[1]), 'parameters': int(params)}
    if part:
        e['part'] = part
    return e


def all_graphs(g):
    yield g
    for n in g.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                yield from all_graphs(a.g)
            for sg in a.graphs:
                yield from all_graphs(sg)


def stored_tensors(model):
    """name → numpy array of every initializer and Constant value (all scopes)."""
    out = {}
    for g in all_graphs(model.graph):
        for t in g.initializer:
            out[t.name] = numpy_helper.to_array(t)
        for n in g.node:
            if n.op_type == 'Constant':
                for a in n.attribute:
                    if a.name == 'value':
                        out[n.output[0]] = numpy_helper.to_array(a.t)
    return out


def float_params(model):
    total = 0
    for g in all_graphs(model.graph):
        for t in g.initializer:
            if t.data_type in FLOAT:
                total += int(np.prod(t.dims)) if len(t.dims) else 1
        for n in g.node:
            if n.op_type == 'Constant':
                for a in n.attribute:
                    if a.name == 'value' and a.t.data_type in FLOAT:
                        total += int(np.prod(a.t.dims)) if len(a.t.dims) else 1
    return total


def producers(model):
    p = {}
    for g in all_graphs(model.graph):
        for n in g.node:
            for o in n.output:
                p[o] = n
    return p


def direct_weights(model, tensors, skip=()):
    """Weights stored as tensors (possibly through Identity/Cast/2-D Transpose) feeding weight ops."""
    prod = producers(model)

    def source(name):
        via_t = False
        while name not in tensors:
            n = prod.get(name)
            if n is None or n.op_type not in ('Identity', 'Cast', 'Transpose'):
                return None, False
            if n.op_type == 'Transpose':
                via_t = not via_t
            name = n.input[0]
        return name, via_t

    found = {}
    for g in all_graphs(model.graph):
        consts = set()
        for n in g.node:
            ins = list(n.input)
            if n.op_type in ('Gemm', 'MatMul'):
                a, ta = source(ins[0])
                b, tb = source(ins[1])
                if b and not a:
                    W = tensors[b].astype(np.float64)
                    if W.ndim != 2:
                        continue
                    transB = next((x.i for x in n.attribute if x.name == 'transB'), 0) if n.op_type == 'Gemm' else 0
                    M = W if transB else W.T
                    if tb:
                        M = M.T
                    found.setdefault(b, (M, W.size))
            elif n.op_type == 'Conv':
                w, _ = source(ins[1])
                if w:
                    W = tensors[w].astype(np.float64)
                    found.setdefault(w, (W.reshape(W.shape[0], -1), W.size))
            elif n.op_type == 'Gather':
                w, _ = source(ins[0])
                idx, _ = source(ins[1])
                if w and not idx and tensors[w].ndim == 2:
                    W = tensors[w].astype(np.float64)
                    found.setdefault(w, (W.T, W.size))
    return {k: v for k, v in found.items() if k not in skip}


def conv_exact(W, group, size):
    """σ_max over frequencies of the circular conv operator on an n×m input (block-diagonal over groups)."""
    W = np.asarray(W, dtype=np.float64)
    cout, cin_g, kh, kw = W.shape
    n, m = size
    F = np.fft.fft2(W, s=(max(n, kh), max(m, kw)), axes=(2, 3)) if (n >= kh and m >= kw) else None
    if F is None:
        # kernel larger than the input: wrap the taps (circular) onto the n×m torus first
        Wr = np.zeros((cout, cin_g, n, m))
        for a in range(kh):
            for b in range(kw):
                Wr[:, :, a % n, b % m] += W[:, :, a, b]
        F = np.fft.fft2(Wr, axes=(2, 3))
    best = 0.0
    per = cout // group
    for g in range(group):
        blk = F[g * per:(g + 1) * per]  # [per, cin_g, n, m]
        mats = np.transpose(blk, (2, 3, 0, 1)).reshape(-1, per, cin_g)
        best = max(best, float(np.linalg.svd(mats, compute_uv=False).max()))
    return best


def conv_input_sizes(module, x):
    """Each nn.Conv2d's input spatial size for input x, by forward hooks."""
    sizes = []
    hooks = [c.register_forward_hook(lambda mod, inp, out, sizes=sizes: sizes.append((mod, tuple(inp[0].shape[2:])))) for c in module.modules() if isinstance(c, nn.Conv2d)]
    with torch.no_grad():
        module(x)
    for h in hooks:
        h.remove()
    return sizes


def save(name, model_path, expected):
    m = onnx.load(model_path)
    expected['storedParameters'] = float_params(m)
    expected['file'] = os.path.basename(model_path)
    with open(os.path.join(OUT, name + '.expected.json'), 'w') as f:
        json.dump(expected, f, indent=1, sort_keys=True)
    print(name, os.path.getsize(model_path), 'bytes', len(expected['tensors']), 'tensors')


# ---------------------------------------------------------------- 1. CNN, dynamic batch/height/width
class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(16)
        self.act = nn.Hardswish()
        self.dw = nn.Conv2d(16, 16, 3, padding=1, groups=16)
        self.pw = nn.Conv2d(16, 24, 1)
        self.dw2 = nn.Conv2d(24, 24, 5, padding=2, groups=24)
        self.head = nn.Linear(24, 10)

    def forward(self, x):
        x = self.act(self.bn(self.stem(x)))
        x = self.act(self.dw(x))
        x = self.act(self.pw(x))
        x = self.act(self.dw2(x))
        return self.head(x.mean(dim=(2, 3)))


def gen_cnn():
    m = Cnn().eval()
    with torch.no_grad():
        m.bn.running_mean.uniform_(-0.2, 0.2)
        m.bn.running_var.uniform_(0.5, 1.5)
    path = os.path.join(OUT, 'cnn_dynamic.onnx')
    torch.onnx.export(m, torch.randn(1, 3, 32, 32), path, opset_version=13, input_names=['images'], output_names=['logits'],
                      dynamic_axes={'images': {0: 'batch', 2: 'height', 3: 'width'}, 'logits': {0: 'batch'}})
    model = onnx.load(path)
    tensors = stored_tensors(model)
    found = direct_weights(model, tensors)
    # conv input sizes at the stated size, matched to the stored (BN-folded) conv weights by node order
    pinned = [1, 3, 40, 24]
    sizes = [s for _, s in conv_input_sizes(m, torch.randn(*pinned))]
    convs = [n for n in model.graph.node if n.op_type == 'Conv']
    conv_exact_at = {}
    for n, size in zip(convs, sizes):
        W = tensors[n.input[1]]
        group = next((a.i for a in n.attribute if a.name == 'group'), 1)
        conv_exact_at[n.input[1]] = {'group': group, 'inputSize': list(size), 'exact': conv_exact(W, group, size)}
    save('cnn_dynamic', path, {
        'tensors': [entry(k, M, p) for k, (M, p) in found.items()],
        'inputShape': {'images': pinned},
        'convExact': conv_exact_at,
        'dynamic': True,
    })


# ---------------------------------------------------------------- 2. scripted control flow (If / Loop with weights inside)
class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(8, 8)
        self.b = nn.Linear(8, 8)
        self.shared = nn.Linear(8, 8)
        self.step = nn.Linear(8, 8)
        self.odd = nn.Linear(8, 8)
        self.conv = nn.Conv1d(2, 4, 3, padding=1)

    def forward(self, x: torch.Tensor, n: int):
        if bool(x.sum() > 0):
            y = self.shared(self.a(x))
        else:
            y = self.shared(self.b(x))
        for i in range(n):
            if i % 2 == 0:  # an If nested in the Loop body, with a weight in each branch
                y = torch.tanh(self.step(y))
            else:
                y = torch.tanh(self.odd(y))
        z = self.conv(y.reshape(-1, 2, 4))
        return z.flatten(1)


def gen_script():
    m = torch.jit.script(Branchy().eval())
    path = os.path.join(OUT, 'scripted_control_flow.onnx')
    torch.onnx.export(m, (torch.randn(3, 8), 2), path, opset_version=13, input_names=['x', 'n'], output_names=['y'],
                      dynamic_axes={'x': {0: 'batch'}})
    model = onnx.load(path)
    tensors = stored_tensors(model)
    found = direct_weights(model, tensors)
    subs = sum(1 for n in model.graph.node for a in n.attribute if a.type == onnx.AttributeProto.GRAPH)
    save('scripted_control_flow', path, {'tensors': [entry(k, M, p) for k, (M, p) in found.items()], 'subgraphs': subs})


# ---------------------------------------------------------------- 3. LSTM / GRU
def rnn_entries(mod, kind, name_of):
    """Per gate × direction matrices from torch's own parameters, in ONNX gate order (LSTM i,o,f,c; GRU z,r,h)."""
    h = mod.hidden_size
    # torch chunk order: LSTM i,f,g,o ; GRU r,z,n
    order = {'LSTM': [('i', 0), ('o', 3), ('f', 1), ('c', 2)], 'GRU': [('z', 1), ('r', 0), ('h', 2)]}[kind]
    out = []
    dirs = 2 if mod.bidirectional else 1
    for label, pname in (('W', 'weight_ih_l0'), ('R', 'weight_hh_l0')):
        for d in range(dirs):
            P = getattr(mod, pname + ('_reverse' if d else '')).detach().numpy().astype(np.float64)
            for g, k in order:
                out.append(entry(name_of(label, d), P[k * h:(k + 1) * h], h * P.shape[1], part=f'{label} gate={g} dir={d}'))
    return out


class Rnn(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.rnn = (nn.LSTM if kind == 'LSTM' else nn.GRU)(6, 5, bidirectional=(kind == 'GRU'))
        self.out = nn.Linear(5 * (2 if kind == 'GRU' else 1), 3)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.out(y)


def gen_rnn(kind, fold=True):
    m = Rnn(kind).eval()
    name = kind.lower() + ('' if fold else '_chain')
    path = os.path.join(OUT, f'{name}.onnx')
    # do_constant_folding=False keeps the exporter's gate reordering as Slice → Concat → Unsqueeze over the stored weights
    torch.onnx.export(m, torch.randn(7, 2, 6), path, opset_version=13, input_names=['x'], output_names=['y'],
                      dynamic_axes={'x': {0: 'seq', 1: 'batch'}}, do_constant_folding=fold)
    model = onnx.load(path)
    tensors = stored_tensors(model)
    rnn = next(n for n in model.graph.node if n.op_type == kind)
    # The reader names a chain-computed weight after its one stored source, else after the value.
    srcs = {}
    prod = producers(model)
    for label, idx in (('W', 1), ('R', 2)):
        seen, stack = set(), [rnn.input[idx]]
        while stack:
            v = stack.pop()
            if v in tensors and tensors[v].dtype.kind == 'f':
                seen.add(v)
            elif v in prod:
                stack.extend(prod[v].input)
        srcs[label] = sorted(seen)[0] if len(seen) == 1 else rnn.input[idx]
    ents = rnn_entries(m.rnn, kind, lambda label, d: srcs[label])
    found = direct_weights(model, tensors, skip=set(srcs.values()))
    ents += [entry(k, M, p) for k, (M, p) in found.items()]
    chain = sorted({prod[v].op_type for v in rnn.input[1:3] if v in prod})
    save(name, path, {'tensors': ents, **({'chain': chain} if chain else {})})


# ---------------------------------------------------------------- 4. GPT-2-style transformer
class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d)
        self.c_fc = nn.Linear(d, 4 * d)
        self.mlp_proj = nn.Linear(4 * d, d)
        self.heads = heads

    def forward(self, x):
        B, T, d = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(d, dim=2)
        hs = d // self.heads
        q = q.view(B, T, self.heads, hs).transpose(1, 2)
        k = k.view(B, T, self.heads, hs).transpose(1, 2)
        v = v.view(B, T, self.heads, hs).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / hs ** 0.5
        att = att.softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, d)
        x = x + self.c_proj(y)
        return x + self.mlp_proj(torch.nn.functional.gelu(self.c_fc(self.ln_2(x))))


class Gpt(nn.Module):
    def __init__(self, vocab=96, d=32, T=16, layers=2, heads=4):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(T, d)
        self.h = nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.lm_head.weight = self.wte.weight  # tied

    def forward(self, idx):
        T = idx.shape[1]
        pos = torch.arange(T, dtype=torch.long).unsqueeze(0)
        x = self.wte(idx) + self.wpe(pos)
        for b in self.h:
            x = b(x)
        return self.lm_head(self.ln_f(x))


def to_half(model_path, out_path, dtype):
    """Stores every float initializer as float16/bfloat16 with a Cast back to float (how fp16 converters keep I/O float)."""
    model = onnx.load(model_path)
    g = model.graph
    new_inits, casts = [], []
    for t in g.initializer:
        if t.data_type != onnx.TensorProto.FLOAT:
            new_inits.append(t)
            continue
        a = numpy_helper.to_array(t)
        if dtype == 'float16':
            h = numpy_helper.from_array(a.astype(np.float16), t.name)
        else:
            bits = (a.astype(np.float32).view(np.uint32) + 0x7FFF + ((a.astype(np.float32).view(np.uint32) >> 16) & 1)) >> 16
            h = onnx.helper.make_tensor(t.name, onnx.TensorProto.BFLOAT16, a.shape, bits.astype(np.uint16).tobytes(), raw=True)
        new_inits.append(h)
        casts.append(onnx.helper.make_node('Cast', [t.name], [t.name + '_f32'], to=onnx.TensorProto.FLOAT, name=t.name + '_cast'))
    renamed = {c.input[0]: c.output[0] for c in casts}
    for n in g.node:
        for i, x in enumerate(n.input):
            if x in renamed:
                n.input[i] = renamed[x]
    del g.initializer[:]
    g.initializer.extend(new_inits)
    nodes = list(casts) + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    onnx.save(model, out_path)


def gen_gpt():
    m = Gpt().eval()
    path = os.path.join(OUT, 'gpt_tiny.onnx')
    torch.onnx.export(m, torch.randint(0, 96, (1, 16)), path, opset_version=13, input_names=['input_ids'], output_names=['logits'],
                      dynamic_axes={'input_ids': {0: 'batch', 1: 'seq'}})
    for variant, dtype in (('gpt_tiny', None), ('gpt_tiny_fp16', 'float16'), ('gpt_tiny_bf16', 'bfloat16')):
        p = os.path.join(OUT, variant + '.onnx')
        if dtype:
            to_half(path, p, dtype)
        model = onnx.load(p)
        tensors = stored_tensors(model)
        for k, v in list(tensors.items()):
            if v.dtype == np.uint16:  # bfloat16 as stored bits → float
                tensors[k] = (v.astype(np.uint32) << 16).view(np.float32)
            if model.graph.initializer and any(t.name == k and t.data_type == onnx.TensorProto.BFLOAT16 for t in model.graph.initializer):
                tensors[k] = (np.frombuffer(next(t for t in model.graph.initializer if t.name == k).raw_data, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32).reshape(tensors[k].shape)
        found = direct_weights(model, tensors)
        save(variant, p, {'tensors': [entry(k, M, pp) for k, (M, pp) in found.items()], 'tiedEmbedding': 'wte.weight'})


# ---------------------------------------------------------------- 5. weight norm
class Wn(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.utils.weight_norm(nn.Linear(6, 5))
        self.conv = nn.utils.weight_norm(nn.Conv1d(3, 4, 3))

    def forward(self, x, s):
        return self.fc(x), self.conv(s)


def gen_wn():
    m = Wn().eval()
    with torch.no_grad():
        m.fc.weight_g.mul_(1.7)
        m.conv.weight_g.uniform_(0.5, 2.0)
    path = os.path.join(OUT, 'weight_norm.onnx')
    torch.onnx.export(m, (torch.randn(2, 6), torch.randn(2, 3, 9)), path, opset_version=13, input_names=['x', 's'], output_names=['y', 'z'],
                      do_constant_folding=False)
    model = onnx.load(path)
    tensors = stored_tensors(model)
    ents = []
    for mod, name in ((m.fc, 'fc'), (m.conv, 'conv')):
        g = mod.weight_g.detach().numpy().astype(np.float64)
        v = mod.weight_v.detach().numpy().astype(np.float64)
        axes = tuple(range(1, v.ndim))
        W = g * v / np.sqrt((v ** 2).sum(axis=axes, keepdims=True))
        ents.append(dict(entry(None, W.reshape(W.shape[0], -1), W.size), sources=[f'{name}.weight_g', f'{name}.weight_v'], module=name))
    save('weight_norm', path, {'tensors': ents})


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    gen_cnn()
    gen_script()
    gen_rnn('LSTM')
    gen_rnn('GRU')
    gen_rnn('LSTM', fold=False)
    gen_rnn('GRU', fold=False)
    gen_gpt()
    gen_wn()
