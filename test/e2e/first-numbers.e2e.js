// How soon the first numbers show, in a real VS Code, measured honestly: the page records its own clock
// from its first moment (performance.timeOrigin: when the webview document was created, when its script
// ran, when each report rendered, in data-timeline and data-render-times) and the host posts its steps
// (command, analysis, the worker's first message, the weight-only report), so nothing depends on when
// this script starts looking. As for a user who opens a workspace and then right-clicks a model, the
// extension is active first (this fresh window's extension host starts well after the page loads). The
// times are printed, not asserted (the machine is shared); the order of the steps is checked. Also takes
// the README's picture of a report streaming in (a forward phase done, the next one running).
const { open, checker, contextMenu, reportFrame, runCommand, until, t } = require('./lib');

const SHOTS = process.env.SHOTS;
const FILE = 'mlp_tanh.onnx';

(async () => {
  const { browser, page } = await open();
  const { check, failures } = checker(page, SHOTS);

  await check('first-numbers-within-seconds-of-the-click', async () => {
    await page.getByRole('treeitem', { name: FILE, exact: true }).waitFor({ timeout: 90000 });
    // the command is listed once the contributions have registered (a few seconds after the workbench)
    await until('Theory Lens: Show Output in the command palette', () => runCommand(page, 'Theory Lens: Show Output').then(() => true, async () => {
      await page.keyboard.press('Escape');
      return false;
    }), 120000);
    await page.locator('.part.panel .view-line', { hasText: 'activated in' }).first().waitFor({ timeout: 180000 });
    await runCommand(page, 'View: Close Panel').catch(() => {});
    // a click on the menu item is sometimes lost while the workbench is busy (the menu stays open with the
    // item focused, no command runs: seen in 2 of 4 cold windows, once 5 times in a row); then Enter on the
    // focused item chooses it, as a keyboard user would. The clock starts at the click or key that closes it.
    const menuClosed = (timeout) => page.getByRole('menuitem', { name: 'Theory Lens: Analyze Checkpoint' }).first().waitFor({ state: 'hidden', timeout }).then(() => true, () => false);
    let clicked = 0;
    for (let i = 0; !clicked; i++) {
      const item = await contextMenu(page, FILE, 'Theory Lens: Analyze Checkpoint');
      await item.hover().catch(() => {});
      let at = Date.now();
      await item.click();
      if (await menuClosed(3000)) clicked = at;
      else {
        console.log('  (the menu stayed open after the click: Enter on the focused item)');
        at = Date.now();
        await page.keyboard.press('Enter');
        if (await menuClosed(3000)) clicked = at;
        else if (i >= 4) throw new Error('the context menu did not close on "Theory Lens: Analyze Checkpoint" in 5 tries (click, then Enter)');
        else await page.keyboard.press('Escape');
      }
    }
    const frame = await reportFrame(page, FILE, '#app', 300000);
    const streaming = await frame.waitForSelector('#app[data-ready="partial"] #phases li[data-state="done"]:not([data-phase="weights"]) ~ li[data-state="running"]', { timeout: 300000 }).then(() => true, () => false);
    if (streaming) await page.screenshot({ path: `${SHOTS}/20-streamed-report.png`, clip: await page.locator('.part.editor').boundingBox() });
    else console.log('  (the report was final before a streamed state could be photographed)');
    await frame.waitForSelector('#app[data-ready="true"] #measures', { timeout: 420000 });
    const tl = JSON.parse(await frame.getAttribute('#app', 'data-timeline'));
    const times = (await frame.getAttribute('#app', 'data-render-times')).split(' ').map(Number);
    const renders = (await frame.getAttribute('#app', 'data-renders')).split(' ');
    const s = (v) => (v === undefined ? '—' : ((v - clicked) / 1000).toFixed(2));
    const firstForward = renders.findIndex((x) => x !== renders[0]);
    console.log(`  first numbers ${s(times[0])} s after the click; first forward-pass number ${s(times[firstForward])} s; final report ${s(times[times.length - 1])} s ` +
      `(clicked ${((clicked - tl.activated) / 1000).toFixed(1)} s after the extension activated)`);
    console.log(`  where the time went (s after the click): command ${s(tl.asked)}, analysis ${s(tl.analysis)}, worker's first message ${s(tl.progress)}, ` +
      `weight-only report posted ${s(tl.numbers)}; webview document ${s(tl.document)}, its script ${s(tl.script)}, ready ${s(tl.ready)}, first render ${s(times[0])}`);
    console.log(`  renders: ${renders.map((x, i) => `${x}@${s(times[i])}`).join(' → ')}`);
    for (const k of ['activated', 'asked', 'panel', 'ready', 'analysis', 'progress', 'numbers', 'final', 'document', 'script']) {
      if (typeof tl[k] !== 'number') throw new Error(`no ${k} in the timeline: ${JSON.stringify(tl)}`);
    }
    // the host's steps in order, the page's too, and the renders after the click in order
    const inOrder = (ks) => ks.every((k, i) => !i || tl[k] >= tl[ks[i - 1]]);
    if (!inOrder(['asked', 'panel', 'analysis', 'progress', 'numbers', 'final'])) throw new Error(`host steps out of order: ${JSON.stringify(tl)}`);
    if (!inOrder(['document', 'script']) || !(tl.ready >= tl.script - 50)) throw new Error(`page steps out of order: ${JSON.stringify(tl)}`);
    if (times.length !== renders.length || times.some((v, i) => !(v >= clicked) || (i && v < times[i - 1]))) throw new Error(`render times: ${times.join(' ')} (click ${clicked})`);
    if (!renders[0].startsWith('partial:')) throw new Error(`the first render is ${renders[0]}, not the weight-only report`);
    if (renders.filter((x) => x === 'final').length !== 1) throw new Error(`the final report rendered ${renders.filter((x) => x === 'final').length} times`);
  });

  await runCommand(page, 'View: Close All Editors').catch(() => {});
  await browser.close();
  console.log(failures() ? `first-numbers e2e FAILED (${failures()})` : 'first-numbers e2e OK', t());
  process.exit(failures() ? 1 : 0);
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
