// The constant evaluator on hand-written Python: every expected value below is worked out by hand
// from the source text shown beside it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate, PythonScopes } from '../../src/workspace/constEval';
import { findModuleDefs } from '../../src/workspace/moduleDefs';
import { scanSource } from '../../src/workspace/sourceScanner';

const scope = (o: Record<string, number | null>) => new Map(Object.entries(o));

describe('evaluate', () => {
  it('literals and arithmetic with Python precedence and semantics', () => {
    assert.equal(evaluate('16 * 7 * 7', scope({})), 784);
    assert.equal(evaluate('2 + 3 * 4', scope({})), 14);
    assert.equal(evaluate('(2 + 3) * 4', scope({})), 20);
    assert.equal(evaluate('2 ** 3 ** 2', scope({})), 512); // right-associative: 2^(3^2)
    assert.equal(evaluate('-2 ** 2', scope({})), -4); // unary minus binds looser than **
    assert.equal(evaluate('7 // 2', scope({})), 3);
    assert.equal(evaluate('-7 // 2', scope({})), -4); // floor, not truncation
    assert.equal(evaluate('-7 % 3', scope({})), 2); // sign of the divisor
    assert.equal(evaluate('1_000 + 0.5', scope({})), 1000.5);
    assert.equal(evaluate('28 / 4', scope({})), 7);
  });
  it('names from the scope; unknown or unbound names and anything else give null', () => {
    assert.equal(evaluate('c2 * 7 * 7', scope({ c2: 16 })), 784);
    assert.equal(evaluate('c2 * 7 * 7', scope({ c2: null })), null);
    assert.equal(evaluate('c3 * 7', scope({ c2: 16 })), null);
    assert.equal(evaluate('len(x)', scope({})), null);
    assert.equal(evaluate('x[0]', scope({ x: 1 })), null);
    assert.equal(evaluate('4 / 0', scope({})), null);
    assert.equal(evaluate('', scope({})), null);
    assert.equal(evaluate('3 4', scope({})), null);
  });
});

const SRC = [
  'import torch.nn as nn', //                        0
  'HIDDEN = 32', //                                  1
  'WIDE = HIDDEN * 2', //                            2
  'class SmallCNN(nn.Module):', //                   3
  '    def __init__(self, c1=8, c2=16, fc=64, k=3):', // 4
  '        super().__init__()', //                   5
  '        self.conv1 = nn.Conv2d(1, c1, k, padding=1)', // 6
  '        self.conv2 = nn.Conv2d(c1, c2, kernel_size=(k, 5))', // 7
  '        flat = c2 * 7 * 7', //                    8
  '        self.fc1 = nn.Linear(flat, fc)', //       9
  '        self.fc2 = nn.Linear(fc, 10)', //        10
  'class MLP(nn.Module):', //                       11
  '    def __init__(self, width):', //              12
  '        super().__init__()', //                  13
  '        self.inp = nn.Linear(784, width)', //    14
  '        self.out = nn.Linear(WIDE, 10)', //      15
  'a = SmallCNN(fc=128)', //                        16
  'b = SmallCNN(8, fc=128)', //                     17
  'for w in (32, 64):', //                          18
  '    m = MLP(w)', //                              19
].join('\n');

describe('PythonScopes', () => {
  const src = scanSource(SRC, 'python');
  const scopes = new PythonScopes(src);
  const defs = findModuleDefs(src);
  const args = (path: string) => {
    const d = defs.find((x) => x.path === path)!;
    const a = scopes.callArgs(d.open, d.line);
    return { positional: a.positional, keywords: Object.fromEntries(a.keywords) };
  };

  it('module constants, defaults, locals, and what the file\'s constructor calls pass', () => {
    // conv1 = Conv2d(1, c1=8, k=3): defaults (neither call site passes c1 or k... b passes c1=8 positionally, equal to the default)
    assert.deepEqual(args('conv1'), { positional: [1, 8, 3], keywords: { padding: 1 } });
    // conv2: kernel_size=(k, 5) → (3, 5)
    assert.deepEqual(args('conv2'), { positional: [8, 16], keywords: { kernel_size: [3, 5] } });
    // fc1 = Linear(flat, fc): flat = 16·7·7 = 784; both call sites pass fc=128
    assert.deepEqual(args('fc1'), { positional: [784, 128], keywords: {} });
    // MLP(w) with w from a loop: not a number → width unknown; WIDE = 32·2 = 64
    assert.deepEqual(args('inp'), { positional: [784, null], keywords: {} });
    assert.deepEqual(args('out'), { positional: [64, 10], keywords: {} });
  });

  it('call sites that disagree leave the parameter unknown; a class never constructed keeps its defaults', () => {
    const s2 = scanSource(SRC.replace('b = SmallCNN(8, fc=128)', 'b = SmallCNN(8, fc=256)'), 'python');
    const sc2 = new PythonScopes(s2);
    const d = findModuleDefs(s2).find((x) => x.path === 'fc1')!;
    assert.deepEqual(sc2.callArgs(d.open, d.line).positional, [784, null]);
    const s3 = scanSource(SRC.split('\n').slice(0, 16).join('\n'), 'python');
    const d3 = findModuleDefs(s3).find((x) => x.path === 'fc1')!;
    assert.deepEqual(new PythonScopes(s3).callArgs(d3.open, d3.line).positional, [784, 64]);
  });

  it('a name bound twice to different values at module level is unknown', () => {
    const s = scanSource('N = 4\nN = 8\nclass A:\n    def __init__(self):\n        self.f = nn.Linear(N, 2)\n', 'python');
    const d = findModuleDefs(s)[0];
    assert.deepEqual(new PythonScopes(s).callArgs(d.open, d.line).positional, [null, 2]);
  });
});
