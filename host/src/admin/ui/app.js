// Herald's web view: reads the admin API with the admin token the user enters. Every value
// from the API is put on the page as text (textContent), never as markup.
"use strict";

const TOKEN_KEY = "herald.adminToken";
const PAGE = 50;
const state = { servicesOffset: 0, servicesTotal: 0, deploysBefore: [], dlqAfter: 0 };

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
  return node;
}

function say(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

function when(ms) {
  if (!ms) return "";
  return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

function ago(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 90) return s + "s";
  if (s < 5400) return Math.round(s / 60) + "m";
  if (s < 172800) return Math.round(s / 3600) + "h";
  return Math.round(s / 86400) + "d";
}

function statusBadge(status) {
  return el("span", { class: "st st-" + (status || "none") }, status || "—");
}

class SignInNeeded extends Error {}

async function api(path, options = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY) || "";
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = "Bearer " + token;
  const res = await fetch(path, { ...options, headers, credentials: "omit", cache: "no-store" });
  if (res.status === 401) throw new SignInNeeded();
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error || "HTTP " + res.status);
  return body;
}

async function showServices() {
  const search = $("service-search").value.trim();
  const params = new URLSearchParams({ offset: state.servicesOffset, limit: PAGE });
  if (search) params.set("search", search);
  const page = await api("/api/v1/services?" + params);
  state.servicesTotal = page.total;
  const environments = [...new Set(page.services.flatMap((s) => Object.keys(s.environments)))].sort();
  const head = $("grid").tHead;
  head.replaceChildren(el("tr", {}, el("th", {}, "Service"), ...environments.map((e) => el("th", {}, e))));
  const body = $("grid").tBodies[0];
  body.replaceChildren();
  for (const service of page.services) {
    const row = el("tr", { "data-service": service.service }, el("td", {}, service.service));
    for (const environment of environments) {
      const cell = service.environments[environment];
      const td = el("td", { class: "cell", "data-environment": environment });
      if (cell) {
        td.append(statusBadge(cell.status));
        if (cell.failing_since_ms) {
          td.append(el("span", { class: "since", title: when(cell.failing_since_ms) },
                       "failing for " + ago(cell.failing_since_ms) + " (" + cell.failures + ")"));
        }
      }
      row.append(td);
    }
    body.append(row);
  }
  if (!page.services.length) body.append(el("tr", {}, el("td", {}, search ? "No service matches." : "No deploys yet.")));
  const first = page.total ? state.servicesOffset + 1 : 0;
  $("services-page").textContent = `${first}–${state.servicesOffset + page.services.length} of ${page.total} services`;
  $("services-prev").disabled = state.servicesOffset === 0;
  $("services-next").disabled = state.servicesOffset + PAGE >= page.total;
}

async function showDeploys() {
  const params = new URLSearchParams({ limit: PAGE });
  for (const [key, id] of [["service", "f-service"], ["environment", "f-environment"], ["status", "f-status"]]) {
    const value = $(id).value.trim();
    if (value) params.set(key, value);
  }
  const before = state.deploysBefore[state.deploysBefore.length - 1];
  if (before) params.set("before", before);
  const page = await api("/api/v1/events?" + params);
  const body = $("deploys-table").tBodies[0];
  body.replaceChildren();
  for (const e of page.items) {
    const deliveries = `${e.delivered}/${e.deliveries} delivered` + (e.dead ? `, ${e.dead} dead` : "");
    const row = el("tr", { class: "clickable", "data-event": e.id },
                   el("td", {}, when(e.accepted_at_ms)), el("td", {}, e.service), el("td", {}, e.environment),
                   el("td", {}, statusBadge(e.status)), el("td", {}, deliveries), el("td", {}, e.id));
    row.addEventListener("click", () => showEvent(e.id).catch(failed));
    body.append(row);
  }
  if (!page.items.length) body.append(el("tr", {}, el("td", {}, "No deploys match.")));
  $("deploys-older").disabled = !page.next_before;
  $("deploys-older").dataset.next = page.next_before || "";
  $("deploys-newest").disabled = state.deploysBefore.length === 0;
}

async function showEvent(id) {
  const detail = await api("/api/v1/events/" + encodeURIComponent(id));
  const rows = detail.deliveries.map((d) =>
    el("tr", { "data-job": d.id }, el("td", {}, `${d.team || "(fallback)"} / ${d.channel}`), el("td", {}, d.channel_type),
       el("td", {}, statusBadge(d.state)), el("td", {}, d.attempts), el("td", {}, d.dead_reason || d.last_error || "")));
  $("event-detail").replaceChildren(
    el("h3", {}, `Deliveries of ${detail.id}`),
    el("table", {}, el("thead", {}, el("tr", {}, ...["Team / channel", "Type", "State", "Attempts", "Last error"].map((h) => el("th", {}, h)))),
       el("tbody", {}, ...rows)));
}

