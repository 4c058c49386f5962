// Opening ../shared/fixtures/fmnist/train.py shows a CodeLens on its export lines (the headline numbers
// of the checkpoints they write) and layer hints on its nn.Linear lines matched by module path.
const { open, checker, chooseFromContextMenu, webviewFrame, t } = require('./lib');

const SHOTS = process.env.SHOTS;

(async () => {
  const { browser, page } = await open();
  const { check, failures } = checker(page, SHOTS);

  await check('analyse-mlp-first', async () => {
    await page.getByRole('treeitem', { name: 'mlp.onnx', exact: true }).waitFor({ timeout: 90000 });
    await chooseFromContextMenu(page, 'mlp.onnx', 'Theory Lens: Analyze Checkpoint');
    await webviewFrame(page, 'main[data-ready="true"] #measures', 240000);
  });

  await check('codelens-on-export-lines', async () => {
    await page.getByRole('treeitem', { name: 'train.py', exact: true }).dblclick();
    // CodeLenses render for visible lines only: the export lines are at the end of the script
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+End');
    const lens = page.locator('.monaco-editor .codelens-decoration', { hasText: /θ .*(α̂|‖W‖₂)/ });
    await lens.first().waitFor({ timeout: 180000 });
    const texts = await page.locator('.monaco-editor .codelens-decoration').allInnerTexts();
    console.log('  lenses:', texts.map((x) => x.replace(/\s+/g, ' ').trim()).filter(Boolean).join(' || ').slice(0, 400));
  });
  await page.screenshot({ path: `${SHOTS}/07-codelens.png` });

  await check('layer-hints-on-nn-linear-lines', async () => {
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('Control+G');
    await page.keyboard.type('27');
    await page.keyboard.press('Enter');
    const deadline = Date.now() + 120000;
    let found = [];
    while (Date.now() < deadline) {
      found = await page.$$eval('.monaco-editor .view-lines *', (els) => {
        const out = [];
        for (const e of els) {
          const own = [...e.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('');
          const before = getComputedStyle(e, '::before').content;
          const after = getComputedStyle(e, '::after').content;
          for (const s of [own, before, after]) if (s && s.includes('‖W‖₂')) out.push(s);
        }
        return out;
      });
      if (found.length >= 2) break;
      await page.waitForTimeout(1000);
    }
    if (found.length < 2) throw new Error(`expected hints on the layers and head lines, found ${JSON.stringify(found)}`);
    console.log('  hints:', found.slice(0, 3).join(' || ').slice(0, 300));
  });
  await page.screenshot({ path: `${SHOTS}/08-layer-hints.png` });

  await browser.close();
  console.log(failures() ? `hints e2e FAILED (${failures()})` : 'hints e2e OK', t());
  process.exit(failures() ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(2); });
