// Hints beside the training code, in a real VS Code: opening the fixture's train.py shows a CodeLens on
// its export lines with the headline numbers of the newest checkpoint they write (run_mlp/epoch_30,
// numbers equal to the CLI's JSON for the same options), inlay hints on its nn.Linear lines with the
// layers' numbers (equal to the CLI's), a hover with every metric, Information diagnostics on the
// layers the theory flags; switching the settings off removes them.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { open, checker, gotoLine, lineText, until, t } = require('./lib');

const SHOTS = process.env.SHOTS;
const WS = process.env.WORKSPACE;
const REPO = process.env.REPO;

/** The extension's own number formatter (src/report/number.ts), loaded through tsx: one formatter, no copy. */
const { formatNumber: fmt } = require('tsx/cjs/api').require('../../src/report/number.ts', __filename);

/** The CLI's report with the options the extension resolves for a run checkpoint (init, probes, m from the workspace settings). */
function cli(rel) {
  const args = [path.join(REPO, 'dist', 'cli.js'), 'analyze', path.join(WS, rel), '--init', path.join(WS, 'run_mlp.init.onnx'),
    '--data', path.join(WS, 'probe_train.npz'), '--test-data', path.join(WS, 'probe_test.npz'), '--train-size', '3000', '--json', '--quiet'];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 }));
}

function writeSettings(extra) {
  const file = path.join(WS, '.vscode', 'settings.json');
  const base = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const k of Object.keys(base)) if (k.startsWith('theoryLens.hints.')) delete base[k];
  fs.writeFileSync(file, JSON.stringify({ ...base, ...extra }, null, 2));
}