async function showDeadLetters(append) {
  const params = new URLSearchParams({ limit: PAGE });
  if (append && state.dlqAfter) params.set("after", state.dlqAfter);
  const page = await api("/api/v1/dlq?" + params);
  const body = $("dlq-table").tBodies[0];
  if (!append) body.replaceChildren();
  for (const job of page.items) {
    const replay = el("button", { type: "button", "data-replay": job.id }, "Replay");
    replay.addEventListener("click", () => replayJob(job.id, replay).catch(failed));
    body.append(el("tr", { "data-job": job.id }, el("td", {}, job.id), el("td", {}, job.event_id),
                   el("td", {}, `${job.team || "(fallback)"} / ${job.channel}`), el("td", {}, job.dead_reason),
                   el("td", {}, when(job.finished_at_ms || job.updated_at_ms)), el("td", {}, replay)));
  }
  if (!body.rows.length) body.append(el("tr", {}, el("td", {}, "The dead-letter queue is empty.")));
  state.dlqAfter = page.next_after || 0;
  $("dlq-more").disabled = !page.next_after;
}

async function replayJob(id, button) {
  button.disabled = true;
  const result = await api(`/api/v1/dlq/${id}/replay`, { method: "POST" });
  const replayed = (result.replayed || []).includes(id);
  button.textContent = replayed ? "Replayed" : "Not replayed";
  say(replayed ? `Delivery ${id} replayed: it is queued again.` : `Delivery ${id} was not in the queue any more.`);
  refreshDeadLetterCount().catch(() => {});
}

async function refreshDeadLetterCount() {
  const page = await api("/api/v1/dlq?limit=100");
  const n = page.items.length;
  $("dlq-count").textContent = n ? (page.next_after ? "100+" : String(n)) : "";
}

function failed(error) {
  if (error instanceof SignInNeeded) {
    sessionStorage.removeItem(TOKEN_KEY);
    signIn("The admin token was not accepted.");
    return;
  }
  say(error.message, true);
}

function signIn(message) {
  for (const tab of document.querySelectorAll(".tab")) tab.hidden = true;
  $("sign-in").hidden = false;
  $("sign-out").hidden = true;
  say(message || "", Boolean(message));
  $("token").focus();
}

async function openTab() {
  const name = (location.hash || "#services").slice(1);
  const tab = ["services", "deploys", "dlq"].includes(name) ? name : "services";
  $("sign-in").hidden = true;
  $("sign-out").hidden = !sessionStorage.getItem(TOKEN_KEY);
  for (const section of document.querySelectorAll(".tab")) section.hidden = section.id !== tab;
  for (const link of document.querySelectorAll("nav a")) link.classList.toggle("active", link.dataset.tab === tab);
  say("Loading…");
  if (tab === "services") await showServices();
  if (tab === "deploys") await showDeploys();
  if (tab === "dlq") await showDeadLetters(false);
  say("");
  refreshDeadLetterCount().catch(() => {});
}

function on(id, event, handler) {
  $(id).addEventListener(event, (e) => {
    if (event === "submit") e.preventDefault();
    Promise.resolve(handler(e)).catch(failed);
  });
}

on("token-form", "submit", () => {
  sessionStorage.setItem(TOKEN_KEY, $("token").value);
  $("token").value = "";
  return openTab();
});
on("sign-out", "click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  signIn("");
});
on("services-search", "submit", () => { state.servicesOffset = 0; return showServices(); });
on("services-prev", "click", () => { state.servicesOffset = Math.max(0, state.servicesOffset - PAGE); return showServices(); });
on("services-next", "click", () => { state.servicesOffset += PAGE; return showServices(); });
on("deploys-filter", "submit", () => { state.deploysBefore = []; return showDeploys(); });
on("deploys-older", "click", () => { state.deploysBefore.push($("deploys-older").dataset.next); return showDeploys(); });
on("deploys-newest", "click", () => { state.deploysBefore = []; return showDeploys(); });
on("dlq-more", "click", () => showDeadLetters(true));
window.addEventListener("hashchange", () => {
  if (sessionStorage.getItem(TOKEN_KEY)) openTab().catch(failed);
});
// Without a token the API would only answer 401: ask for it first.
if (sessionStorage.getItem(TOKEN_KEY)) openTab().catch(failed);
else signIn("");
