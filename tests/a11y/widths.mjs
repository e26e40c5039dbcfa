// Page widths at a phone, a tablet and a desktop (issue #20), run by widths.sh.
// Logs in as every demo user in WIDTHS_USERS (the demo's demo-brugere.txt), opens
// every page of that role's menu (and the login page) at 390, 768 and 1400 px,
// saves a full-page screenshot of each, and fails when the page scrolls sideways:
// document.documentElement.scrollWidth > window.innerWidth. Each page is measured
// as loaded and with every <details> open (figures' data tables, the model card).
// A wide table or chart must scroll inside its own box instead. As demo-ledelse it
// also checks that Overblik's key figures, alerts and report link are above the
// fold at 1366×650.
// Exit code: 0 no page too wide, 1 some page too wide, 2 the check could not run.

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const base = (process.env.WIDTHS_BASE ?? "").replace(/\/$/, "");
const usersFile = process.env.WIDTHS_USERS;
const cpr = process.env.WIDTHS_CPR ?? "";
const shots = process.env.WIDTHS_SHOTS ?? mkdtempSync(join(tmpdir(), "jobcockpit-widths-"));
const executablePath = process.env.A11Y_CHROMIUM ?? "/usr/bin/chromium";
const WIDTHS = [390, 768, 1400];
if (!base || !usersFile) {
  console.error("WIDTHS_BASE and WIDTHS_USERS must be set");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

// "  demo-ledelse   ledelse   <password>" lines; other lines are prose.
const users = readFileSync(usersFile, "utf8")
  .split("\n")
  .map((l) => l.trim().split(/\s+/))
  .filter((f) => f.length >= 3 && f[0].startsWith("demo-"))
  .map((f) => ({ name: f[0], password: f[f.length - 1] }));
if (users.length === 0) {
  console.error(`ingen demo-brugere i ${usersFile}`);
  process.exit(2);
}

const profile = mkdtempSync(join(tmpdir(), "jobcockpit-widths-profile-"));
const args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let tooWide = 0;
let measured = 0;

// Width of the document against the window; the widest element names the culprit.
async function measure(page) {
  return page.evaluate(() => {
    const doc = document.documentElement.scrollWidth;
    const win = window.innerWidth;
    let culprit = "";
    if (doc > win) {
      let widest = 0;
      for (const el of document.querySelectorAll("body *")) {
        const r = el.getBoundingClientRect();
        if (r.right > win && r.right > widest && r.width > 0) {
          widest = r.right;
          culprit = `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : ""}`;
        }
      }
    }
    return { doc, win, culprit };
  });
}

async function checkPage(page, who, path) {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    const response = await page.goto(`${base}${path}`, { waitUntil: "load" });
    const status = response ? response.status() : 0;
    if (status >= 500 || status === 0) {
      console.error(`FEJL ${who} ${path} @${width}: HTTP ${status}`);
      tooWide += 1;
      continue;
    }
    const name = `${who}_${path.replace(/[^a-z0-9-]+/gi, "_")}_${width}.png`;
    await page.screenshot({ path: join(shots, name), fullPage: true });
    for (const open of [false, true]) {
      if (open) await page.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = true)));
      const m = await measure(page);
      measured += 1;
      const state = open ? "alle detaljer åbne" : "som vist";
      if (m.doc > m.win) {
        tooWide += 1;
        console.log(`FEJL ${who} ${path} @${width} (${state}): siden er ${m.doc} px bred i et vindue på ${m.win} px; bredest: ${m.culprit}`);
      } else {
        console.log(`ok   ${who} ${path} @${width} (${state})`);
      }
    }
  }
}

