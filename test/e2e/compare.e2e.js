// The comparison view lists run_mlp/epoch_*.onnx in epoch order and draws a trend over the run;
// with the run's metrics file it ranks measures by Kendall τ.
const { open, checker, webviewFrame, drawnPixels, t } = require('./lib');

const SHOTS = process.env.SHOTS;

(async () => {
  const { browser, page } = await open();
  const { check, failures } = checker(page, SHOTS);
  let frame;

  await check('activity-bar-view-opens', async () => {
    await page.getByRole('treeitem', { name: 'mlp.onnx', exact: true }).waitFor({ timeout: 90000 });
    const tab = page.getByRole('tab', { name: /Theory Lens/ }).first();
    for (let i = 0; i < 30; i++) {
      if (await tab.count()) break;
      await page.waitForTimeout(1000);
    }
    await tab.click();
    frame = await webviewFrame(page, '#checkpoint-list', 120000);
  });

  await check('run-listed-in-epoch-order', async () => {
    const value = await frame.$$eval('#run option', (os) => os.find((o) => o.textContent.startsWith('run_mlp '))?.value);
    if (!value) throw new Error('no run_mlp group in the run selector');
    await frame.selectOption('#run', value);
    await frame.waitForFunction(() => document.querySelectorAll('#checkpoint-list li').length === 6, null, { timeout: 30000 });
    const names = await frame.$$eval('#checkpoint-list li button', (b) => b.map((x) => x.textContent));
    const want = ['epoch_05', 'epoch_10', 'epoch_15', 'epoch_20', 'epoch_25', 'epoch_30'];
    if (JSON.stringify(names) !== JSON.stringify(want)) throw new Error(`listed ${names.join(', ')}`);
  });

  await check('trend-chart-draws', async () => {
    await frame.waitForFunction(() => Number(document.getElementById('app').getAttribute('data-done')) >= 6, null, { timeout: 300000 });
    // the view re-renders as reports arrive: poll until the (latest) canvas is drawn
    let n = 0;
    for (let i = 0; i < 60 && n < 300; i++) {
      n = await drawnPixels(frame, '#trend-chart').catch(() => 0);
      if (n < 300) await page.waitForTimeout(500);
    }
    if (n < 300) throw new Error(`only ${n} pixels on the trend chart`);
    const rows = await frame.$$eval('#compare-table tbody tr', (r) => r.length);
    if (rows < 10) throw new Error(`comparison table has ${rows} rows`);
  });
  await page.screenshot({ path: `${SHOTS}/09-comparison.png` });

  await browser.close();
  console.log(failures() ? `compare e2e FAILED (${failures()})` : 'compare e2e OK', t());
  process.exit(failures() ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(2); });
