// The report in a real VS Code (code-server): right-click a fixture checkpoint → the report opens beside,
// with numbers identical to the CLI's JSON for the same options; the per-layer table sorts from the
// keyboard; the ESD chart draws; the status bar shows the checkpoint; Export JSON writes the CLI's
// schema; the command palette picks a workspace checkpoint and its progress can be cancelled from the
// panel; a layer named <img src=x onerror=alert(1)> renders as text (no element, no dialog) and the
// probe that does not fit it is reported; Open With offers the read-only editor. Screenshots in dark,
// light and high-contrast themes go to $SHOTS.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { open, checker, contextMenu, chooseFromContextMenu, expand, drawnPixels, runCommand, pickOption, reportFrame, t } = require('./lib');

const SHOTS = process.env.SHOTS;
const WS = process.env.WORKSPACE;
const REPO = process.env.REPO;
// The panel's analysis runs in the extension's worker, the CLI in its own process: the numbers must agree
// to 1e-12 relative (the last bits of a threaded reduction may differ between processes).
const same = (a, b) => a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));

function cli(args) {
  return JSON.parse(execFileSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'analyze', ...args, '--json', '--quiet'], { encoding: 'utf8', maxBuffer: 1 << 28 }));
}

/** Switches the colour theme the way a user does: Preferences: Color Theme, type its name, pick it. */
async function setTheme(page, theme) {
  const kind = theme.includes('High Contrast') ? 'hc-black' : theme.includes('Light') ? 'vs' : 'vs-dark';
  const isOn = () => page.evaluate((k) => document.querySelector('.monaco-workbench').classList.contains(k), kind);
  if (await isOn()) return;
  for (let attempt = 0; ; attempt++) {
    try {
      await runCommand(page, 'Preferences: Color Theme');
      // the theme picker lists every theme once the extension host has registered them
      await page.locator('.quick-input-list').getByRole('option', { name: /^Dark Modern/ }).first().waitFor({ timeout: 10000 });
      await page.locator('.quick-input-widget input').fill(theme);
      await pickOption(page, theme);
      break;
    } catch (e) {
      await page.keyboard.press('Escape');
      if (attempt >= 2) throw e;
    }
  }
  await page.waitForFunction((k) => document.querySelector('.monaco-workbench').classList.contains(k), kind, { timeout: 20000 });
  await page.waitForTimeout(1500); // webviews restyle and the charts redraw
}

/** A screenshot of the editor area only (the report), small enough for the README. */
async function editorShot(page, file) {
  await page.mouse.move(5, 500); // no hover tooltip in the picture
  await page.waitForTimeout(200);
  const box = await page.locator('.part.editor').boundingBox();
  await page.screenshot({ path: file, clip: box });
}