// Overblik answers "how are we doing" above the fold of a 1366×650 laptop screen
// (#20): how recent the data are, the newest report, every key figure with its
// change, and the open alerts (or the sentence that there are none).
async function checkFold(page, who) {
  await page.setViewportSize({ width: 1366, height: 650 });
  await page.goto(`${base}/d/overblik`, { waitUntil: "load" });
  await page.screenshot({ path: join(shots, `${who}_overblik_fold_1366x650.png`) });
  const missing = await page.evaluate(() => {
    const fold = window.innerHeight;
    const out = [];
    const above = (el, what) => {
      if (!el) out.push(`${what} mangler`);
      else if (el.getBoundingClientRect().bottom > fold) out.push(`${what} er under folden (${Math.round(el.getBoundingClientRect().bottom)} px)`);
    };
    above(document.querySelector(".as-of"), "»Data til og med«");
    above(document.querySelector('.as-of a[href^="/rapporter/"]'), "linket til månedens rapport");
    document.querySelectorAll(".kpi").forEach((k) => {
      const name = k.querySelector("h2")?.textContent ?? "nøgletal";
      above(k.querySelector(".kpi-value"), `nøgletallet »${name}«`);
      const changes = k.querySelector(".kpi-changes");
      if (changes) above(changes, `ændringen for »${name}«`);
    });
    const alerts = [...document.querySelectorAll("section.block")].find((s) => s.querySelector("h2")?.textContent === "Åbne advarsler");
    above(alerts?.querySelector("tbody tr, p.empty"), "den første åbne advarsel");
    if (document.querySelector("details.guide")?.open) out.push("læsevejledningen er foldet ud");
    return out;
  });
  measured += 1;
  if (missing.length === 0) console.log(`ok   ${who} /d/overblik @1366×650: alt det vigtige over folden`);
  for (const m of missing) {
    tooWide += 1;
    console.log(`FEJL ${who} /d/overblik @1366×650: ${m}`);
  }
}

let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath, headless: true, args, viewport: { width: 1400, height: 900 }, locale: "da-DK",
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await checkPage(page, "anonym", "/login");
  for (const u of users) {
    await context.clearCookies();
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(`${base}/login`);
    await page.fill("#username", u.name);
    await page.fill("#password", u.password);
    await Promise.all([page.waitForNavigation(), page.click("form.login button[type=submit]")]);
    if (page.url().includes("/login")) throw new Error(`kunne ikke logge ind som ${u.name}`);
    const links = await page.$$eval("header nav a", (as) => as.map((a) => a.getAttribute("href")));
    const paths = [...new Set(links.filter((h) => h && h.startsWith("/")))];
    // A role without pages (the case system's API user) meets its start page only.
    if (paths.length === 0) paths.push(new URL(page.url()).pathname);
    for (const path of paths) await checkPage(page, u.name, path);
    if (u.name === "demo-ledelse") await checkFold(page, u.name);
    // The caseworker's answer to a look-up: the widest page of the look-up.
    if (cpr && paths.includes("/borger")) {
      const form = 'form[action="/borger"]';
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        await page.goto(`${base}/borger`);
        await page.fill(`${form} input[name=cpr]`, cpr);
        const purpose = await page.$eval(`${form} select[name=formaal]`, (s) => [...s.options].map((o) => o.value).find((v) => v));
        await page.selectOption(`${form} select[name=formaal]`, purpose);
        await Promise.all([page.waitForNavigation(), page.click(`${form} button[type=submit]`)]);
        await page.screenshot({ path: join(shots, `${u.name}_borger-svar_${width}.png`), fullPage: true });
        const m = await measure(page);
        measured += 1;
        if (m.doc > m.win) {
          tooWide += 1;
          console.log(`FEJL ${u.name} borger-svar @${width}: siden er ${m.doc} px bred i et vindue på ${m.win} px; bredest: ${m.culprit}`);
        } else console.log(`ok   ${u.name} borger-svar @${width}`);
      }
    }
  }
} catch (e) {
  console.error(`Tjekket kunne ikke køre: ${e.stack ?? e}`);
  process.exitCode = 2;
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}
if (process.exitCode === 2) process.exit(2);
console.log(`${measured} sidetilstande målt ved ${WIDTHS.join(", ")} px; ${tooWide} for brede. Skærmbilleder: ${shots}`);
process.exit(tooWide === 0 ? 0 : 1);
