// The comparison side panel in a real VS Code: the "Theory Lens" activity-bar view lists run_mlp's
// checkpoints in epoch order (its init first), compares them (numbers equal to the CLI's JSON, the
// distance between consecutive checkpoints equal to √froDist of the CLI run against the previous
// one), draws trends, ranks measures by Kendall τ against run_mlp/metrics.csv (τ recomputed here),
// picks up a checkpoint written during "training", and shows a broken one's error while keeping the
// rest. The workspace is left as it was found.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { open, checker, webviewFrame, drawnPixels, t } = require('./lib');

const SHOTS = process.env.SHOTS;
const WS = process.env.WORKSPACE;
const REPO = process.env.REPO;
const RUN = ['epoch_05', 'epoch_10', 'epoch_15', 'epoch_20', 'epoch_25', 'epoch_30'];

function cli(rel, init) {
  const args = [path.join(REPO, 'dist', 'cli.js'), 'analyze', path.join(WS, rel), '--json', '--quiet', ...(init ? ['--init', path.join(WS, init)] : [])];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 }));
}

/** Kendall τ-b written out again, independently of src/report/kendall.ts: Σ sign·sign / √(untied-x pairs · untied-y pairs). */
function tauB(x, y) {
  let s = 0;
  let nx = 0;
  let ny = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = Math.sign(x[i] - x[j]);
      const b = Math.sign(y[i] - y[j]);
      s += a * b;
      nx += a * a;
      ny += b * b;
    }
  }
  return s / Math.sqrt(nx * ny);
}

const rowValues = (frame, id) => frame.$$eval(`#compare-table tr[data-row="${id}"] td.num`, (tds) => tds.map((td) => td.getAttribute('data-value')));
/** Runs in the webview: at least n columns analysed and nothing left to do. */
const settled = (n) => {
  const a = document.getElementById('app');
  return Number(a.getAttribute('data-done')) >= n && a.getAttribute('data-busy') === 'false';
};

