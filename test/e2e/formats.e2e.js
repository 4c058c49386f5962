// PyTorch checkpoints in a real VS Code (code-server): the workspace's torch_run/ holds a safetensors file
// and a torch.save state dict (test/pytorch/fixtures, from scripts/gen_torch_fixtures.py) beside the
// training script that saves them. Right-click → "Theory Lens: Analyze Checkpoint" opens a report whose
// measures and per-layer numbers equal the CLI's JSON for the same options (the probe found in the
// workspace, m from its settings); the report says that forward-pass measures need an ONNX export; the
// training script shows a CodeLens on each save line with the headline numbers of the file it writes; the
// comparison view lists torch_run/ckpts/ (ckpt_1.pt … ckpt_3.pt, saved per epoch by train_ckpts.py) as one
// run in epoch order, and its numbers equal the CLI's JSON of each file (distances: against the previous one).
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { open, checker, chooseFromContextMenu, expand, reportFrame, webviewFrame, until, t } = require('./lib');

const SHOTS = process.env.SHOTS;
const WS = process.env.WORKSPACE;
const REPO = process.env.REPO;
// the panel's analysis runs in the extension's worker, the CLI in its own process: equal to 1e-12 relative
const same = (a, b) => a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
/** The extension's own headline text (src/report/headline.ts), loaded through tsx: one formatter, no copy. */
const { headlineText } = require('tsx/cjs/api').require('../../src/report/headline.ts', __filename);
const FORWARD_HINT = 'forward-pass measures need an ONNX export';

/** The CLI's report with the options the extension resolves for torch_run/FILE: the workspace's probes, m = 3000. */
function cli(file) {
  const args = [path.join(REPO, 'dist', 'cli.js'), 'analyze', path.join(WS, 'torch_run', file), '--data', path.join(WS, 'probe_train.npz'),
    '--test-data', path.join(WS, 'probe_test.npz'), '--train-size', '3000', '--json', '--quiet'];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 }));
}

/** The CLI's weight-only report of torch_run/ckpts/FILE (against INIT when given), as the comparison view analyses it. */
function cliRun(file, init) {
  const dir = path.join(WS, 'torch_run', 'ckpts');
  const args = [path.join(REPO, 'dist', 'cli.js'), 'analyze', path.join(dir, file), '--json', '--quiet', ...(init ? ['--init', path.join(dir, init)] : [])];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 }));
}
const CKPTS = ['ckpt_1.pt', 'ckpt_2.pt', 'ckpt_3.pt'];

/** Compares every measure, per-layer cell, bound and the parameter count of the panel with the CLI's JSON; returns how many. */
async function compareWithCli(frame, r) {
  let compared = 0;
  const shown = await frame.$$eval('[data-measure]', (rows) => rows.map((row) => [row.getAttribute('data-measure'), row.querySelector('td.num').getAttribute('data-value')]));
  if (shown.length !== Object.keys(r.measures).length) throw new Error(`${shown.length} measures shown, the CLI has ${Object.keys(r.measures).length}`);
  for (const [id, v] of shown) {
    const c = r.measures[id];
    if (!c) throw new Error(`measure ${id} is not in the CLI JSON`);
    if ((c.value === null) !== (v === '') || (c.value !== null && !same(Number(v), c.value))) throw new Error(`${id}: panel ${v} vs CLI ${c.value}`);
    if (c.value !== null) compared++;
  }
  const ids = Object.keys(r.metricInfo).filter((k) => r.layers.some((x) => k in x.metrics));
  const rows = await frame.$$eval('#layer-table tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-layer'), [...tr.querySelectorAll('td.num')].map((td) => td.getAttribute('data-value'))]));
  if (rows.length !== r.layers.length || rows.length !== 3) throw new Error(`${rows.length} layer rows, the CLI has ${r.layers.length} (the MLP has 3)`);
  for (const [name, vals] of rows) {
    const l = r.layers.find((x) => x.name === name);
    if (!l) throw new Error(`layer ${name} is not in the CLI JSON`);
    if (vals.length !== ids.length) throw new Error(`${name}: ${vals.length} cells for ${ids.length} metrics`);
    vals.forEach((v, i) => {
      const c = l.metrics[ids[i]];
      if ((c === null || c === undefined) !== (v === '') || (v !== '' && !same(Number(v), c))) throw new Error(`${name} ${ids[i]}: panel ${v} vs CLI ${c}`);
      if (v !== '') compared++;
    });
  }
  const bounds = await frame.$$eval('[data-bound]', (trs) => trs.length);
  if (bounds !== r.bounds.length) throw new Error(`${bounds} bounds shown, the CLI has ${r.bounds.length}`);
  const params = await frame.getAttribute('#param-count', 'data-value');
  if (Number(params) !== r.model.parameters || r.model.parameters !== 670) throw new Error(`parameters ${params} vs CLI ${r.model.parameters} (the MLP has 670)`);
  // evidence that numbers were compared: the spectral norms of all three layers among them
  if (!ids.includes('spectralNorm') || compared < 3 * 5) throw new Error(`only ${compared} numbers compared`);
  return compared + 1;
}

