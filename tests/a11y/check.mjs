// Accessibility check of every cockpit page with axe-core, in Debian's headless
// Chromium driven by playwright-core. Run by tests/a11y/run.sh (which builds a small
// demo store and serves it); can also be pointed at any running cockpit:
//
//   A11Y_BASE=http://127.0.0.1:8080 A11Y_USER=demo-ledelse A11Y_PASSWORD=... node check.mjs
//
// It logs in, follows every page in the menu, and checks each page twice: as loaded
// (figures' data tables folded away) and with every <details> opened, so the data
// tables and the model card are checked too. The login and "page not found" pages
// are checked as well. WCAG 2.0/2.1 A and AA rules plus axe's best practices; any
// violation fails the run. A11Y_SHOTS=<dir> also saves a full-page screenshot of
// each page. Exit code: 0 no violations, 1 violations, 2 the check could not run.

import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const base = (process.env.A11Y_BASE ?? "").replace(/\/$/, "");
const user = process.env.A11Y_USER;
const password = process.env.A11Y_PASSWORD;
const shots = process.env.A11Y_SHOTS;
const executablePath = process.env.A11Y_CHROMIUM ?? "/usr/bin/chromium";
if (!base || !user || !password) {
  console.error("A11Y_BASE, A11Y_USER and A11Y_PASSWORD must be set");
  process.exit(2);
}

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

// The flags the project's CI uses for Chromium: no sandbox (containers), no GPU, and
// no network traffic of its own (updates, sync, QUIC); a fresh profile every run.
const profile = mkdtempSync(join(tmpdir(), "jobcockpit-a11y-"));
const args = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function axe(page) {
  // The cockpit's Content-Security-Policy forbids scripts; the context bypasses it
  // for axe alone (see bypassCSP below), the pages themselves run none.
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    const result = await window.axe.run(document, {
      runOnly: { type: "tag", values: tags },
      resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
      count: v.nodes.length,
    }));
  }, TAGS);
}

let failures = 0;
let checked = 0;

async function check(page, name, url, { expectStatus = 200, openDetails = true } = {}) {
  const response = await page.goto(url, { waitUntil: "load" });
  await checkLoaded(page, name, response, { expectStatus, openDetails });
}

// Checks the page as it stands after `response` (a navigation or a form's answer).
async function checkLoaded(page, name, response, { expectStatus = 200, openDetails = true } = {}) {
  const status = response ? response.status() : 0;
  if (status !== expectStatus) {
    console.error(`FEJL ${name}: HTTP ${status}, ventede ${expectStatus} (${page.url()})`);
    failures += 1;
    return;
  }
  const states = [["som vist", false]];
  if (openDetails && (await page.locator("details").count()) > 0) states.push(["alle detaljer åbne", true]);
  if (shots) {
    // As a reader first sees it: figures' data tables folded away.
    mkdirSync(shots, { recursive: true });
    const file = join(shots, `${name.replace(/[^a-z0-9-]+/gi, "_")}.png`);
    await page.screenshot({ path: file, fullPage: true });
  }
  for (const [label, open] of states) {
    if (open) {
      await page.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = true)));
    }
    const violations = await axe(page);
    checked += 1;
    if (violations.length === 0) {
      console.log(`ok   ${name} (${label})`);
    } else {
      failures += violations.length;
      console.log(`FEJL ${name} (${label}): ${violations.length} regelbrud`);
      for (const v of violations) {
        console.log(`  - ${v.id} [${v.impact}] ${v.help}: ${v.count} element(er)`);
        for (const n of v.nodes) console.log(`      ${n.target}\n        ${n.summary.replace(/\n/g, "\n        ")}`);
      }
    }
  }
}

// Logs in through the form, as a person would.
async function logIn(page, name, secret) {
  await page.goto(`${base}/login`);
  await page.fill("#username", name);
  await page.fill("#password", secret);
  await Promise.all([page.waitForNavigation(), page.click("form.login button[type=submit]")]);
  if (page.url().includes("/login")) {
    const why = await page.locator("#login-error, .alert, h1").first().textContent().catch(() => "");
    throw new Error(`kunne ikke logge ind som ${name} (${page.url()}): ${why}`);
  }
}

// Submits the form that `selector` finds and returns the answer's response.
async function submit(page, selector) {
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: "load" }),
    page.click(`${selector} button[type=submit]`),
  ]);
  return response;
}

