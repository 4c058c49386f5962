// The manifest contributes what the extension registers, and activation loads nothing heavy: the
// extension bundle's inputs (esbuild metafile) contain neither the engine nor onnxruntime.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as esbuild from 'esbuild';
import { repoRoot } from '../helpers/fixtures';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const c = pkg.contributes;

describe('package.json', () => {
  it('ships only the screenshots the README shows (media/screenshots goes into the VSIX)', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const shots = readdirSync(join(repoRoot, 'media', 'screenshots')).filter((f) => f.endsWith('.png'));
    assert.ok(shots.length > 0);
    assert.deepEqual(shots.filter((f) => !readme.includes(`screenshots/${f}`)), []);
  });
  it('targets VS Code ^1.90 as a workspace extension, activated by .onnx and Python', () => {
    assert.equal(pkg.engines.vscode, '^1.90.0');
    assert.deepEqual(pkg.extensionKind, ['workspace']);
    for (const e of ['workspaceContains:**/*.onnx', 'onCustomEditor:theoryLens.checkpoint', 'onCommand:theoryLens.analyze', 'onLanguage:python']) assert.ok(pkg.activationEvents.includes(e), e);
    assert.ok(!pkg.activationEvents.includes('*'), 'never activates on startup');
  });
  it('offers Analyze Checkpoint on .onnx files in the explorer and the editor title', () => {
    const cmd = c.commands.find((x: { command: string }) => x.command === 'theoryLens.analyze');
    assert.equal(cmd.title, 'Theory Lens: Analyze Checkpoint');
    assert.ok(c.menus['explorer/context'].some((m: { command: string; when: string }) => m.command === 'theoryLens.analyze' && m.when === 'resourceExtname == .onnx'));
    assert.ok(c.menus['editor/title'].some((m: { command: string; when: string }) => m.command === 'theoryLens.analyze' && m.when.includes('resourceExtname == .onnx')));
    for (const id of ['theoryLens.reanalyze', 'theoryLens.chooseInit', 'theoryLens.chooseProbe', 'theoryLens.exportReport', 'theoryLens.showOutput']) assert.ok(c.commands.some((x: { command: string }) => x.command === id), id);
  });
  it('offers Analyze Checkpoint on safetensors and torch.save files, and activates on them', () => {
    const re = /^resourceExtname =~ \/\^\\\.\((.*)\)\$\/$/;
    for (const menu of ['explorer/context', 'editor/title/context']) {
      const m = c.menus[menu].find((x: { command: string; when: string }) => x.command === 'theoryLens.analyze' && re.test(x.when));
      assert.ok(m, menu);
      const exts = re.exec(m.when)![1].split('|');
      for (const f of ['x.safetensors', 'x.pt', 'x.pth', 'x.bin', 'x.ckpt']) assert.ok(exts.some((e: string) => f.endsWith(`.${e}`)), `${menu}: ${f}`);
    }
    for (const e of ['safetensors', 'pt', 'pth', 'ckpt']) assert.ok(pkg.activationEvents.includes(`workspaceContains:**/*.${e}`), e);
  });
  it('the checkpoint editor is read-only and only offered (priority option)', () => {
    assert.deepEqual(c.customEditors.find((e: { viewType: string }) => e.viewType === 'theoryLens.checkpoint'), {
      viewType: 'theoryLens.checkpoint', displayName: 'Theory Lens Report', priority: 'option',
      selector: ['onnx', 'safetensors', 'pt', 'pth', 'bin', 'ckpt'].map((e) => ({ filenamePattern: `*.${e}` })),
    });
  });
  it('contributes every setting the extension reads, each with a description', () => {
    const src = readFileSync(join(repoRoot, 'src', 'vscode', 'analysisService.ts'), 'utf8');
    const read = [...src.matchAll(/c\.get\('(\w+)'/g)].map((m) => `theoryLens.${m[1]}`);
    assert.ok(read.length >= 14);
    const props = c.configuration.properties;
    for (const id of [...read, 'theoryLens.executionProvider', 'theoryLens.precision', 'theoryLens.probeData', 'theoryLens.testData', 'theoryLens.trainSize', 'theoryLens.initPattern', 'theoryLens.convExact', 'theoryLens.seed', 'theoryLens.delta', 'theoryLens.landscapePoints']) {
      assert.ok(props[id], `${id} is contributed`);
      assert.ok(props[id].description?.length > 20, `${id} has a description`);
    }
    assert.deepEqual(props['theoryLens.executionProvider'].enum, ['auto', 'cuda', 'cpu']);
    assert.deepEqual(props['theoryLens.precision'].enum, ['float32', 'float64']);
  });
  it('every contributed command of this extension is registered somewhere in src/', () => {
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    const registered = execFileSync('grep', ['-rhoE', `registerCommand\\('[^']+'`, join(repoRoot, 'src')], { encoding: 'utf8' });
    for (const { command } of c.commands as { command: string }[]) assert.ok(registered.includes(`'${command}'`), `${command} is registered`);
  });
});

describe('activation', () => {
  it('the extension bundle imports neither the engine, the ONNX reader nor onnxruntime', async () => {
    const r = await esbuild.build({
      entryPoints: [join(repoRoot, 'src', 'extension.ts')], bundle: true, write: false, metafile: true, platform: 'node', format: 'cjs',
      external: ['vscode', 'onnxruntime-node'], absWorkingDir: repoRoot, logLevel: 'silent',
    });
    const inputs = Object.keys(r.metafile.inputs);
    assert.ok(inputs.some((i) => i.startsWith('src/vscode/')));
    const heavy = inputs.filter((i) => /^src\/(engine|onnx|data)\//.test(i) || i.includes('onnxruntime'));
    assert.deepEqual(heavy, []);
    const imports = Object.values(r.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    assert.ok(!imports.includes('onnxruntime-node'));
  });
});