(async () => {
  const { browser, page, dialogs } = await open();
  const { check, failures } = checker(page, SHOTS);
  let frame;

  await check('explorer-shows-checkpoints', async () => {
    await page.getByRole('treeitem', { name: 'mlp.onnx', exact: true }).waitFor({ timeout: 90000 });
  });

  await check('dark-theme', () => setTheme(page, 'Dark Modern'));

  await check('context-menu-analyze', async () => {
    // the user is in their training code when they ask for the report
    await page.getByRole('treeitem', { name: 'train.py', exact: true }).dblclick();
    await page.locator('.part.editor .tab', { hasText: 'train.py' }).first().waitFor({ timeout: 30000 });
    await contextMenu(page, 'mlp.onnx', 'Theory Lens: Analyze Checkpoint');
    await page.screenshot({ path: `${SHOTS}/02-context-menu.png`, clip: { x: 0, y: 0, width: 900, height: 700 } });
    await page.keyboard.press('Escape');
    await chooseFromContextMenu(page, 'mlp.onnx', 'Theory Lens: Analyze Checkpoint');
  });

  await check('report-opens-beside-the-code-with-numbers', async () => {
    frame = await reportFrame(page, 'mlp.onnx', 'main[data-ready="true"] #measures');
    const groups = await page.$$eval('.part.editor .editor-group-container', (gs) => gs.map((g) => [...g.querySelectorAll('.tab')].map((t) => t.textContent.trim())));
    if (groups.length !== 2 || !groups[0].some((x) => x.includes('train.py')) || !groups[1].some((x) => x.includes('mlp.onnx'))) throw new Error(`editor groups: ${JSON.stringify(groups)}`);
    const verdict = await frame.$$eval('#verdict li', (x) => x.map((li) => li.textContent));
    if (verdict.length < 4) throw new Error(`verdict has ${verdict.length} items`);
    if (!verdict.some((v) => v.includes('vacuous'))) throw new Error('the verdict does not say whether the bound is vacuous');
    if (!verdict.some((v) => v.includes('Jiang et al. 2020') && v.includes('Dziugaite et al. 2020'))) throw new Error('no robustness caveat');
    const provider = await frame.textContent('#provider');
    if (provider !== 'CPU') throw new Error(`provider shows ${provider}`);
  });
  await page.screenshot({ path: `${SHOTS}/03-report-beside-code.png` });
  // the rest of the spec reads the report at full width
  await page.locator('.part.editor .tab', { hasText: 'train.py' }).first().hover();
  await page.locator('.part.editor .tab', { hasText: 'train.py' }).first().locator('.tab-actions .action-label').click().catch(() => {});
  await page.waitForFunction(() => document.querySelectorAll('.part.editor .editor-group-container').length === 1, null, { timeout: 10000 }).catch(() => {});
  await editorShot(page, `${SHOTS}/03-report.png`);

  await check('numbers-identical-to-cli-json', async () => {
    const r = cli([path.join(WS, 'mlp.onnx'), '--init', path.join(WS, 'mlp.init.onnx'), '--data', path.join(WS, 'probe_train.npz'),
      '--test-data', path.join(WS, 'probe_test.npz'), '--train-size', '3000']);
    const shown = await frame.$$eval('[data-measure]', (rows) => rows.map((row) => [row.getAttribute('data-measure'), row.querySelector('td.num').getAttribute('data-value')]));
    if (shown.length !== Object.keys(r.measures).length) throw new Error(`${shown.length} measures shown, the CLI has ${Object.keys(r.measures).length}`);
    let compared = 0;
    for (const [id, v] of shown) {
      const c = r.measures[id];
      if (!c) throw new Error(`measure ${id} is not in the CLI JSON`);
      if ((c.value === null) !== (v === '') || (c.value !== null && !same(Number(v), c.value))) throw new Error(`${id}: panel ${v} vs CLI ${c.value}`);
      compared++;
    }
    const ids = Object.keys(r.metricInfo).filter((k) => r.layers.some((x) => k in x.metrics));
    const rows = await frame.$$eval('#layer-table tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-layer'), [...tr.querySelectorAll('td.num')].map((td) => td.getAttribute('data-value'))]));
    if (rows.length !== r.layers.length) throw new Error(`${rows.length} layer rows, the CLI has ${r.layers.length}`);
    for (const [name, vals] of rows) {
      const l = r.layers.find((x) => x.name === name);
      if (vals.length !== ids.length) throw new Error(`${name}: ${vals.length} cells for ${ids.length} metrics`);
      vals.forEach((v, i) => {
        const c = l.metrics[ids[i]];
        if ((c === null || c === undefined) !== (v === '') || (v !== '' && !same(Number(v), c))) throw new Error(`${name} ${ids[i]}: panel ${v} vs CLI ${c}`);
        compared++;
      });
    }
    const bounds = await frame.$$eval('[data-bound]', (trs) => trs.map((tr) => [tr.getAttribute('data-bound'), tr.querySelector('td.num').getAttribute('data-value')]));
    if (bounds.length !== r.bounds.length) throw new Error(`${bounds.length} bounds shown, the CLI has ${r.bounds.length}`);
    for (const [id, v] of bounds) {
      const b = r.bounds.find((x) => x.id === id);
      if ((b.value === null) !== (v === '') || (v !== '' && !same(Number(v), b.value))) throw new Error(`bound ${id}: panel ${v} vs CLI ${b.value}`);
      compared++;
    }
    const params = await frame.getAttribute('#param-count', 'data-value');
    if (Number(params) !== r.model.parameters) throw new Error(`parameters ${params} vs ${r.model.parameters}`);
    console.log(`  compared ${compared + 1} numbers with the CLI's JSON`);
  });

  await check('layer-table-sorts-from-keyboard', async () => {
    const col = await frame.$$eval('#layer-table thead th', (ths) => ths.findIndex((th) => th.querySelector('button')?.textContent === 'α'));
    if (col < 1) throw new Error('no α column');
    await frame.focus(`#layer-table thead th:nth-child(${col + 1}) button`);
    await page.keyboard.press('Enter');
    const read = () => frame.$$eval(`#layer-table tbody tr`, (trs, c) => trs.map((tr) => Number(tr.children[c].getAttribute('data-value'))), col);
    const up = await read();
    if (up.some((v, i) => i && v < up[i - 1])) throw new Error(`not ascending: ${up}`);
    if ((await frame.getAttribute(`#layer-table thead th:nth-child(${col + 1})`, 'aria-sort')) !== 'ascending') throw new Error('aria-sort not set');
    await page.keyboard.press('Enter');
    const down = await read();
    if (down.some((v, i) => i && v > down[i - 1])) throw new Error(`not descending: ${down}`);
  });

  await check('keyboard-reaches-the-table-headers', async () => {
    // from the top of the report, Tab until a per-layer header button has focus (copy buttons are not stops)
    await frame.$eval('body', () => { window.scrollTo(0, 0); document.activeElement?.blur(); });
    await frame.focus('nav.skip a');
    let presses = 1;
    for (; presses < 120; presses++) {
      if (await frame.evaluate(() => !!document.activeElement?.closest('#layer-table thead'))) break;
      await page.keyboard.press('Tab');
    }
    if (presses >= 120) throw new Error('Tab never reached the per-layer table');
    const copyStops = await frame.$$eval('button.copy', (bs) => bs.filter((b) => b.tabIndex >= 0).length);
    if (copyStops) throw new Error(`${copyStops} copy buttons are Tab stops`);
    console.log(`  Tab presses from the top to the first per-layer header: ${presses} (was 56)`);
    if (presses > 30) throw new Error(`${presses} Tab presses to the first header`);
    // the skip link: one activation, then a few Tabs
    await frame.$eval('body', () => window.scrollTo(0, 0));
    await frame.click('nav.skip a:has-text("per-layer table")');
    const focused = await frame.evaluate(() => document.activeElement?.id);
    if (focused !== 'layers-h') throw new Error(`skip link focused ${focused}`);
    const sticky = await frame.$eval('#layer-table tbody th.layer-name', (th) => getComputedStyle(th).position);
    if (sticky !== 'sticky') throw new Error(`layer-name column is ${sticky}`);
  });

  await check('esd-opens-on-the-layer-with-most-eigenvalues', async () => {
    const r = cli([path.join(WS, 'mlp.onnx'), '--init', path.join(WS, 'mlp.init.onnx'), '--data', path.join(WS, 'probe_train.npz'),
      '--test-data', path.join(WS, 'probe_test.npz'), '--train-size', '3000']);
    const most = r.layers.filter((l) => l.esd && l.esd.length).reduce((b, l) => (!b || l.esd.length > b.esd.length ? l : b), null);
    const chosen = await frame.$eval('#esd-layer', (s) => s.value);
    if (chosen !== most.name + (most.part || '')) throw new Error(`ESD opens on ${chosen}, the layer with most eigenvalues is ${most.name}`);
  });

  await check('esd-chart-draws', async () => {
    await frame.$eval('#charts', (e) => e.scrollIntoView());
    const n = await drawnPixels(frame, '#esd-chart');
    if (n < 2000) throw new Error(`only ${n} pixels drawn on the ESD canvas`);
    const b = await drawnPixels(frame, '#bar-chart');
    if (b < 2000) throw new Error(`only ${b} pixels drawn on the bar chart`);
    const m = await drawnPixels(frame, '#margin-chart');
    if (m < 2000) throw new Error(`only ${m} pixels drawn on the margin histogram`);
    await frame.$eval('#esd-chart', (e) => e.scrollIntoView({ block: 'center' }));
  });
  await editorShot(page, `${SHOTS}/04-report-charts.png`);

  await check('copy-a-number-with-its-citation', async () => {
    const r = cli([path.join(WS, 'mlp.onnx'), '--init', path.join(WS, 'mlp.init.onnx'), '--data', path.join(WS, 'probe_train.npz'),
      '--test-data', path.join(WS, 'probe_test.npz'), '--train-size', '3000']);
    const m = r.measures.logProdSpec;
    await frame.click('[data-measure="logProdSpec"] button.copy');
    const expected = `${m.name} = ${m.value} (${m.formula}; ${m.reference}${m.equation ? `, eq. ${m.equation}` : ''})`;
    let text = '';
    const end = Date.now() + 10000;
    while (Date.now() < end && text !== expected) {
      text = await page.evaluate(() => navigator.clipboard.readText()).catch(() => '');
      await page.waitForTimeout(300);
    }
    if (text !== expected) throw new Error(`clipboard: ${JSON.stringify(text)}, expected ${JSON.stringify(expected)}`);
  });

  await check('status-bar-shows-checkpoint', async () => {
    await page.locator('.statusbar-item', { hasText: 'mlp.onnx' }).first().waitFor({ timeout: 20000 });
  });

  await check('export-json-in-cli-schema', async () => {
    const target = path.join(WS, 'mlp.theory-lens.json');
    fs.rmSync(target, { force: true });
    await frame.$eval('#charts', () => window.scrollTo(0, 0));
    await frame.click('text=Export JSON');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 20000 });
    await page.waitForTimeout(300);
    await page.keyboard.press('Enter');
    const end = Date.now() + 20000;
    while (!fs.existsSync(target) && Date.now() < end) await page.waitForTimeout(300);
    const saved = JSON.parse(fs.readFileSync(target, 'utf8'));
    const r = cli([path.join(WS, 'mlp.onnx'), '--init', path.join(WS, 'mlp.init.onnx'), '--data', path.join(WS, 'probe_train.npz'),
      '--test-data', path.join(WS, 'probe_test.npz'), '--train-size', '3000']);
    if (JSON.stringify(Object.keys(saved)) !== JSON.stringify(Object.keys(r))) throw new Error(`keys ${Object.keys(saved)} vs ${Object.keys(r)}`);
    for (const [id, m] of Object.entries(r.measures)) {
      const v = saved.measures[id].value;
      if ((v === null) !== (m.value === null) || (v !== null && !same(v, m.value))) throw new Error(`${id}: export ${v} vs CLI ${m.value}`);
    }
    fs.rmSync(target, { force: true });
  });

  await check('palette-analyze-then-cancel', async () => {
    await page.keyboard.press('Escape');
    await runCommand(page, 'Theory Lens: Analyze Checkpoint');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 10000 });
    await input.fill('cnn_bn');
    await pickOption(page, 'cnn_bn.onnx');
    const f = await reportFrame(page, 'cnn_bn.onnx', '#cancel', 120000);
    await page.locator('.notifications-toasts', { hasText: 'Theory Lens: cnn_bn.onnx' }).waitFor({ timeout: 20000 });
    await page.screenshot({ path: `${SHOTS}/15-progress.png` });
    await f.click('#cancel');
    await reportFrame(page, 'cnn_bn.onnx', '#error', 60000);
    const text = await f.textContent('#error');
    if (!text.includes('Analysis cancelled')) throw new Error(`error box says ${text}`);
    await f.click('#error button');
    await reportFrame(page, 'cnn_bn.onnx', 'main[data-ready="true"] #layers', 240000);
  });

  await check('xss-layer-name-renders-as-text', async () => {
    await expand(page, 'xss');
    await chooseFromContextMenu(page, 'xss.onnx', 'Theory Lens: Analyze Checkpoint');
    const f = await reportFrame(page, 'xss.onnx', 'main[data-ready="true"] [data-layer="<img src=x onerror=alert(1)>"]', 180000);
    const text = await f.textContent('[data-layer="<img src=x onerror=alert(1)>"] th');
    if (!text.includes('<img src=x onerror=alert(1)>')) throw new Error(`layer cell shows ${text}`);
    const imgs = await f.$$eval('img', (x) => x.length);
    if (imgs) throw new Error(`${imgs} <img> elements were created`);
    if (dialogs.length) throw new Error(`a dialog fired: ${dialogs.join(', ')}`);
    const failed = await f.textContent('#unavailable');
    if (!failed.includes('Forward passes failed on the probe data') || !failed.includes('784 values per example where the model needs 6')) throw new Error(`the probe failure is not explained: ${failed.slice(0, 300)}`);
  });
  await editorShot(page, `${SHOTS}/05-xss.png`);

  await check('truncated-checkpoint-shows-its-error', async () => {
    await expand(page, 'broken');
    await chooseFromContextMenu(page, 'truncated.onnx', 'Theory Lens: Analyze Checkpoint');
    const f = await reportFrame(page, 'truncated.onnx', '#error', 120000);
    const text = await f.textContent('#error');
    if (!text.includes('Could not analyse truncated.onnx') || !text.includes(path.join(WS, 'broken', 'truncated.onnx'))) throw new Error(`error box: ${text}`);
    await page.locator('.notifications-toasts', { hasText: 'truncated.onnx' }).first().waitFor({ timeout: 10000 });
  });
  await editorShot(page, `${SHOTS}/17-error.png`);

  await check('reanalysed-when-the-checkpoint-changes-on-disk', async () => {
    await expand(page, 'watch');
    await chooseFromContextMenu(page, 'model.onnx', 'Theory Lens: Analyze Checkpoint');
    const f = await reportFrame(page, 'model.onnx', 'main[data-ready="true"] #measures', 180000);
    const before = Number(await f.getAttribute('#measure-logProdSpec', 'data-value'));
    // "training" writes a new checkpoint over it: mlp_tanh's weights
    const expected = cli([path.join(WS, 'mlp_tanh.onnx'), '--weights-only']).measures.logProdSpec.value;
    fs.copyFileSync(path.join(WS, 'mlp_tanh.onnx'), path.join(WS, 'watch', 'model.onnx'));
    const end = Date.now() + 120000;
    let now = before;
    while (Date.now() < end) {
      now = Number(await f.getAttribute('#measure-logProdSpec', 'data-value').catch(() => before));
      if (now !== before) break;
      await page.waitForTimeout(500);
    }
    if (!same(now, expected)) throw new Error(`after the change the panel shows ${now} (before ${before}), the CLI ${expected}`);
  });

  await check('open-with-custom-editor', async () => {
    await chooseFromContextMenu(page, 'cnn.onnx', 'Open With...');
    await page.locator('.quick-input-widget').getByText('Theory Lens Report').first().click({ timeout: 30000 });
    await reportFrame(page, 'cnn.onnx', 'main[data-ready="true"] #measures', 240000);
    await page.locator('.tab', { hasText: 'cnn.onnx' }).first().waitFor({ timeout: 10000 });
  });
  await editorShot(page, `${SHOTS}/11-custom-editor.png`);

  await check('landscape-2d-heatmap', async () => {
    // workspace settings change live; the re-analysis picks them up (cached reports are keyed by them)
    const settingsFile = path.join(WS, '.vscode', 'settings.json');
    const before = fs.readFileSync(settingsFile, 'utf8');
    fs.writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(before), 'theoryLens.landscape2d': true, 'theoryLens.landscapePoints': 11 }, null, 2));
    try {
      await page.waitForTimeout(1500);
      await page.locator('.tab', { hasText: 'θ mlp.onnx' }).first().click();
      const f = await reportFrame(page, 'mlp.onnx');
      await f.$eval('body', () => window.scrollTo(0, 0));
      await f.click('text=Re-analyze');
      const g = await reportFrame(page, 'mlp.onnx', 'main[data-ready="true"] #landscape-heatmap', 180000);
      await g.$eval('#landscape-heatmap', (e) => e.scrollIntoView({ block: 'center' }));
      const n = await drawnPixels(g, '#landscape-heatmap');
      const size = await g.$eval('#landscape-heatmap', (c) => c.width * c.height);
      if (n < 0.5 * size) throw new Error(`only ${n} of ${size} heatmap pixels drawn`);
      await editorShot(page, `${SHOTS}/16-landscape-2d.png`);
    } finally {
      fs.writeFileSync(settingsFile, before);
    }
  });

  await check('light-and-high-contrast-themes', async () => {
    await page.locator('.tab', { hasText: 'θ mlp.onnx' }).first().click();
    const f = await reportFrame(page, 'mlp.onnx');
    await f.$eval('#verdict', (e) => e.scrollIntoView());
    await setTheme(page, 'Light Modern');
    const light = await f.$eval('body', (b) => [b.className, getComputedStyle(b).backgroundColor]);
    if (!light[0].includes('vscode-light')) throw new Error(`body class ${light[0]}`);
    await editorShot(page, `${SHOTS}/12-report-light.png`);
    await f.$eval('#esd-chart', (e) => e.scrollIntoView({ block: 'center' }));
    await page.waitForTimeout(500);
    if ((await drawnPixels(f, '#esd-chart')) < 2000) throw new Error('ESD chart not redrawn after the theme change');
    await editorShot(page, `${SHOTS}/13-esd-light.png`);
    await setTheme(page, 'Dark High Contrast');
    await f.$eval('#layers', (e) => e.scrollIntoView());
    const hc = await f.$eval('body', (b) => b.className);
    if (!hc.includes('vscode-high-contrast')) throw new Error(`body class ${hc}`);
    await editorShot(page, `${SHOTS}/14-report-high-contrast.png`);
    await setTheme(page, 'Dark Modern');
  });

  await browser.close();
  console.log(failures() ? `report e2e FAILED (${failures()})` : 'report e2e OK', t());
  process.exit(failures() ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(2); });
