// Shared helpers for the end-to-end specs (plain JS for playwright-core + Debian chromium).
const { chromium } = require('playwright-core');

const T0 = Date.now();
const t = () => ((Date.now() - T0) / 1000).toFixed(1) + 's';

async function open() {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({ viewport: { width: 1500, height: 950 }, permissions: ['clipboard-read', 'clipboard-write'] });
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  // the first load compiles the workbench on a busy machine: give it time
  await page.goto(process.env.CS_URL, { timeout: 180000 });
  await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
  return { browser, page, dialogs };
}

/** Runs named checks; a failure takes a screenshot and is reported, the others still run. */
function checker(page, shots) {
  let failures = 0;
  const check = async (name, fn) => {
    try {
      await fn();
      console.log(`PASS ${name} (${t()})`);
    } catch (e) {
      failures++;
      console.log(`FAIL ${name}: ${String(e && e.message || e).split('\n').slice(0, 3).join(' | ')}`);
      await page.screenshot({ path: `${shots}/fail-${name}.png` }).catch(() => {});
    }
  };
  return { check, failures: () => failures };
}

/** Right-clicks an explorer item until `menuItem` shows (contributions register a few seconds late). */
async function contextMenu(page, treeItem, menuItem) {
  const item = page.getByRole('menuitem', { name: menuItem });
  for (let i = 0; ; i++) {
    await page.getByRole('treeitem', { name: treeItem, exact: true }).first().click({ button: 'right' });
    try {
      await item.first().waitFor({ timeout: 2000 });
      return item.first();
    } catch (e) {
      await page.keyboard.press('Escape');
      if (i > 40) throw e;
    }
  }
}

/** Right-clicks `treeItem` and chooses `menuItem`, retrying until the menu has closed on the choice. */
async function chooseFromContextMenu(page, treeItem, menuItem) {
  for (let i = 0; i < 5; i++) {
    const item = await contextMenu(page, treeItem, menuItem);
    await item.hover().catch(() => {});
    await item.click({ timeout: 5000 }).catch(() => {});
    try {
      await page.getByRole('menuitem', { name: menuItem }).first().waitFor({ state: 'hidden', timeout: 3000 });
      return;
    } catch {
      await page.keyboard.press('Enter').catch(() => {});
      try {
        await page.getByRole('menuitem', { name: menuItem }).first().waitFor({ state: 'hidden', timeout: 2000 });
        return;
      } catch {
        await page.keyboard.press('Escape');
      }
    }
  }
  throw new Error(`could not choose ${menuItem} on ${treeItem}`);
}

/** Expands an explorer folder. */
async function expand(page, folder) {
  const item = page.getByRole('treeitem', { name: folder, exact: true }).first();
  await item.waitFor({ timeout: 60000 });
  if ((await item.getAttribute('aria-expanded')) !== 'true') await item.click();
}

/** The inner frame of a webview whose document has `selector`, polling until it appears. */
async function webviewFrame(page, selector, timeout = 120000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    for (const f of page.frames()) {
      try {
        if (await f.$(selector)) return f;
      } catch { /* detached */ }
    }
    await page.waitForTimeout(500);
  }
  throw new Error(`no webview frame with ${selector}`);
}

/** The report webview frame showing `fileName` whose document matches `selector`. */
async function reportFrame(page, fileName, selector = 'main[data-ready="true"]', timeout = 240000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    for (const f of page.frames()) {
      try {
        const name = await f.$eval('#file-name', (e) => e.textContent).catch(() => null);
        if (name === fileName && (await f.$(selector))) return f;
      } catch { /* detached */ }
    }
    await page.waitForTimeout(400);
  }
  throw new Error(`no report frame for ${fileName} with ${selector}`);
}

/** Non-transparent pixels drawn on a canvas in a frame. */
async function drawnPixels(frame, canvasSelector) {
  return frame.$eval(canvasSelector, (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
}

/**
 * Runs a command from the command palette, opened through the title bar's command center (F1 does not
 * reach the workbench while a webview has focus); the first match of `title` runs.
 */
async function runCommand(page, title) {
  const input = page.locator('.quick-input-widget input');
  for (let i = 0; i < 3; i++) {
    const center = page.locator('.command-center-center').first();
    if (await center.isVisible().catch(() => false)) await center.click();
    else await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 5000 });
      break;
    } catch (e) {
      if (i === 2) throw e;
      await page.keyboard.press('Escape');
    }
  }
  await input.fill(`>${title}`);
  await pickOption(page, title);
}

/** Clicks the quick-pick row whose label is `label` (not merely the first match: recently used rank first). */
async function pickOption(page, label) {
  const esc = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const row = page.locator('.quick-input-list').getByRole('option', { name: new RegExp(`^${esc}(,|$| )`) }).first();
  await row.waitFor({ timeout: 10000 });
  await row.click();
}

/** Goes to line `n` of the active editor (Ctrl+G) and lets it render. */
async function gotoLine(page, n) {
  await page.locator('.monaco-editor textarea').first().focus().catch(() => {});
  await page.keyboard.press('Control+G');
  await page.keyboard.type(String(n));
  await page.keyboard.press('Enter');
  await page.waitForTimeout(800);
}

/** Text of the rendered editor lines that contain `code` (inlay hints are part of them). */
async function lineText(page, code) {
  return page.$$eval('.monaco-editor .view-line', (els, c) => els.map((e) => e.textContent.replace(/\u00a0/g, ' ')).filter((x) => x.includes(c)), code);
}

/** Polls `fn` every second until it returns something truthy; fails after `timeout` ms naming `what`. */
async function until(what, fn, timeout) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out waiting for ${what}${last === undefined ? '' : ` (last: ${JSON.stringify(last)})`}`);
}

module.exports = { open, checker, contextMenu, chooseFromContextMenu, expand, webviewFrame, reportFrame, drawnPixels, runCommand, pickOption, gotoLine, lineText, until, t };
