// Right-click a fixture checkpoint → the report opens beside, with numbers identical to the CLI's JSON;
// the ESD chart draws; a layer named <img src=x onerror=alert(1)> renders as text; Open With offers
// the read-only editor.
const { execFileSync } = require('child_process');
const path = require('path');
const { open, checker, contextMenu, chooseFromContextMenu, expand, webviewFrame, drawnPixels, t } = require('./lib');

const SHOTS = process.env.SHOTS;
// The panel's analysis runs in the extension's worker, the CLI in its own process: the numbers must
// agree to 1e-12 relative (the last bits of a threaded BLAS reduction may differ between processes).
const same = (a, b) => a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
const WS = process.env.WORKSPACE;
const REPO = process.env.REPO;

(async () => {
  const { browser, page, dialogs } = await open();
  const { check, failures } = checker(page, SHOTS);
  let frame;

  await check('explorer-shows-checkpoints', async () => {
    await page.getByRole('treeitem', { name: 'mlp.onnx', exact: true }).waitFor({ timeout: 90000 });
  });
  await page.screenshot({ path: `${SHOTS}/01-workbench.png` });

  await check('context-menu-analyze', async () => {
    await contextMenu(page, 'mlp.onnx', 'Theory Lens: Analyze Checkpoint');
    await page.screenshot({ path: `${SHOTS}/02-context-menu.png` });
    await page.keyboard.press('Escape');
    await chooseFromContextMenu(page, 'mlp.onnx', 'Theory Lens: Analyze Checkpoint');
  });

  await check('report-opens-with-numbers', async () => {
    frame = await webviewFrame(page, 'main[data-ready="true"] #measures', 240000);
    const name = await frame.textContent('#file-name');
    if (name !== 'mlp.onnx') throw new Error(`header shows ${name}`);
  });
  await page.screenshot({ path: `${SHOTS}/03-report.png` });

  await check('numbers-identical-to-cli-json', async () => {
    const args = [path.join(REPO, 'dist', 'cli.js'), 'analyze', path.join(WS, 'mlp.onnx'), '--init', path.join(WS, 'mlp.init.onnx'),
      '--data', path.join(WS, 'probe_train.npz'), '--test-data', path.join(WS, 'probe_test.npz'), '--train-size', '3000', '--json', '--quiet'];
    const cli = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 }));
    const shown = await frame.$$eval('[data-measure]', (rows) => rows.map((r) => [r.getAttribute('data-measure'), r.querySelector('td.num').getAttribute('data-value')]));
    if (shown.length < 30) throw new Error(`only ${shown.length} measures shown`);
    let compared = 0;
    for (const [id, v] of shown) {
      const c = cli.measures[id];
      if (!c) throw new Error(`measure ${id} is not in the CLI JSON`);
      if ((c.value === null) !== (v === '')) throw new Error(`${id}: panel ${v} vs CLI ${c.value}`);
      if (c.value !== null && !same(Number(v), c.value)) throw new Error(`${id}: panel ${v} vs CLI ${c.value}`);
      compared++;
    }
    const layerValues = await frame.$$eval('#layer-table tbody tr', (rows) => rows.map((r) => [r.getAttribute('data-layer'), [...r.querySelectorAll('td.num')].map((td) => td.getAttribute('data-value'))]));
    for (const [name, vals] of layerValues) {
      const l = cli.layers.find((x) => x.name === name);
      const ids = Object.keys(cli.metricInfo).filter((k) => cli.layers.some((x) => k in x.metrics));
      vals.forEach((v, i) => {
        const c = l.metrics[ids[i]];
        if ((c === null || c === undefined) !== (v === '') || (v !== '' && !same(Number(v), c))) throw new Error(`${name} ${ids[i]}: panel ${v} vs CLI ${c}`);
        compared++;
      });
    }
    const bounds = await frame.$$eval('[data-bound]', (rows) => rows.map((r) => [r.getAttribute('data-bound'), r.querySelector('td.num').getAttribute('data-value')]));
    for (const [id, v] of bounds) {
      const b = cli.bounds.find((x) => x.id === id);
      if ((b.value === null) !== (v === '') || (v !== '' && !same(Number(v), b.value))) throw new Error(`bound ${id}: panel ${v} vs CLI ${b.value}`);
      compared++;
    }
    console.log(`  compared ${compared} numbers with the CLI's JSON`);
  });

  await check('esd-chart-draws', async () => {
    await frame.waitForSelector('#esd-chart');
    const n = await drawnPixels(frame, '#esd-chart');
    if (n < 500) throw new Error(`only ${n} pixels drawn on the ESD canvas`);
    const b = await drawnPixels(frame, '#bar-chart');
    if (b < 500) throw new Error(`only ${b} pixels drawn on the bar chart`);
    await frame.$eval('#charts', (e) => e.scrollIntoView());
  });
  await page.screenshot({ path: `${SHOTS}/04-report-charts.png` });

  await check('xss-layer-name-renders-as-text', async () => {
    await expand(page, 'xss');
    await chooseFromContextMenu(page, 'xss.onnx', 'Theory Lens: Analyze Checkpoint');
    const f = await webviewFrame(page, 'main[data-ready="true"] [data-layer="<img src=x onerror=alert(1)>"]', 180000);
    const text = await f.textContent('[data-layer="<img src=x onerror=alert(1)>"] th');
    if (!text.includes('<img src=x onerror=alert(1)>')) throw new Error(`layer cell shows ${text}`);
    const imgs = await f.$$eval('main img', (x) => x.length);
    if (imgs) throw new Error(`${imgs} <img> elements were created`);
    if (dialogs.length) throw new Error(`a dialog fired: ${dialogs.join(', ')}`);
  });
  await page.screenshot({ path: `${SHOTS}/05-xss.png` });

  await check('open-with-custom-editor', async () => {
    await chooseFromContextMenu(page, 'cnn.onnx', 'Open With...');
    await page.locator('.quick-input-widget').getByText('Theory Lens Report').first().click({ timeout: 30000 });
    const f = await webviewFrame(page, 'main[data-ready="true"] #file-name', 180000);
    const deadline = Date.now() + 120000;
    while (Date.now() < deadline) {
      for (const fr of page.frames()) {
        try {
          const el = await fr.$('#file-name');
          if (el && (await el.textContent()) === 'cnn.onnx') return;
        } catch { /* detached */ }
      }
      await page.waitForTimeout(500);
    }
    void f;
    throw new Error('the custom editor did not show cnn.onnx');
  });
  await page.screenshot({ path: `${SHOTS}/06-custom-editor.png` });

  await browser.close();
  console.log(failures() ? `report e2e FAILED (${failures()})` : 'report e2e OK', t());
  process.exit(failures() ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(2); });