(async () => {
  const { browser, page } = await open();
  const { check, failures } = checker(page, SHOTS);
  const reports = { 'mlp.safetensors': cli('mlp.safetensors'), 'mlp.pt': cli('mlp.pt') };

  await check('explorer-shows-the-torch-run', async () => {
    await page.getByRole('treeitem', { name: 'torch_run', exact: true }).waitFor({ timeout: 90000 });
    await expand(page, 'torch_run');
    await page.getByRole('treeitem', { name: 'mlp.safetensors', exact: true }).waitFor({ timeout: 30000 });
  });

  for (const file of ['mlp.safetensors', 'mlp.pt']) {
    const r = reports[file];
    let frame;
    await check(`${file}-context-menu-report-equals-cli`, async () => {
      await chooseFromContextMenu(page, file, 'Theory Lens: Analyze Checkpoint');
      frame = await reportFrame(page, file, 'main[data-ready="true"] #layers');
      const n = await compareWithCli(frame, r);
      console.log(`  ${file}: compared ${n} numbers with the CLI's JSON`);
    });
    await page.screenshot({ path: `${SHOTS}/18-report-${file.replace('.', '-')}.png` });

    await check(`${file}-report-says-forward-passes-need-onnx`, async () => {
      if (!frame) throw new Error('no report');
      if (!r.warnings.some((w) => w.includes(FORWARD_HINT))) throw new Error(`the CLI's warnings lack the hint: ${JSON.stringify(r.warnings)}`);
      const text = await frame.textContent('main');
      if (!text.includes(FORWARD_HINT)) throw new Error(`the report does not say "${FORWARD_HINT}"`);
    });
  }

  await check('codelens-on-the-save-lines-equals-cli', async () => {
    await page.getByRole('treeitem', { name: 'train_torch.py', exact: true }).dblclick();
    await page.locator('.monaco-editor .view-line').first().waitFor({ timeout: 30000 });
    for (const [file, code] of [['mlp.safetensors', 'save_file(model.state_dict()'], ['mlp.pt', 'torch.save(model.state_dict()']]) {
      const want = `θ ${file}: ${headlineText(reports[file])}`;
      const text = await until(`a lens "${want}"`, async () => {
        const all = await page.locator('.monaco-editor .codelens-decoration').allInnerTexts();
        return all.map((x) => x.replace(/\s+/g, ' ').trim()).find((x) => x.startsWith(`θ ${file}:`) && !x.includes('analysing'));
      }, 180000);
      console.log(`  lens: ${text}`);
      if (text !== want) throw new Error(`lens "${text}", expected "${want}"`);
      // the lens sits directly above the line that saves the file
      const lens = await page.locator('.monaco-editor .codelens-decoration', { hasText: `θ ${file}:` }).first().boundingBox();
      const line = await page.locator('.monaco-editor .view-line', { hasText: code }).first().boundingBox();
      if (!lens || !line || lens.y > line.y || line.y - lens.y > 40) throw new Error(`lens at y=${lens && lens.y}, save line at y=${line && line.y}`);
    }
  });
  await page.screenshot({ path: `${SHOTS}/19-codelens-torch-save.png` });

  await check('comparison-lists-the-torch-run-in-epoch-order-equal-cli', async () => {
    const tab = page.getByRole('tab', { name: /Theory Lens/ }).first();
    await tab.waitFor({ timeout: 60000 });
    await tab.click();
    const frame = await webviewFrame(page, '#app[data-ready="true"] #checkpoints', 120000);
    const group = 'torch_run/ckpts';
    await frame.waitForFunction((g) => document.querySelectorAll(`ol.checkpoints[data-group="${g}"] li`).length === 3, group, { timeout: 120000 });
    const listed = await frame.$$eval(`ol.checkpoints[data-group="${group}"] li`, (ls) => ls.map((l) => l.getAttribute('data-label')));
    if (JSON.stringify(listed) !== JSON.stringify(CKPTS)) throw new Error(`listed ${listed.join(', ')}, expected ${CKPTS.join(', ')}`);
    // compare only this run: deselect every other group, select this one (the view re-renders after each message)
    for (let i = 0; i < 20; i++) {
      const boxes = await frame.$$eval('details.group', (ds) => ds.map((d) => {
        const b = d.querySelector('summary input');
        return [d.getAttribute('data-group'), b.checked, b.indeterminate];
      }));
      const wrong = boxes.find(([g, on, some]) => (g === group ? !on || some : on || some));
      if (!wrong) break;
      await frame.click(`details.group[data-group="${wrong[0]}"] > summary input`);
      await page.waitForTimeout(700);
    }
    await frame.waitForFunction(() => {
      const a = document.getElementById('app');
      const head = [...document.querySelectorAll('#compare-table thead th button')].map((b) => b.textContent);
      return head.length === 3 && Number(a.getAttribute('data-done')) >= 3 && a.getAttribute('data-busy') === 'false';
    }, null, { timeout: 300000 });
    const head = await frame.$$eval('#compare-table thead th button', (b) => b.map((x) => x.textContent));
    if (JSON.stringify(head) !== JSON.stringify(CKPTS)) throw new Error(`columns ${head.join(', ')}`);
    const reports = CKPTS.map((f) => cliRun(f));
    const rows = await frame.$$eval('#compare-table tbody tr[data-row]', (trs) => trs.map((tr) => [tr.getAttribute('data-row'), [...tr.querySelectorAll('td.num')].map((td) => td.getAttribute('data-value'))]));
    let compared = 0;
    for (const [id, vals] of rows) {
      if (!(id in reports[0].measures)) continue;
      reports.forEach((r, k) => {
        const c = r.measures[id].value;
        const v = vals[k];
        if ((c === null) !== (v === '' || v === null) || (c !== null && !same(Number(v), c))) throw new Error(`${id} of ${CKPTS[k]}: view ${v} vs CLI ${c}`);
        if (c !== null) compared++;
      });
    }
    if (!rows.some(([id]) => id === 'logProdSpec') || compared < 3 * 8) throw new Error(`only ${compared} numbers compared (rows: ${rows.map((x) => x[0]).join(', ')})`);
    const dist = rows.find(([id]) => id === 'stepDistance');
    if (!dist || dist[1][0] !== '') throw new Error(`the first checkpoint has a step distance: ${dist && dist[1][0]}`);
    for (const k of [1, 2]) {
      const want = Math.sqrt(cliRun(CKPTS[k], CKPTS[k - 1]).measures.froDist.value);
      if (!same(Number(dist[1][k]), want)) throw new Error(`‖W − W_prev‖_F of ${CKPTS[k]}: view ${dist[1][k]} vs √froDist of the CLI against ${CKPTS[k - 1]} ${want}`);
      compared++;
    }
    console.log(`  comparison of ${group}: ${head.join(', ')}; ${compared} numbers equal the CLI's`);
  });
  await page.screenshot({ path: `${SHOTS}/20-comparison-torch-run.png` });

  await browser.close();
  console.log(failures() ? `formats e2e FAILED (${failures()})` : 'formats e2e OK', t());
  process.exit(failures() ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(2); });
