// The secret-information action in a real browser (issue 5 item 4): Debian's Chromium driven by
// playwright-core, WCAG checks by axe-core. Run by tests/staff_actions_browser.rs with BASE,
// NODE_MODULES, ORG, EMAIL, PASSWORD, AUTHOR (the item's author in the inbox) and AXE_PAGES (JSON
// list of staff paths to check after the flow; /personal/diarium/CASE stands for the first case
// listed on /personal/diarium). Prints one JSON object on stdout.
import { createRequire } from 'node:module';

const require = createRequire(process.env.NODE_MODULES.replace(/\/?$/, '/'));
const { chromium } = require('playwright-core');
const { AxeBuilder } = require('@axe-core/playwright');

const BASE = process.env.BASE;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'],
});
const out = { flow: {}, axe: [] };
const axe = async (page, status = 200) => {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  out.axe.push({
    url: page.url(), status, htmlLang: await page.getAttribute('html', 'lang'),
    violations: r.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5) })),
  });
};
try {
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  // sign in and open the inbox
  await p.goto(`${BASE}/logga-in`);
  await p.fill('#org', process.env.ORG);
  await p.fill('#email', process.env.EMAIL);
  await p.fill('#password', process.env.PASSWORD);
  await p.getByRole('button', { name: 'Logga in' }).click();
  await p.waitForURL(/\/personal/);
  await p.goto(`${BASE}/personal/inkorg`);
  out.flow.inbox_h1 = await p.textContent('h1');
  await p.getByRole('link', { name: process.env.AUTHOR }).first().click();
  await p.waitForURL(/\/personal\/poster\/\d+$/);
  out.flow.record_url = p.url();
  // the secret-information action from the record page
  await p.getByRole('link', { name: 'Sekretessbelagd information' }).click();
  await p.waitForURL(/\/atgard\/secret$/);
  out.flow.action_h1 = await p.textContent('h1');
  await axe(p);
  const submit = async (name) => {
    await p.getByRole('button', { name }).click();
    await p.waitForURL(/klar=/);
  };
  await submit('Spara bevisexemplar (PDF och PNG med kontrollsummor)');
  await submit('Dölj eller ta bort på plattformen');
  await p.fill('#steg-classify input[name=text]', 'Uppgifter om ett ärende hos socialtjänsten');
  await submit('Markera handlingen för sekretessprövning');
  await p.fill('#steg-registrar_note textarea', 'Bör registreras hos socialtjänsten');
  await submit('Meddela registrator');
  out.flow.done = await p.locator('text=✓ Klart').count();
  out.flow.hidden_notice = await p.locator('text=Inlägget är dolt på plattformen').count();
  out.flow.evidence_links = await p.locator('a', { hasText: 'PNG' }).count();
  out.flow.registrar_done = await p.textContent('#steg-registrar_note');
  await axe(p);
  // the evidence PNG opens
  const png = await ctx.request.get(await p.locator('a', { hasText: 'PNG' }).first().getAttribute('href', {}).then(h => BASE + h));
  out.flow.png_type = png.headers()['content-type'];
  // the diary entry, as the registrar sees it
  await p.goto(`${BASE}/personal/diarium?lang=sv`);
  const cases = p.locator('table tbody tr td:first-child a');
  out.flow.diary_numbers = await cases.allTextContents();
  const caseHref = (await cases.count()) > 0 ? await cases.first().getAttribute('href') : '/personal/diarium/0';
  for (const listed of JSON.parse(process.env.AXE_PAGES)) {
    const path = listed.replace('/personal/diarium/CASE', caseHref);
    for (const lang of ['sv', 'en']) {
      const resp = await p.goto(BASE + path + (path.includes('?') ? '&' : '?') + 'lang=' + lang);
      await axe(p, resp.status());
    }
  }
} catch (e) {
  out.error = String(e && e.stack || e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
