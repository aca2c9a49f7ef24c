// Drives Herald's web view in Debian's chromium (puppeteer-core, no browser download): signs
// in with the admin token, reads the services grid, searches it, opens a deploy's deliveries,
// replays a dead letter, and saves a screenshot of each view.
//
// usage: node check-ui.mjs ADMIN_URL TOKEN SCREENSHOT_DIR FAILING_SERVICE DEAD_JOB_ID
// Exits non-zero, naming the step, when anything is missing or the page logs an error.
import puppeteer from "puppeteer-core";

const [adminUrl, token, shotDir, service, jobId] = process.argv.slice(2);
if (!jobId) {
  console.error("usage: node check-ui.mjs ADMIN_URL TOKEN SCREENSHOT_DIR FAILING_SERVICE DEAD_JOB_ID");
  process.exit(2);
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
});
let step = "open the page";
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(15000);
  await page.setViewport({ width: 1100, height: 640 });
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("response", (r) => r.status() >= 400 && problems.push(`${r.url()} answered ${r.status()}`));

  await page.goto(adminUrl + "/ui/");
  step = "sign in";
  await page.waitForSelector("#token", { visible: true });
  await page.type("#token", token);
  await page.click("#token-form button");

  step = "see the failing service in the grid";
  const cell = `#grid tr[data-service="${service}"]`;
  await page.waitForSelector(`${cell} .st-failed`);
  const since = await page.$eval(`${cell} .since`, (e) => e.textContent);
  if (!since.startsWith("failing for")) throw new Error(`failing-since reads '${since}'`);
  await page.screenshot({ path: `${shotDir}/web-view-services.png` });

  step = "search the grid";
  await page.type("#service-search", service);
  await page.click("#services-search button");
  await page.waitForFunction((s) => {
    const rows = document.querySelectorAll("#grid tbody tr[data-service]");
    return rows.length === 1 && rows[0].dataset.service === s;
  }, {}, service);

  step = "open a deploy's deliveries";
  await page.click('nav a[data-tab="deploys"]');
  await page.waitForSelector("#deploys-table tr[data-event]");
  await page.click("#deploys-table tr[data-event]");
  await page.waitForSelector("#event-detail tr[data-job]");
  await page.screenshot({ path: `${shotDir}/web-view-deploys.png` });

  step = "replay the dead letter";
  await page.click('nav a[data-tab="dlq"]');
  const button = `button[data-replay="${jobId}"]`;
  await page.waitForSelector(button);
  await page.screenshot({ path: `${shotDir}/web-view-dead-letters.png` });
  await page.click(button);
  await page.waitForFunction((b) => document.querySelector(b)?.textContent === "Replayed", {}, button);

  if (problems.length) throw new Error("the page reported errors: " + problems.join("; "));
  console.log(`web view: signed in, grid with ${service} failing (${since}), search, deliveries, job ${jobId} replayed`);
} catch (error) {
  console.error(`web view check failed at '${step}': ${error.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