(async () => {
  const { browser, page } = await open();
  const { check, failures } = checker(page, SHOTS);
  let frame;
  let defaultWidth = 0;
  const added = path.join(WS, 'run_mlp', 'epoch_35.onnx');

  try {
    await check('activity-bar-view-opens', async () => {
      await page.getByRole('treeitem', { name: 'mlp.onnx', exact: true }).waitFor({ timeout: 90000 });
      const tab = page.getByRole('tab', { name: /Theory Lens/ }).first();
      await tab.waitFor({ timeout: 60000 });
      await tab.click();
      frame = await webviewFrame(page, '#app[data-ready="true"] #checkpoints', 120000);
      // widen the side bar (drag its sash) so the comparison has room
      const sb = await page.locator('.part.sidebar').boundingBox();
      if (sb) defaultWidth = sb.width;
      if (sb) {
        await page.mouse.move(sb.x + sb.width + 1, sb.y + sb.height / 2);
        await page.mouse.down();
        await page.mouse.move(sb.x + sb.width + 560, sb.y + sb.height / 2, { steps: 8 });
        await page.mouse.up();
      }
    });

    await check('run-listed-in-epoch-order-and-selected', async () => {
      const items = await frame.$$eval('ol.checkpoints[data-group="run_mlp"] li', (ls) => ls.map((l) => [l.getAttribute('data-label'), l.querySelector('input').checked]));
      const want = ['run_mlp.init', ...RUN];
      if (JSON.stringify(items.map((i) => i[0])) !== JSON.stringify(want)) throw new Error(`listed ${items.map((i) => i[0]).join(', ')}`);
      if (!items.every((i) => i[1])) throw new Error('the run is not selected by default');
      const roots = await frame.$$eval('ol.checkpoints[data-group="."] li input', (xs) => xs.filter((x) => x.checked).length);
      if (roots) throw new Error(`${roots} checkpoints outside the run are selected`);
    });

    await check('all-analysed-with-distances', async () => {
      await frame.waitForFunction(settled, 7, { timeout: 420000 });
      const head = await frame.$$eval('#compare-table thead th button', (b) => b.map((x) => x.textContent));
      if (JSON.stringify(head) !== JSON.stringify(['run_mlp.init', ...RUN])) throw new Error(`columns ${head.join(', ')}`);
    });
    await page.screenshot({ path: `${SHOTS}/09-comparison.png` });

    await check('numbers-equal-cli', async () => {
      // weight-only measures do not depend on the probe: the CLI without data gives the same values
      const e30 = cli('run_mlp/epoch_30.onnx', 'run_mlp.init.onnx');
      const e25 = cli('run_mlp/epoch_25.onnx', 'run_mlp.init.onnx');
      const lps = await rowValues(frame, 'logProdSpec');
      if (Number(lps[6]) !== e30.measures.logProdSpec.value) throw new Error(`logProdSpec of epoch_30: view ${lps[6]} vs CLI ${e30.measures.logProdSpec.value}`);
      if (Number(lps[7]) !== e30.measures.logProdSpec.value - e25.measures.logProdSpec.value) throw new Error(`Δ last ${lps[7]}`);
      const dist = await rowValues(frame, 'stepDistance');
      if (dist[0] !== '') throw new Error(`the first checkpoint has a distance: ${dist[0]}`);
      for (const k of [1, 3, 6]) {
        const prev = k === 1 ? 'run_mlp.init.onnx' : `run_mlp/${RUN[k - 2]}.onnx`;
        const c = cli(`run_mlp/${RUN[k - 1]}.onnx`, prev);
        const want = Math.sqrt(c.measures.froDist.value);
        if (Number(dist[k]) !== want) throw new Error(`‖W_k − W_k−1‖_F of ${RUN[k - 1]}: view ${dist[k]} vs √froDist of the CLI against ${prev} ${want}`);
      }
    });

    await check('trend-charts-draw', async () => {
      const ids = await frame.$$eval('canvas.trend', (c) => c.map((x) => x.id));
      if (ids.length < 3) throw new Error(`${ids.length} trend charts: ${ids.join(', ')}`);
      for (const id of ids) {
        const n = await drawnPixels(frame, `canvas[id="${id}"]`);
        if (n < 500) throw new Error(`only ${n} pixels drawn on ${id}`);
      }
      console.log(`  trends: ${ids.join(', ')}`);
    });

    await check('kendall-tau-against-metrics-csv', async () => {
      await frame.waitForSelector('#tau-table tbody tr', { timeout: 30000 });
      const file = await frame.textContent('#tau code');
      if (!file.endsWith(path.join('run_mlp', 'metrics.csv'))) throw new Error(`metrics from ${file}`);
      const acc = (await rowValues(frame, 'metric:test_acc')).slice(0, 7);
      if (acc[0] !== '') throw new Error('run_mlp.init has a metric value although metrics.csv does not list it');
      const csv = fs.readFileSync(path.join(WS, 'run_mlp', 'metrics.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
      if (JSON.stringify(acc.slice(1).map(Number)) !== JSON.stringify(csv)) throw new Error(`metric row ${acc} vs metrics.csv ${csv}`);
      const rows = await frame.$$eval('#tau-table tbody tr', (trs) => trs.map((r) => [r.getAttribute('data-row'), r.querySelector('td.num[data-value]').getAttribute('data-value'), r.children[3].textContent]));
      if (rows.length < 10) throw new Error(`${rows.length} τ rows`);
      let checked = 0;
      for (const [id, tau, n] of rows.slice(0, 12)) {
        const xs = (await rowValues(frame, id)).slice(1, 7).map((v) => (v === '' ? NaN : Number(v)));
        if (xs.some((v) => Number.isNaN(v))) continue;
        const want = tauB(xs, csv);
        if (Math.abs(Number(tau) - want) > 1e-12 || n !== '6') throw new Error(`τ of ${id}: view ${tau} (n ${n}) vs ${want} (n 6)`);
        checked++;
      }
      if (checked < 5) throw new Error(`only ${checked} τ values could be checked`);
      console.log(`  τ: top ${rows.slice(0, 3).map((r) => `${r[0]} ${Number(r[1]).toFixed(3)}`).join(', ')}; ${checked} recomputed`);
    });
    await frame.$eval('#tau', (e) => e.scrollIntoView()).catch(() => {});
    await page.screenshot({ path: `${SHOTS}/10-comparison-tau.png` });

    await check('table-legible-at-the-default-sidebar-width', async () => {
      // drag the side bar back to the width it opened with: no number may be cut off by the view's edge
      const sb = await page.locator('.part.sidebar').boundingBox();
      await page.mouse.move(sb.x + sb.width + 1, sb.y + sb.height / 2);
      await page.mouse.down();
      await page.mouse.move(sb.x + defaultWidth + 1, sb.y + sb.height / 2, { steps: 8 });
      await page.mouse.up();
      await page.waitForTimeout(800);
      const now = (await page.locator('.part.sidebar').boundingBox()).width;
      if (Math.abs(now - defaultWidth) > 4) throw new Error(`side bar is ${now}px, opened at ${defaultWidth}px`);
      const r = await frame.evaluate(() => {
        const view = document.documentElement.clientWidth;
        const scroll = document.querySelector('#table .scroll');
        const cells = [...document.querySelectorAll('#compare-table td.num')].filter((td) => td.getClientRects().length);
        const cut = cells.filter((td) => td.getBoundingClientRect().right > view + 0.5 || td.scrollWidth > td.clientWidth + 1).map((td) => td.textContent);
        return { view, overflow: scroll.scrollWidth - scroll.clientWidth, cells: cells.length, cut };
      });
      if (r.cells < 50) throw new Error(`only ${r.cells} value cells visible`);
      if (r.overflow > 1 || r.cut.length) throw new Error(`at ${r.view}px the table overflows by ${r.overflow}px; cut cells: ${r.cut.slice(0, 5).join(' | ')}`);
      await frame.$eval('#table', (e) => e.scrollIntoView()).catch(() => {});
      const box = await page.locator('.part.sidebar').boundingBox();
      await page.screenshot({ path: `${SHOTS}/12-comparison-sidebar-width.png`, clip: { x: 0, y: box.y, width: box.x + box.width, height: Math.min(box.height, 720) } });
      console.log(`  side-by-side table at ${r.view}px: ${r.cells} values, none cut`);
    });

    await check('new-checkpoint-during-training-joins', async () => {
      fs.copyFileSync(path.join(WS, 'run_mlp', 'epoch_30.onnx'), added);
      await frame.waitForFunction(() => {
        const ls = [...document.querySelectorAll('ol.checkpoints[data-group="run_mlp"] li')];
        return ls.length === 8 && ls[7].getAttribute('data-label') === 'epoch_35' && ls[7].querySelector('input').checked;
      }, null, { timeout: 60000 });
      await frame.waitForFunction(settled, 8, { timeout: 240000 });
      // a copy of epoch_30: zero distance from it
      const dist = await rowValues(frame, 'stepDistance');
      if (Number(dist[7]) !== 0) throw new Error(`distance epoch_30 → epoch_35 (a copy) is ${dist[7]}`);
    });

    await check('errors-shown-not-blank', async () => {
      // the checkpoint is overwritten with garbage: it fails to analyse and says why; the rest stays
      fs.writeFileSync(added, Buffer.from('not an onnx file'));
      await frame.waitForFunction(() => {
        const li = document.querySelector('ol.checkpoints[data-group="run_mlp"] li[data-label="epoch_35"]');
        return li && li.getAttribute('data-state') === 'error';
      }, null, { timeout: 120000 });
      const msg = await frame.textContent('li[data-label="epoch_35"] .status');
      if (!/epoch_35\.onnx/.test(msg)) throw new Error(`error text does not name the file: ${msg}`);
      const lps = await rowValues(frame, 'logProdSpec');
      if (lps.slice(0, 7).some((v) => v === '')) throw new Error('the other checkpoints lost their numbers');
      console.log(`  error shown: ${msg.trim().slice(0, 120)}`);
    });
    await page.screenshot({ path: `${SHOTS}/11-comparison-error.png` });
  } finally {
    fs.rmSync(added, { force: true });
  }

  await browser.close();
  console.log(failures() ? `compare e2e FAILED (${failures()})` : 'compare e2e OK', t());
  process.exit(failures() ? 1 : 0);
})().catch((e) => {
  fs.rmSync(path.join(WS, 'run_mlp', 'epoch_35.onnx'), { force: true });
  console.error(e);
  process.exit(2);
});
