// The Python module-path matcher: definitions and the module paths they create, read from source,
// and their matching against the module paths of real checkpoint reports.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { classLines, findModuleDefs } from '../../src/workspace/moduleDefs';
import { chooseReports, matchOwner } from '../../src/workspace/moduleMatcher';
import { fmnist, haveFixtures, report, skipReason } from '../helpers/fixtureReports';

const brief = (src: string) => findModuleDefs(src).map((d) => `${d.owner}:${d.path}:${d.ctor}`);
const modulesOf = (m: string) => report(m).layers.map((l) => l.module).filter((x): x is string => !!x);

test('train.py: the MLP and CNN definitions, several per line, with their positions', { skip: !haveFixtures && 'no fixtures' }, () => {
  const text = readFileSync(join(fmnist, 'train.py'), 'utf8');
  const lines = text.split('\n');
  const defs = findModuleDefs(text);
  assert.deepEqual(defs.map((d) => `${d.owner}:${d.path}:${d.ctor}`), ['MLP:layers.*:Linear', 'MLP:head:Linear', 'CNN:conv1:Conv2d', 'CNN:conv2:Conv2d', 'CNN:fc:Linear', 'CNN:head:Linear']);
  const span = (i: number) => lines[defs[i].line].slice(defs[i].col, defs[i].endCol);
  assert.equal(span(0), 'nn.Linear(d[i], d[i+1])'); // a comprehension entry: the entry itself
  assert.equal(span(1), 's.head = nn.Linear(d[-1], 10)');
  assert.equal(span(2), 's.conv1 = nn.Conv2d(1, 6, 5, padding=2)');
  assert.equal(span(3), 's.conv2 = nn.Conv2d(6, 12, 3, padding=1)');
  // hints: after conv1's call (conv2 follows on its line), else at the end of the line's code
  assert.equal(defs[2].hintCol, defs[2].endCol);
  assert.equal(defs[3].hintCol, lines[defs[3].line].trimEnd().length);
  assert.equal(defs[0].hintCol, lines[defs[0].line].trimEnd().length);
  assert.equal(lines[classLines(text).get('MLP')!], 'class MLP(nn.Module):');
  assert.equal(lines[classLines(text).get('CNN')!], 'class CNN(nn.Module):');
});

test('Sequential indices count every entry (activations too), OrderedDict/ModuleDict names, appends, add_module, annotations', () => {
  const src = [
    'class Net(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.stem = nn.Sequential(',
    '            nn.Conv2d(3, 16, 3),',
    '            nn.ReLU(),',
    '            torch.nn.Conv2d(16, 16, 3),  # nn.Linear(1, 1) in a comment',
    '        )',
    '        self.named = nn.Sequential(OrderedDict([("fc", nn.Linear(3, 4)), ("act", nn.ReLU()), ("out", nn.Linear(4, 2))]))',
    '        self.kw = nn.Sequential(OrderedDict(first=nn.Linear(1, 2), second=nn.Linear(2, 3)))',
    "        self.heads = nn.ModuleDict({'cls': nn.Linear(16, 10), \"box\": nn.Linear(16, 4)})",
    '        self.add_module("extra", nn.Linear(2, 2))',
    '        self.blocks = nn.ModuleList()',
    '        for i in range(3):',
    '            self.blocks.append(nn.Linear(4, 4))',
    '        self.rnn: nn.LSTM = nn.LSTM(10, 20)',
    '        self.unp = nn.Sequential(*[nn.Linear(2, 2) for _ in range(2)])',
    '        self.listed = nn.ModuleList([nn.Linear(1, 1), nn.Dropout(), nn.Embedding(5, 2)])',
    '        self.emb = Embedding(100, 8)  # bare name (from torch.nn import Embedding)',
    '        self.bn = nn.BatchNorm2d(16)',
    '        self.sub = MyBlock(16)',
    '        self.sub.fc = nn.Linear(3, 3)',
    '        """self.doc = nn.Linear(1, 1)"""',
    '        if self.fc == nn.Linear: pass',
    'model = Net()',
    'model.fc = torch.nn.Linear(512, 10)',
  ].join('\n');
  assert.deepEqual(brief(src), [
    'Net:stem.0:Conv2d', 'Net:stem.2:Conv2d', 'Net:named.fc:Linear', 'Net:named.out:Linear', 'Net:kw.first:Linear', 'Net:kw.second:Linear',
    'Net:heads.cls:Linear', 'Net:heads.box:Linear', 'Net:extra:Linear', 'Net:blocks.*:Linear', 'Net:rnn:LSTM', 'Net:unp.*:Linear',
    'Net:listed.0:Linear', 'Net:listed.2:Embedding', 'Net:emb:Embedding', 'Net:sub.fc:Linear', '<model>:fc:Linear',
  ]);
  const defs = findModuleDefs(src);
  const stem2 = defs.find((d) => d.path === 'stem.2')!;
  assert.deepEqual([stem2.line, stem2.col, stem2.endLine], [6, 12, 6]);
  assert.equal(stem2.hintCol, '            torch.nn.Conv2d(16, 16, 3),'.length); // before the comment
});

