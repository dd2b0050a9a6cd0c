// The portal in a real browser (issue 6): Debian's Chromium driven by playwright-core, WCAG checks
// by axe-core. Run by tests/portal_browser.rs with BASE (the server), PAGES (JSON list of paths to
// check with axe) and NODE_MODULES (where playwright-core and @axe-core/playwright are installed).
// Prints one JSON object on stdout; the Rust test asserts on it.
import { createRequire } from 'node:module';

const require = createRequire(process.env.NODE_MODULES.replace(/\/?$/, '/'));
const { chromium } = require('playwright-core');
const { AxeBuilder } = require('@axe-core/playwright');

const BASE = process.env.BASE;
const PAGES = JSON.parse(process.env.PAGES);
const SLUG = process.env.SLUG;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'],
});
const out = { axe: [], flow: {}, keyboard: {}, mobile: [] };
try {
  // 1. axe on every page, Swedish and English
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  for (const path of PAGES) {
    for (const lang of ['sv', 'en']) {
      const url = BASE + path + (path.includes('?') ? '&' : '?') + 'lang=' + lang;
      const resp = await page.goto(url);
      const result = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
        .analyze();
      out.axe.push({
        url, status: resp.status(), htmlLang: await page.getAttribute('html', 'lang'),
        violations: result.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5) })),
      });
    }
  }
  // 2. the flow without JavaScript: search, open a record, print view, the request link
  const nojs = await browser.newContext({ javaScriptEnabled: false });
  const p = await nojs.newPage();
  await p.goto(`${BASE}/org/${SLUG}`);
  await p.getByRole('link', { name: 'Sök i handlingar' }).first().click();
  await p.fill('#q', 'badhuset');
  await p.getByRole('button', { name: 'Sök' }).click();
  await p.waitForURL(/\/sok\?/);
  out.flow.search_url = p.url();
  out.flow.results = await p.locator('ol.hits > li').count();
  await p.locator('ol.hits > li h3 a').first().click();
  await p.waitForURL(/\/handling\/\d+$/);
  out.flow.record_url = p.url();
  out.flow.record_h1 = await p.textContent('h1');
  await p.getByRole('link', { name: 'Utskriftsvänlig version' }).click();
  await p.waitForURL(/\/utskrift$/);
  out.flow.print_url = p.url();
  out.flow.print_media_hides_nav = await (async () => {
    await p.emulateMedia({ media: 'print' });
    const hidden = await p.locator('.screen-only').first().isHidden();
    await p.emulateMedia({ media: 'screen' });
    return hidden;
  })();
  await p.goBack();
  await p.getByRole('link', { name: 'Begär ut den här handlingen' }).click();
  await p.waitForURL(/\/begaran\?handling=\d+/);
  out.flow.request_url = p.url();
  // the other language's link on the record page
  await p.goto(out.flow.record_url);
  await p.getByRole('link', { name: 'English' }).click();
  out.flow.english_h1 = await p.textContent('h1');
  // 3. keyboard only: tab through the search page with results and the register page
  const kb = await ctx.newPage();
  for (const [name, path] of [['search', `/org/${SLUG}/sok?q=badhuset`], ['register', `/org/${SLUG}`], ['record', new URL(out.flow.record_url).pathname]]) {
    await kb.goto(BASE + path);
    const reached = [];
    for (let i = 0; i < 120; i++) {
      await kb.keyboard.press('Tab');
      const info = await kb.evaluate(() => {
        const e = document.activeElement;
        if (!e || e === document.body) return null;
        const r = e.getBoundingClientRect();
        const style = getComputedStyle(e);
        return { tag: e.tagName.toLowerCase(), id: e.id || '', href: e.getAttribute('href') || '',
                 text: (e.textContent || '').trim().slice(0, 60),
                 visible: r.width > 0 && r.height > 0,
                 outline: style.outlineStyle !== 'none' && style.outlineWidth !== '0px' };
      });
      if (!info) break;
      if (reached.length && reached[0].tag === info.tag && reached[0].href === info.href && reached[0].id === info.id) break;
      reached.push(info);
    }
    out.keyboard[name] = reached;
  }
  // 4. a phone: nothing wider than the screen
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true });
  const ph = await phone.newPage();
  for (const path of PAGES) {
    await ph.goto(BASE + path);
    const w = await ph.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    out.mobile.push({ path, scrollWidth: w[0], innerWidth: w[1] });
  }
} catch (e) {
  out.error = String(e && e.stack || e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