(async () => {
  const { browser, page } = await open();
  const { check, failures } = checker(page, SHOTS);
  const e30 = cli('run_mlp/epoch_30.onnx');
  const e25 = cli('run_mlp/epoch_25.onnx');
  const lines = fs.readFileSync(path.join(WS, 'train.py'), 'utf8').split('\n');
  const exportLine = lines.findIndex((l) => l.includes('f"epoch_{ep+1:02d}.onnx"')) + 1;
  const layersLine = lines.findIndex((l) => l.includes('s.layers = nn.ModuleList')) + 1;

  await check('open-train-py', async () => {
    await page.getByRole('treeitem', { name: 'train.py', exact: true }).waitFor({ timeout: 90000 });
    await page.getByRole('treeitem', { name: 'train.py', exact: true }).dblclick();
    await page.locator('.monaco-editor .view-line').first().waitFor({ timeout: 30000 });
  });

  await check('codelens-on-export-line-equals-cli', async () => {
    await gotoLine(page, exportLine);
    const ah = e30.measures.wwMeanAlphaWeighted.value;
    const prod = Math.exp(e30.measures.logProdSpec.value / 2);
    const arrow = (a, b) => (a > b ? '↑' : a < b ? '↓' : '=');
    const want = `θ epoch_30: α̂ ${fmt(ah, 3)} ${arrow(ah, e25.measures.wwMeanAlphaWeighted.value)} · ‖W‖₂ prod ${fmt(prod, 3)} ${arrow(e30.measures.logProdSpec.value, e25.measures.logProdSpec.value)}`;
    // the lens fills in once epoch_30 and epoch_25 are analysed in the background
    const text = await until(`a lens starting "${want}"`, async () => {
      const all = await page.locator('.monaco-editor .codelens-decoration').allInnerTexts();
      return all.map((x) => x.replace(/\s+/g, ' ').trim()).find((x) => x.startsWith(want));
    }, 300000);
    console.log(`  lens: ${text}`);
    if (!/\(6 checkpoints\)/.test(text)) throw new Error(`the lens does not count the run's 6 checkpoints: ${text}`);
    const bound = e30.bounds.filter((b) => b.value !== null).sort((a, b) => (a.vacuous === b.vacuous ? a.value - b.value : a.vacuous ? 1 : -1))[0];
    if (bound && !text.includes(`bound ${fmt(bound.value, 3)}${bound.vacuous ? ' (vacuous)' : ''}`)) throw new Error(`lens bound differs from the CLI's ${bound.id} = ${bound.value}`);
    // the lens sits directly above the export line
    const lensTop = await page.locator('.monaco-editor .codelens-decoration', { hasText: 'θ epoch_30' }).first().boundingBox();
    const lineBox = await page.locator('.monaco-editor .view-line', { hasText: 'f"epoch_{ep+1:02d}.onnx"' }).first().boundingBox();
    if (!lensTop || !lineBox || lensTop.y > lineBox.y || lineBox.y - lensTop.y > 40) throw new Error(`lens at y=${lensTop && lensTop.y}, export line at y=${lineBox && lineBox.y}`);
  });
  await page.screenshot({ path: `${SHOTS}/07-codelens.png` });

  await check('layer-hints-on-nn-linear-lines-equal-cli', async () => {
    await gotoLine(page, layersLine);
    const [l0, l1, head] = e30.layers;
    const one = (l) => `‖W‖₂ ${fmt(l.metrics.spectralNorm, 3)} · α ${fmt(l.metrics.alpha, 3)} · srank ${fmt(l.metrics.stableRank, 3)}`;
    const range = (id) => {
      const [a, b] = [l0.metrics[id], l1.metrics[id]].sort((x, y) => x - y);
      return `${fmt(a, 3)}–${fmt(b, 3)}`;
    };
    const layers = await until('the hint on the ModuleList line', async () => (await lineText(page, 's.layers = nn.ModuleList')).find((x) => x.includes('θ ')), 120000);
    // two layers (layers.0, layers.1) from one comprehension: ranges and the count
    if (!layers.includes(`θ ‖W‖₂ ${range('spectralNorm')} · α ${range('alpha')} ×2`)) throw new Error(`ModuleList hint "${layers}" differs from the CLI (‖W‖₂ ${range('spectralNorm')}, α ${range('alpha')})`);
    const headLine = (await lineText(page, 's.head = nn.Linear(d[-1], 10)'))[0] || '';
    if (!headLine.includes(`θ ${one(head)}`)) throw new Error(`head hint "${headLine}" differs from the CLI (${one(head)})`);
    console.log(`  hints: ${layers.slice(layers.indexOf('θ'))} || ${headLine.slice(headLine.indexOf('θ'))}`);
    // the class lens is rendered by its own CodeLens pass, which may land after the line hints: wait for it
    await until('a lens on class MLP saying where the numbers come from', async () =>
      (await page.locator('.monaco-editor .codelens-decoration', { hasText: 'θ layer numbers from epoch_30.onnx' }).count()) > 0, 60000);
    // the CNN class matches none of the analysed checkpoints: no hints there
    const cnn = (await lineText(page, 's.fc = nn.Linear(12 * 7 * 7, 40)'))[0] || '';
    if (cnn.includes('θ')) throw new Error(`the CNN got hints from an MLP checkpoint: ${cnn}`);
  });
  await page.screenshot({ path: `${SHOTS}/08-layer-hints.png` });

  await check('hint-hover-shows-every-metric', async () => {
    const hint = page.locator('.monaco-editor .view-line span', { hasText: /^θ\s‖W‖₂\s[\d.]+–/ }).last();
    await hint.hover();
    const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'Spectral norm' }).first();
    await hover.waitFor({ timeout: 20000 });
    const text = await hover.innerText();
    for (const s of ['Theory Lens', 'epoch_30.onnx', 'layers.0', 'layers.1', 'Stable rank', 'Power-law exponent']) if (!text.includes(s)) throw new Error(`hover lacks "${s}": ${text.slice(0, 300)}`);
    await page.screenshot({ path: `${SHOTS}/08b-layer-hover.png` });
    await page.mouse.move(5, 5);
  });

  await check('diagnostics-on-flagged-layers', async () => {
    const flagged = e30.layers.filter((l) => (l.flags || []).some((f) => f.severity === 'warning')).map((l) => l.module);
    if (!flagged.length) throw new Error('the fixture has no flagged layer to test with');
    await until('an Information squiggle', async () => (await page.locator('.monaco-editor .squiggly-info').count()) > 0, 60000);
    // the status bar's problem counter shows Information diagnostics
    const status = await page.locator('#status\\.problems').innerText().catch(() => '');
    console.log(`  flagged in CLI: ${flagged.join(', ')}; status bar problems: ${status.replace(/\s+/g, ' ')}`);
  });

  await check('settings-switch-everything-off-and-on', async () => {
    writeSettings({ 'theoryLens.hints.codeLens': false, 'theoryLens.hints.inlayHints': false, 'theoryLens.hints.diagnostics': false });
    try {
      await until('hints, lenses and squiggles to disappear', async () => {
        const hints = (await lineText(page, 's.layers = nn.ModuleList')).some((x) => x.includes('θ'));
        const lenses = (await page.locator('.monaco-editor .codelens-decoration', { hasText: 'θ' }).count()) > 0;
        const squiggles = (await page.locator('.monaco-editor .squiggly-info').count()) > 0;
        return !hints && !lenses && !squiggles;
      }, 30000);
    } finally {
      writeSettings({});
    }
    await until('hints to come back', async () => (await lineText(page, 's.layers = nn.ModuleList')).some((x) => x.includes('θ ')), 30000);
  });

  await browser.close();
  console.log(failures() ? `hints e2e FAILED (${failures()})` : 'hints e2e OK', t());
  process.exit(failures() ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(2); });
