// Draws previews of Herald's default messages for the docs from the requests its golden tests
// render (tests/plugins/*/golden/): Teams cards with Microsoft's Adaptive Cards renderer (npm
// `adaptivecards`), Slack Block Kit with a close look-alike of Slack's layout, PagerDuty as the
// incident's summary and details, the webhook as its signed JSON request. Chromium takes the
// screenshots (puppeteer-core, Debian's chromium).
//
// usage: node render-messages.mjs GOLDEN_ROOT OUTPUT_DIR
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import puppeteer from "puppeteer-core";

const [goldenRoot, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error("usage: node render-messages.mjs GOLDEN_ROOT OUTPUT_DIR");
  process.exit(2);
}
const require = createRequire(import.meta.url);
const golden = (folder, name) => JSON.parse(readFileSync(`${goldenRoot}/${folder}/golden/${name}.json`, "utf8"));

const PAGE_STYLE = `
  body { margin: 0; padding: 16px; background: #fff; font: 15px/1.46 "Lato", "Helvetica Neue", Arial, sans-serif; color: #1d1c1d; }
  #root { width: 640px; }
  .who { display: flex; gap: 8px; align-items: baseline; }
  .avatar { width: 36px; height: 36px; border-radius: 6px; background: #3b5bdb; color: #fff; font-weight: 700;
            display: flex; align-items: center; justify-content: center; float: left; margin-right: 8px; }
  .name { font-weight: 900; } .app { background: #e8e8e8; color: #616061; font-size: 10px; padding: 1px 3px; border-radius: 2px; }
  .time { color: #616061; font-size: 12px; }
  .msg { margin-left: 44px; }
  .header { font-size: 18px; font-weight: 900; margin: 4px 0; }
  .section { margin: 6px 0; white-space: pre-wrap; }
  .fields { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 16px; margin: 8px 0; }
  .field { white-space: pre-wrap; }
  .context { color: #616061; font-size: 13px; margin: 6px 0; }
  .actions { display: flex; gap: 8px; margin: 8px 0; }
  .btn { border: 1px solid #ddd; border-radius: 4px; padding: 3px 12px; font-weight: 700; font-size: 14px; }
  .btn.danger { color: #e01e5a; }
  .mention { background: #e8f5fa; color: #1264a3; border-radius: 3px; padding: 0 2px; }
  a { color: #1264a3; text-decoration: none; }
  pre { background: #f8f8f8; border: 1px solid #ddd; border-radius: 4px; padding: 8px; margin: 4px 0; white-space: pre-wrap;
        font: 12px/1.5 Monaco, Menlo, Consolas, monospace; }
  .pd { border: 1px solid #d7d7d7; border-radius: 6px; overflow: hidden; }
  .pd-head { padding: 12px 16px; color: #fff; font-weight: 700; }
  .pd-body { padding: 12px 16px; } .pd-body table { border-collapse: collapse; font-size: 13px; }
  .pd-body td { padding: 3px 12px 3px 0; vertical-align: top; } .pd-body td:first-child { color: #666; }
`;

async function shoot(browser, file, render, data, extraScript) {
  const page = await browser.newPage();
  await page.setViewport({ width: 680, height: 200, deviceScaleFactor: 1 });
  await page.setContent(`<!doctype html><html><head><meta charset="utf-8"><style>${PAGE_STYLE}</style></head><body><div id="root"></div></body></html>`);
  if (extraScript) await page.addScriptTag({ path: extraScript });
  await page.evaluate(render, data);
  const root = await page.$("#root");
  await root.screenshot({ path: `${outDir}/${file}` });
  await page.close();
  console.log(`${outDir}/${file}`);
}

