// Save/load lines of PyTorch, safetensors and Hugging Face code found as checkpoint references, with the
// same pattern resolution as ONNX export lines; class hints match layers named by state-dict keys.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchAll } from '../../src/workspace/checkpointMatcher';
import { fileParts, findCheckpointRefs } from '../../src/workspace/checkpointRefs';
import { findModuleDefs } from '../../src/workspace/moduleDefs';
import { byOwner, matchOwner, moduleOfKey } from '../../src/workspace/moduleMatcher';

const refs = (src: string) => findCheckpointRefs(src, 'python').map((r) => `${r.folder ? 'folder ' : ''}${r.display}`);

describe('save and load lines beyond ONNX', () => {
  it('torch.save, save_file and a Lightning checkpoint, with f-strings and os.path.join', () => {
    assert.deepEqual(refs('torch.save(model.state_dict(), f"ckpt_{ep:03d}.pt")'), ['ckpt_*.pt']);
    assert.deepEqual(refs('torch.save(model.state_dict(), os.path.join(out, f"epoch_{ep}.pth"))'), ['*/epoch_*.pth']);
    assert.deepEqual(refs('save_file(model.state_dict(), "weights/model.safetensors")'), ['weights/model.safetensors']);
    assert.deepEqual(refs('trainer.save_checkpoint("runs/last.ckpt")'), ['runs/last.ckpt']);
    assert.deepEqual(refs('torch.save(sd, "pytorch_model.bin")'), ['pytorch_model.bin']);
  });
  it('save_pretrained / from_pretrained folders, also through a join; other strings are not references', () => {
    assert.deepEqual(refs('model.save_pretrained("out/final")'), ['folder out/final']);
    assert.deepEqual(refs('model.save_pretrained(os.path.join(out_dir, f"step_{step}"))'), ['folder */step_*']);
    assert.deepEqual(refs('m = AutoModel.from_pretrained("./local/bert")'), ['folder local/bert']);
    assert.deepEqual(refs('tok = AutoTokenizer.from_pretrained("x", cache_dir="cache")'), ['folder x']);
    assert.deepEqual(refs('print("saving"); model.save_pretrained(out)'), []);
    assert.deepEqual(refs('log("out/final")'), []);
  });
  it('a folder reference resolves to the folder\'s weights file, newest step first', () => {
    const [ref] = findCheckpointRefs('model.save_pretrained(os.path.join("runs", f"step_{s}"))', 'python');
    const files = [
      { path: '/w/runs/step_100/model.safetensors', mtime: 1 },
      { path: '/w/runs/step_200/model.safetensors.index.json', mtime: 2 },
      { path: '/w/runs/step_200/model-00001-of-00002.safetensors', mtime: 2 },
      { path: '/w/runs/notes.txt', mtime: 3 },
    ];
    const [matches] = matchAll([fileParts(ref)], '/w', ['/w'], files);
    assert.deepEqual(matches.map((m) => m.path), ['/w/runs/step_200/model.safetensors.index.json', '/w/runs/step_100/model.safetensors']);
  });
});

describe('class hints by state-dict key', () => {
  it('moduleOfKey strips the parameter name and wrapper prefixes', () => {
    assert.equal(moduleOfKey('encoder.layers.0.fc1.weight'), 'encoder.layers.0.fc1');
    assert.equal(moduleOfKey('module.fc.bias'), 'fc');
    assert.equal(moduleOfKey('model.encoder.weight'), 'encoder');
    assert.equal(moduleOfKey('onnx::Conv_32'), null);
  });
  it('a block class matches under its state-dict prefix', () => {
    const defs = findModuleDefs(['class Block(nn.Module):', '    def __init__(self):', '        self.fc1 = nn.Linear(8, 32)', '        self.fc2 = nn.Linear(32, 8)'].join('\n'));
    const keys = ['encoder.layers.0.fc1.weight', 'encoder.layers.0.fc2.weight', 'encoder.layers.1.fc1.weight', 'encoder.layers.1.fc2.weight'];
    const m = matchOwner('Block', byOwner(defs).get('Block')!, keys.map((k) => moduleOfKey(k)!));
    assert.deepEqual(m?.prefixes, ['encoder.layers.0.', 'encoder.layers.1.']);
    assert.deepEqual(m?.defs.map((d) => d.modules), [['encoder.layers.0.fc1', 'encoder.layers.1.fc1'], ['encoder.layers.0.fc2', 'encoder.layers.1.fc2']]);
  });
});