let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args,
    bypassCSP: true,
    viewport: { width: 1280, height: 900 },
    locale: "da-DK",
  });
  const page = context.pages()[0] ?? (await context.newPage());

  await check(page, "login", `${base}/login`, { openDetails: false });
  await logIn(page, user, password);

  // Every page in the menu (the dashboards this role may open, and other links).
  const links = await page.$$eval("header nav a", (as) => as.map((a) => a.getAttribute("href")));
  const pages = [...new Set(links.filter((h) => h && h.startsWith("/")))];
  if (!pages.some((p) => p.startsWith("/d/"))) {
    throw new Error("menuen har ingen sider: forkert bruger?");
  }
  // The accountability documents (#16) are in management's menu; checked with the rest.
  if (!pages.includes("/dokumentation")) {
    throw new Error("menuen mangler /dokumentation (issue #16)");
  }
  for (const path of pages) await check(page, path.replace(/^\//, "").replace(/\//g, "-"), `${base}${path}`);
  await check(page, "ikke-fundet", `${base}/d/findes-ikke`, { expectStatus: 404, openDetails: false });

  // The administrator's pages (users, the audit log and its older pages), which no
  // other role sees. A11Y_ADMIN and A11Y_ADMIN_PASSWORD switch it on; run.sh sets them.
  const admin = process.env.A11Y_ADMIN;
  if (admin) {
    await context.clearCookies();
    await logIn(page, admin, process.env.A11Y_ADMIN_PASSWORD ?? "");
    const adminLinks = await page.$$eval("header nav a", (as) => as.map((a) => a.getAttribute("href")));
    const adminPages = [...new Set(adminLinks.filter((h) => h && h.startsWith("/admin")))];
    if (adminPages.length === 0) throw new Error("administratorens menu har ingen sider");
    for (const path of adminPages) await check(page, path.replace(/^\//, "").replace(/\//g, "-"), `${base}${path}`);
    await check(page, "admin-revision-aeldre", `${base}/admin/revision?foer=5`);
  }

  // The caseworker's look-up (#14): the form, a citizen's answer with the judgement
  // form, the answer to an invalid number, and the receipt of a judgement.
  // A11Y_CASEWORKER, A11Y_CASEWORKER_PASSWORD and A11Y_CPR (a synthetic citizen
  // with a score, printed by the demo) switch it on; run.sh sets them.
  const caseworker = process.env.A11Y_CASEWORKER;
  if (caseworker) {
    await context.clearCookies();
    await logIn(page, caseworker, process.env.A11Y_CASEWORKER_PASSWORD ?? "");
    const form = 'form[action="/borger"]';
    const pickPurpose = async () => {
      const value = await page.$eval(`${form} select[name=formaal]`, (s) =>
        [...s.options].map((o) => o.value).find((v) => v),
      );
      await page.selectOption(`${form} select[name=formaal]`, value);
    };
    await check(page, "borger", `${base}/borger`, { openDetails: false });
    await page.fill(`${form} input[name=cpr]`, "311399-1234");
    await pickPurpose();
    await checkLoaded(page, "borger-ugyldigt-nummer", await submit(page, form), { expectStatus: 400 });
    await page.goto(`${base}/borger`);
    await page.fill(`${form} input[name=cpr]`, process.env.A11Y_CPR ?? "");
    await pickPurpose();
    await checkLoaded(page, "borger-svar", await submit(page, form));
    const judgement = 'form[action="/borger/vurdering"]';
    if ((await page.locator(judgement).count()) === 0) {
      throw new Error("svaret på opslaget har ingen vurderingsformular: er A11Y_CPR en borger med score?");
    }
    await page.check(`${judgement} input[name=egen_vurdering] >> nth=0`);
    await page.check(`${judgement} input[name=enighed] >> nth=0`);
    const reason = await page.$eval(`${judgement} select[name=begrundelse]`, (s) =>
      [...s.options].map((o) => o.value).find((v) => v),
    );
    await page.selectOption(`${judgement} select[name=begrundelse]`, reason);
    await checkLoaded(page, "borger-vurdering-gemt", await submit(page, judgement), { openDetails: false });
  }

  // The citizen's insight export for the role `jura` (#15): the form, and the
  // answer to an invalid number (a valid one answers with a file, not a page).
  // A11Y_JURA and A11Y_JURA_PASSWORD switch it on; run.sh sets them.
  const jura = process.env.A11Y_JURA;
  if (jura) {
    await context.clearCookies();
    await logIn(page, jura, process.env.A11Y_JURA_PASSWORD ?? "");
    const form = 'form[action="/jura/indsigt"]';
    // The documents first: the invalid-number check below fills the insight form,
    // so the insight page must be the one open when it starts.
    await check(page, "jura-dokumentation", `${base}/dokumentation`, { openDetails: false });
    await check(page, "jura-indsigt", `${base}/jura/indsigt`, { openDetails: false });
    await page.fill(`${form} input[name=cpr]`, "311399-1234");
    await checkLoaded(page, "jura-indsigt-ugyldigt-nummer", await submit(page, form), { expectStatus: 400 });
  }
} catch (e) {
  console.error(`Tjekket kunne ikke køre: ${e.stack ?? e}`);
  process.exitCode = 2;
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}
if (process.exitCode === 2) process.exit(2);

console.log(`${checked} sidetilstande tjekket med axe-core (${TAGS.join(", ")}); ${failures} regelbrud.`);
process.exit(failures === 0 ? 0 : 1);