// Slack mrkdwn to HTML for the preview: entities stay entities; links, mentions, emoji, bold,
// italics and code blocks are drawn as Slack draws them.
function renderSlack(body) {
  // Drawn as coloured dots: the machine that draws the previews need not have an emoji font.
  const dot = (color) => `<span style="display:inline-block;width:14px;height:14px;border-radius:7px;background:${color};vertical-align:-2px"></span>`;
  const emoji = { ":red_circle:": dot("#dd2e44"), ":white_check_mark:": dot("#77b255"), ":large_green_circle:": dot("#78b159"),
                  ":arrow_forward:": dot("#3b88c3"), ":white_circle:": dot("#ccd6dd"), ":grey_question:": dot("#99aab5") };
  const mrkdwn = (text) => {
    let html = text.replace(/<(?![!@]|https?:)/g, "&lt;").replace(/\u200b/g, "");
    html = html.replace(/```([\s\S]*?)```/g, (_, code) => `<pre>${code}</pre>`);
    html = html.replace(/<(https?:[^|>]+)\|([^>]+)>/g, '<a href="$1">$2</a>');
    html = html.replace(/<!subteam\^[A-Z0-9]+>/g, '<span class="mention">@on-call group</span>');
    html = html.replace(/<@([A-Z0-9]+)>/g, '<span class="mention">@$1</span>');
    html = html.replace(/<!(here|channel)>/g, '<span class="mention">@$1</span>');
    html = html.replace(/(^|[\s(])\*([^*\n]+)\*/g, "$1<b>$2</b>").replace(/(^|[\s(])_([^_\n]+)_/g, "$1<i>$2</i>");
    return html.replace(/:[a-z_]+:/g, (code) => emoji[code] || code);
  };
  const root = document.getElementById("root");
  root.innerHTML = `<div class="avatar">H</div><div class="who"><span class="name">Herald</span><span class="app">APP</span>
    <span class="time">10:48 AM</span></div><div class="msg"></div>`;
  const msg = root.querySelector(".msg");
  for (const block of body.blocks) {
    const div = document.createElement("div");
    if (block.type === "header") {
      div.className = "header";
      div.textContent = block.text.text;
    } else if (block.type === "section" && block.fields) {
      div.className = "fields";
      for (const f of block.fields) {
        const cell = document.createElement("div");
        cell.className = "field";
        cell.innerHTML = mrkdwn(f.text);
        div.append(cell);
      }
    } else if (block.type === "section") {
      div.className = "section";
      div.innerHTML = mrkdwn(block.text.text);
    } else if (block.type === "context") {
      div.className = "context";
      div.innerHTML = block.elements.map((e) => mrkdwn(e.text)).join(" ");
    } else if (block.type === "actions") {
      div.className = "actions";
      for (const b of block.elements) {
        const button = document.createElement("span");
        button.className = "btn" + (b.style === "danger" ? " danger" : "");
        button.textContent = b.text.text;
        div.append(button);
      }
    }
    msg.append(div);
  }
}

function renderTeams(body) {
  const card = new AdaptiveCards.AdaptiveCard();
  card.parse(body.attachments[0].content);
  document.getElementById("root").append(card.render());
}

function renderPagerDuty(body) {
  const p = body.payload;
  const colors = { critical: "#c5221f", error: "#e8710a", warning: "#f9ab00", info: "#1a73e8" };
  const root = document.getElementById("root");
  const box = document.createElement("div");
  box.className = "pd";
  const head = document.createElement("div");
  head.className = "pd-head";
  head.style.background = colors[p.severity] || "#555";
  head.textContent = `TRIGGERED · ${p.severity.toUpperCase()} · ${p.summary}`;
  const table = document.createElement("table");
  const row = (k, v) => {
    const tr = table.insertRow();
    tr.insertCell().textContent = k;
    tr.insertCell().textContent = typeof v === "object" ? Object.entries(v).map(([a, b]) => `${a}=${b}`).join(", ") : v;
  };
  for (const k of ["source", "component", "group", "class", "timestamp"]) if (p[k]) row(k, p[k]);
  row("dedup_key", body.dedup_key);
  for (const [k, v] of Object.entries(p.custom_details || {})) row(k, v);
  for (const l of body.links || []) row("link", `${l.text}: ${l.href}`);
  const inner = document.createElement("div");
  inner.className = "pd-body";
  inner.append(table);
  box.append(head, inner);
  root.append(box);
}

function renderWebhook(request) {
  const pre = document.createElement("pre");
  const headers = request.headers.map(([k, v]) => `${k}: ${v}`).join("\n");
  pre.textContent = `${request.method} ${request.url}\n${headers}\n\n${JSON.stringify(request.body, null, 2)}`;
  document.getElementById("root").append(pre);
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
});
try {
  await shoot(browser, "message-slack.png", renderSlack, golden("slack-webhook", "failed").body);
  await shoot(browser, "message-slack-custom.png", renderSlack, golden("slack-custom", "failed").body);
  await shoot(browser, "message-slack-recovered.png", renderSlack, golden("slack-webhook", "recovered").body);
  await shoot(browser, "message-teams.png", renderTeams, golden("teams", "failed").body,
              require.resolve("adaptivecards/dist/adaptivecards.min.js"));
  await shoot(browser, "message-pagerduty.png", renderPagerDuty, golden("pagerduty-alerts", "failed").body);
  await shoot(browser, "message-webhook.png", renderWebhook, golden("webhook", "failed"));
} finally {
  await browser.close();
}