test('a multi-line constructor call ends on its closing line', () => {
  const defs = findModuleDefs('class A(nn.Module):\n    def __init__(self):\n        self.fc = nn.Linear(\n            784,\n            10,\n        )\n');
  assert.equal(defs.length, 1);
  assert.deepEqual([defs[0].line, defs[0].col, defs[0].endLine, defs[0].endCol, defs[0].hintLine], [2, 8, 5, 9, 5]);
});

test('nested classes: matched under the prefix where the model holds them; several instances each', () => {
  const src = [
    'class Block(nn.Module):',
    '    def __init__(self, c):',
    '        self.conv1 = nn.Conv2d(c, c, 3)',
    '        self.conv2 = nn.Conv2d(c, c, 3)',
    'class Encoder(nn.Module):',
    '    def __init__(self):',
    '        self.fc = nn.Linear(3, 3)',
    '        self.proj = nn.Linear(3, 3)',
  ].join('\n');
  const mods = ['stem', 'layer1.0.conv1', 'layer1.0.conv2', 'layer1.1.conv1', 'layer1.1.conv2', 'enc.fc', 'enc.proj', 'fc'];
  const chosen = chooseReports(findModuleDefs(src), [{ report: 'r', modules: mods }]);
  const block = chosen.get('Block')!.match;
  assert.deepEqual(block.prefixes, ['layer1.0.', 'layer1.1.']);
  assert.deepEqual(block.defs.map((d) => d.modules), [['layer1.0.conv1', 'layer1.1.conv1'], ['layer1.0.conv2', 'layer1.1.conv2']]);
  // Encoder: 'fc' exists at the root too, but only under 'enc.' are both of its layers found
  const enc = chosen.get('Encoder')!.match;
  assert.deepEqual(enc.prefixes, ['enc.']);
  assert.deepEqual(enc.defs.map((d) => d.modules), [['enc.fc'], ['enc.proj']]);
});

test('a class is annotated only when two thirds of its definitions are in the report', () => {
  const defs = findModuleDefs('class C(nn.Module):\n  def __init__(s):\n    s.a = nn.Linear(1, 1); s.b = nn.Linear(1, 1); s.c = nn.Linear(1, 1)\n');
  assert.equal(matchOwner('C', defs, ['a']), null); // 1/3
  assert.equal(matchOwner('C', defs, ['a', 'b'])?.matched, 2); // 2/3
  assert.deepEqual(matchOwner('C', defs, ['a', 'b'])?.defs.map((d) => d.def.path), ['a', 'b']);
  assert.equal(matchOwner('C', defs, ['x.a', 'y.b', 'z.c']), null); // found, but never together under one prefix
});

test('real reports: train.py MLP ↔ run_mlp checkpoints, CNN ↔ cnn and cnn_bn (module names from node names)', { skip: skipReason }, () => {
  const defs = findModuleDefs(readFileSync(join(fmnist, 'train.py'), 'utf8'));
  const mlpModules = modulesOf('run_mlp/epoch_30.onnx');
  assert.deepEqual(mlpModules, ['layers.0', 'layers.1', 'head']);
  const cnnBnModules = modulesOf('cnn_bn.onnx');
  assert.deepEqual(cnnBnModules, ['conv1', 'conv2', 'fc', 'head']);
  const chosen = chooseReports(defs, [{ report: 'epoch_30', modules: mlpModules }, { report: 'cnn_bn', modules: cnnBnModules }]);
  assert.equal(chosen.get('MLP')!.report, 'epoch_30');
  assert.deepEqual(chosen.get('MLP')!.match.defs.map((d) => [d.def.path, d.modules]), [['layers.*', ['layers.0', 'layers.1']], ['head', ['head']]]);
  // the CNN's `head` exists in the MLP report, but 1 of 4 is not enough: the CNN goes to cnn_bn
  assert.equal(chosen.get('CNN')!.report, 'cnn_bn');
  assert.equal(chosen.get('CNN')!.match.matched, 4);
});
