// Checkpoint references in training code → path patterns: the fixture training script, and the
// idioms one by one (f-strings, .format, %, +, os.path.join, pathlib, JS templates), with what must
// not count (comments, docstrings, literals that are not paths' last component).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { findCheckpointRefs, stringGlob } from '../../src/workspace/checkpointRefs';
import { scanSource } from '../../src/workspace/sourceScanner';
import { fmnist, haveFixtures } from '../helpers/fixtureReports';

const py = (src: string) => findCheckpointRefs(src, 'python').map((r) => r.display);
const js = (src: string) => findCheckpointRefs(src, 'js').map((r) => r.display);

test('train.py: the three export lines, not the docstring that mentions run_mlp/epoch_XX.onnx', { skip: !haveFixtures && 'no fixtures' }, () => {
  const text = readFileSync(join(fmnist, 'train.py'), 'utf8');
  const refs = findCheckpointRefs(text, 'python');
  const lines = text.split('\n');
  assert.deepEqual(refs.map((r) => r.display), ['*/*.init.onnx', '*/epoch_*.onnx', '*/*.onnx']);
  assert.deepEqual(refs.map((r) => lines[r.line].slice(r.col, r.endCol)), ['f"{name}.init.onnx"', 'f"epoch_{ep+1:02d}.onnx"', 'f"{name}.onnx"']);
  for (const r of refs) assert.match(lines[r.line], /export\(model, os\.path\.join\(out/);
  assert.ok(refs.every((r) => !r.plain));
});

test('f-strings, .format and % formatting become wildcards; escaped braces and %% stay literal', () => {
  assert.deepEqual(py('x = f"run/epoch_{ep:02d}.onnx"'), ['run/epoch_*.onnx']);
  assert.deepEqual(py('x = "ck/{}_{:d}.onnx".format(a, b)'), ['ck/*_*.onnx']);
  assert.deepEqual(py('x = "ck/{name}_{ep:03d}.onnx" .format(name=n, ep=e)'), ['ck/*_*.onnx']);
  assert.deepEqual(py('x = "e_%03d.onnx" % e'), ['e_*.onnx']);
  assert.deepEqual(py('x = "../ck/%(name)s_%(ep)02d.onnx" % d'), ['../ck/*_*.onnx']);
  assert.deepEqual(py('x = f"{{literal}}_{ep}.onnx"'), ['{literal}_*.onnx']);
  assert.deepEqual(py('x = "100%%_%d.onnx" % e'), ['100%_*.onnx']);
  // without .format, braces are part of the name
  assert.deepEqual(py('x = "weird{1}.onnx"'), ['weird{1}.onnx']);
  assert.deepEqual(py('x = f"{a}{b}.onnx"'), ['*.onnx']);
});

test('concatenation, os.path.join, pathlib and joinpath supply the folders', () => {
  assert.deepEqual(py('r = "model_" + str(ep) + ".onnx"'), ['model_*.onnx']);
  assert.deepEqual(py('p = os.path.join(out, "e_%03d.onnx" % e)'), ['*/e_*.onnx']);
  assert.deepEqual(py('p = os.path.join("runs", run_name, f"epoch_{e}.onnx")'), ['runs/*/epoch_*.onnx']);
  assert.deepEqual(py('p = os.path.join("checkpoints", "best.onnx")'), ['checkpoints/best.onnx']);
  assert.deepEqual(py('p = os.path.join(Path("ckpt"), name + ".onnx")'), ['ckpt/*.onnx']);
  assert.deepEqual(py('q = Path(out) / "runs" / f"{name}.onnx"'), ['*/runs/*.onnx']);
  assert.deepEqual(py('q = Path("exp") / f"e{ep}.onnx"'), ['exp/e*.onnx']);
  assert.deepEqual(py('s = out_dir.joinpath("best.onnx")'), ['*/best.onnx']);
  assert.deepEqual(py('v = f"{out}/model.onnx"'), ['*/model.onnx']);
  assert.deepEqual(py('w = "/abs/m.onnx"'), ['/abs/m.onnx']);
  // a multi-line call
  assert.deepEqual(py('torch.onnx.export(\n    model,\n    dummy,\n    os.path.join(\n        args.out,\n        f"step{step}.onnx",\n    ),\n)'), ['*/step*.onnx']);
  // the .onnx literal is not the last argument of the join: not a checkpoint path
  assert.deepEqual(py('p = os.path.join("a.onnx", "extra")'), []);
});

test('positions are 0-based line/column of the literal (prefix included)', () => {
  const refs = findCheckpointRefs('a = 1\n    torch.onnx.export(m, x, rf"out\\e{i}.onnx")\n', 'python');
  assert.equal(refs.length, 1);
  assert.deepEqual([refs[0].line, refs[0].col, refs[0].endLine, refs[0].endCol], [1, 28, 1, 45]);
  assert.equal(refs[0].display, 'out/e*.onnx'); // raw-string backslash read as a separator
});

test('comments, docstrings, plain strings elsewhere and non-.onnx literals are ignored', () => {
  assert.deepEqual(py('# torch.onnx.export(m, x, "a.onnx")\n"""\nsaves "b.onnx"\n"""\nx = \'c.onnx.bak\'\ny = "model.onnx"  # "d.onnx"'), ['model.onnx']);
  assert.deepEqual(py("s = '''x.onnx'''"), []);
  assert.deepEqual(py('name = "onnx"'), []);
});

test('TypeScript/JavaScript: template literals, path.join, comments', () => {
  assert.deepEqual(js('const a = path.join(__dirname, "runs", `epoch_${e}.onnx`);'), ['*/runs/epoch_*.onnx']);
  assert.deepEqual(js("// 'x.onnx'\nconst b = 'm.onnx'; /* 'y.onnx' */"), ['m.onnx']);
  assert.deepEqual(js('const c = `${dir}/e${n}.onnx`;'), ['*/e*.onnx']);
  assert.deepEqual(js('const d = `a${`nested${x}`}.onnx`;'), ['a*.onnx']);
});

test('the scanner masks comments and string bodies without moving anything', () => {
  const src = 'x = "a(b" # c)\ny = f\'{z}\'\n';
  const s = scanSource(src, 'python');
  assert.equal(s.masked.length, src.length);
  assert.equal(s.masked, `x = "   "${' '.repeat(5)}\ny = f'   '\n`);
  assert.deepEqual(s.strings.map((t) => [t.prefix, t.body, t.interpolated]), [['', 'a(b', false], ['f', '{z}', true]]);
  // an unterminated string ends at the line break instead of swallowing the file
  assert.deepEqual(scanSource('a = "open\nb = "x.onnx"', 'python').strings.map((t) => t.body), ['open', 'x.onnx']);
  const tok = scanSource('"%d_{x}.onnx"', 'python').strings[0];
  assert.equal(stringGlob(tok, true, true), '*_*.onnx');
});
