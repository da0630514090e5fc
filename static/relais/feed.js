// The feed in the browser: read tracking of announcements, live updates from the socket
// (socket.js re-emits every event as "relais:<type>" on document), mention suggestions,
// drafts that survive a reload, and small conveniences. No build step, no framework.
const csrfToken = () => {
  try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch { return ""; }
};
const t = (key, fallback) => document.documentElement.dataset[key] || fallback;

function announce(text) {
  const status = document.getElementById("live-status");
  if (status) status.textContent = text;
}

function toast(text) {
  const el = document.createElement("div");
  el.className = "toast";
  el.setAttribute("role", "status");
  el.textContent = text;
  document.body.append(el);
  setTimeout(() => el.remove(), 2500);
}

// --- Read tracking ------------------------------------------------------------------------
// An announcement counts as seen once at least half of it has been on screen for a second.
// Seen ids are sent in batches; the server keeps the first time and ignores repeats.
const SEEN_DELAY_MS = 1000;
const FLUSH_EVERY_MS = 2000;
const pendingSeen = new Set();
const timers = new Map();

function flushSeen({ beacon = false } = {}) {
  if (!pendingSeen.size) return;
  const ids = [...pendingSeen];
  pendingSeen.clear();
  const body = JSON.stringify({ ids });
  fetch("/posts/read/", {
    method: "POST", body, keepalive: beacon, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
  }).catch(() => ids.forEach((id) => pendingSeen.add(id)));  // retried with the next batch
}

const observer = "IntersectionObserver" in window ? new IntersectionObserver((entries) => {
  for (const entry of entries) {
    const card = entry.target;
    const id = Number(card.dataset.postId);
    if (entry.intersectionRatio >= 0.5 || (entry.isIntersecting && entry.intersectionRect.height >= window.innerHeight * 0.5)) {
      if (!timers.has(id)) {
        timers.set(id, setTimeout(() => {
          timers.delete(id);
          pendingSeen.add(id);
          card.removeAttribute("data-track-read");
          observer.unobserve(card);
        }, SEEN_DELAY_MS));
      }
    } else if (timers.has(id)) {
      clearTimeout(timers.get(id));
      timers.delete(id);
    }
  }
}, { threshold: [0, 0.5, 1] }) : null;

function trackReads(root = document) {
  if (!observer) return;
  root.querySelectorAll("[data-track-read]").forEach((card) => observer.observe(card));
}
setInterval(() => flushSeen(), FLUSH_EVERY_MS);
addEventListener("pagehide", () => flushSeen({ beacon: true }));
document.addEventListener("visibilitychange", () => { if (document.hidden) flushSeen({ beacon: true }); });

// --- Live updates -------------------------------------------------------------------------
let newPosts = 0;

function feedRoot() { return document.querySelector("[data-feed]"); }

function isTypingIn(card) {
  const active = document.activeElement;
  if (active && card.contains(active) && active.tagName === "TEXTAREA") return true;
  return [...card.querySelectorAll("textarea")].some((area) => area.value.trim());
}

function refreshCard(postId) {
  const card = document.getElementById(`post-${postId}`);
  if (!card || !window.htmx) return;
  if (isTypingIn(card)) { card.dataset.stale = "1"; return; }  // never wipe what is being typed
  htmx.ajax("GET", card.dataset.cardUrl, { target: card, swap: "outerHTML" });
}

document.addEventListener("relais:post.created", (event) => {
  const root = feedRoot();
  const post = event.detail.data.post;
  if (!root || String(post.author_id) === root.dataset.userId) return;
  if (document.getElementById(`post-${post.id}`)) return;  // already on the page (a replay)
  const groups = (root.dataset.memberGroups || "").split(",").filter(Boolean);
  if (!groups.includes(String(post.group_id))) return;
  newPosts += 1;
  const banner = root.querySelector("[data-new-posts]");
  if (!banner) return;
  banner.textContent = newPosts === 1 ? t("i18nNewPost", "1 new post") : t("i18nNewPosts", "{count} new posts").replace("{count}", newPosts);
  banner.hidden = false;
  announce(banner.textContent);
});

document.addEventListener("click", (event) => {
  const banner = event.target.closest("[data-new-posts]");
  if (!banner) return;
  newPosts = 0;
  location.reload();
});

for (const type of ["comment.created", "reaction.changed"]) {
  document.addEventListener(`relais:${type}`, (event) => refreshCard(event.detail.data.post_id));
}
document.addEventListener("relais:post.updated", (event) => refreshCard(event.detail.data.post.id));
document.addEventListener("relais:post.deleted", (event) => {
  document.getElementById(`post-${event.detail.data.post.id}`)?.remove();
});
document.addEventListener("focusout", (event) => {
  const card = event.target.closest?.(".post-card[data-stale]");
  if (card && !isTypingIn(card)) { delete card.dataset.stale; setTimeout(() => refreshCard(card.dataset.postId), 0); }
});

// The receipts dashboard: counts and progress bars follow the readers live; the list of
// readers (with its filters) and the reminders' card are drawn again from the page, at most
// every two seconds (a shift change brings hundreds of confirmations a minute), and not while
// the focus is inside one of them.
const RECEIPT_LISTS = ["receipt-rows", "receipt-reminders"];
let receiptListsDue = null;
function redrawReceiptLists() {
  if (receiptListsDue) return;
  receiptListsDue = setTimeout(async () => {
    receiptListsDue = null;
    const response = await fetch(location.href, { credentials: "same-origin" }).catch(() => null);
    if (!response?.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const id of RECEIPT_LISTS) {
      const fresh = page.getElementById(id);
      const shown = document.getElementById(id);
      if (!fresh || !shown || shown.contains(document.activeElement)) continue;
      shown.replaceWith(fresh);
      if (window.htmx) window.htmx.process(fresh);
    }
  }, 2000);
}
document.addEventListener("relais:announcement.receipts_changed", (event) => {
  const { post_id: postId, counts } = event.detail.data;
  const panel = document.querySelector(`[data-receipts-for="${postId}"]`);
  if (!panel) return;
  for (const [key, value] of Object.entries(counts)) {
    panel.querySelectorAll(`[data-count="${key}"]`).forEach((el) => { el.textContent = value; });
    panel.querySelectorAll(`[data-progress="${key}"]`).forEach((el) => { el.value = value; });
  }
  redrawReceiptLists();
});

// Navigation badges. What a screen reader says follows the figure: the badge carries its
// label's two forms (drawn for 1 and for 2), and the language's plural rules pick one.
const pluralRules = new Intl.PluralRules(document.documentElement.lang || "en");
function setBadge(name, count) {
  document.querySelectorAll(`[data-badge="${name}"]`).forEach((badge) => {
    badge.dataset.count = String(count);
    badge.hidden = count <= 0;
    const visible = badge.querySelector("[aria-hidden]");
    if (visible) visible.textContent = count;
    const spoken = badge.querySelector(".visually-hidden");
    const form = pluralRules.select(count) === "one" ? badge.dataset.labelOne : badge.dataset.labelOther;
    if (spoken && form) spoken.textContent = form.replace(/\d+/, String(count));
  });
}
function badgeCount(name) {
  const badge = document.querySelector(`[data-badge="${name}"]`);
  return badge ? Number(badge.dataset.count || badge.textContent.trim() || 0) : 0;
}
document.addEventListener("relais:notification.created", () => setBadge("notifications", badgeCount("notifications") + 1));
document.addEventListener("relais:notification.read", (event) => setBadge("notifications", event.detail.data.unread_count));
document.body.addEventListener("relais:acknowledged", () => setBadge("ack", Math.max(0, badgeCount("ack") - 1)));
// Chat: how many conversations have something unread, re-read from the server (a message may
// be a thread-only reply, or already read in another tab), at most twice a second.
let chatBadgeTimer = null;
function refreshChatBadge() {
  if (!document.querySelector('[data-badge="chat"]')) return;
  clearTimeout(chatBadgeTimer);
  chatBadgeTimer = setTimeout(async () => {
    const response = await fetch("/chat/unread/", { credentials: "same-origin" }).catch(() => null);
    if (response?.ok) setBadge("chat", (await response.json()).unread_conversations);
  }, 500);
}
for (const type of ["message.created", "message.deleted", "conversation.read"]) {
  document.addEventListener(`relais:${type}`, refreshChatBadge);
}

// --- Mentions -----------------------------------------------------------------------------
let mentionList = null;
let mentionState = null;

function closeMentions() {
  mentionList?.remove();
  mentionList = null;
  if (mentionState) mentionState.area.removeAttribute("aria-activedescendant");
  mentionState = null;
}

function mentionGroup(area) {
  return area.dataset.mentionGroup || area.form?.querySelector("[name=group]")?.value || "";
}

async function suggestMentions(area) {
  const before = area.value.slice(0, area.selectionStart);
  const match = before.match(/(?:^|[^\w@])@([\p{L}\p{N}'’.-]{1,30}(?: [\p{L}\p{N}'’.-]{0,30})?)$/u);
  // Chat composers name their own source (the people of the conversation); posts, the group's.
  const group = mentionGroup(area);
  const source = area.dataset.mentionUrl ? `${area.dataset.mentionUrl}?q=`
    : group ? `/mention-candidates/?group=${encodeURIComponent(group)}&q=` : null;
  if (!match || !source) { closeMentions(); return; }
  const query = match[1];
  const response = await fetch(source + encodeURIComponent(query), { credentials: "same-origin" });
  if (!response.ok) return;
  const { results } = await response.json();
  if (!results.length) { closeMentions(); return; }
  closeMentions();
  mentionState = { area, start: before.length - query.length - 1, end: before.length, results, index: 0 };
  mentionList = document.createElement("ul");
  mentionList.className = "mention-list";
  mentionList.id = "mention-list";
  mentionList.setAttribute("role", "listbox");
  results.forEach((person, i) => {
    const item = document.createElement("li");
    item.id = `mention-option-${i}`;
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", i === 0 ? "true" : "false");
    const name = document.createElement("span");
    name.textContent = person.name;
    const detail = document.createElement("span");
    detail.className = "small";
    detail.textContent = person.detail || "";
    item.append(name, detail);
    item.addEventListener("mousedown", (e) => { e.preventDefault(); mentionState.index = i; insertMention(); });
    mentionList.append(item);
  });
  const rect = area.getBoundingClientRect();
  mentionList.style.left = `${rect.left + scrollX}px`;
  mentionList.style.top = `${rect.bottom + scrollY + 4}px`;
  document.body.append(mentionList);
  area.setAttribute("aria-controls", "mention-list");
  area.setAttribute("aria-activedescendant", "mention-option-0");
}

function moveMention(step) {
  if (!mentionState) return;
  const count = mentionState.results.length;
  mentionState.index = (mentionState.index + step + count) % count;
  [...mentionList.children].forEach((item, i) => item.setAttribute("aria-selected", i === mentionState.index ? "true" : "false"));
  mentionState.area.setAttribute("aria-activedescendant", `mention-option-${mentionState.index}`);
}

function insertMention() {
  const { area, start, end, results, index } = mentionState;
  const text = `@${results[index].name} `;
  area.value = area.value.slice(0, start) + text + area.value.slice(end);
  area.selectionStart = area.selectionEnd = start + text.length;
  area.dispatchEvent(new Event("input", { bubbles: true }));
  closeMentions();
  area.focus();
}

document.addEventListener("input", (event) => {
  const area = event.target;
  if (area.matches?.("textarea[data-mentions]") && event.isTrusted) suggestMentions(area);
  saveDraft(area);
});
document.addEventListener("keydown", (event) => {
  if (!mentionState || event.target !== mentionState.area) return;
  if (event.key === "ArrowDown") { event.preventDefault(); moveMention(1); }
  else if (event.key === "ArrowUp") { event.preventDefault(); moveMention(-1); }
  else if (event.key === "Enter" || event.key === "Tab") { event.preventDefault(); insertMention(); }
  else if (event.key === "Escape") { closeMentions(); }
});
document.addEventListener("focusout", (event) => { if (mentionState && event.target === mentionState.area) setTimeout(closeMentions, 150); });

// --- Drafts: what is typed survives a reload until it is sent ------------------------------
const DRAFT_PREFIX = "relais.draft.";

function draftKey(area) {
  const form = area.form;
  return form?.dataset.draftKey && area.name === "body" ? DRAFT_PREFIX + form.dataset.draftKey : null;
}
function saveDraft(area) {
  const key = area?.tagName === "TEXTAREA" ? draftKey(area) : null;
  if (!key) return;
  if (area.value.trim()) localStorage.setItem(key, area.value); else localStorage.removeItem(key);
}
function restoreDrafts(root = document) {
  root.querySelectorAll("form[data-draft-key] textarea[name=body]").forEach((area) => {
    const saved = localStorage.getItem(draftKey(area));
    if (saved && !area.value) {
      area.value = saved;
      area.closest("details")?.setAttribute("open", "");
    }
  });
}
document.addEventListener("submit", (event) => {
  const form = event.target;
  const confirmText = form.dataset.confirm;
  if (confirmText && !form.hasAttribute("hx-post") && !confirm(confirmText)) { event.preventDefault(); return; }
  // A full-page post reloads the page: forget the draft now (the server refills the form if
  // it refuses). htmx forms forget it once the server accepted (below).
  if (form.dataset.draftKey && !form.hasAttribute("hx-post")) {
    const area = form.querySelector("textarea[name=body]");
    if (area) localStorage.removeItem(draftKey(area));
  }
});
document.body.addEventListener("htmx:confirm", (event) => {
  const form = event.target.closest?.("form[data-confirm]");
  if (form && event.target === form && !confirm(form.dataset.confirm)) event.preventDefault();
});
document.body.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt.closest?.("form");
  if (!form) return;
  const error = form.querySelector("[data-form-error]");
  if (event.detail.successful) {
    const area = form.querySelector("textarea[name=body]");
    const key = area && draftKey(area);
    if (key) localStorage.removeItem(key);
    if (error) error.textContent = "";
  }
});
document.body.addEventListener("htmx:responseError", (event) => {
  const form = event.detail.elt.closest?.("form");
  const error = form?.querySelector("[data-form-error]");
  const text = event.detail.xhr.responseText && event.detail.xhr.getResponseHeader("Content-Type")?.startsWith("text/plain")
    ? event.detail.xhr.responseText : t("i18nError", "Something went wrong; please try again.");
  if (error) error.textContent = text; else toast(text);
});
document.body.addEventListener("htmx:sendError", (event) => {
  const error = event.detail.elt.closest?.("form")?.querySelector("[data-form-error]");
  const text = t("i18nOffline", "Not sent: the connection was lost. Your text is kept; try again.");
  if (error) error.textContent = text; else toast(text);
});

// --- Composer conveniences ----------------------------------------------------------------
function setUpComposers(root = document) {
  root.querySelectorAll("[data-poll-options]").forEach((fieldset) => {
    const extras = [...fieldset.querySelectorAll("[data-extra-option]")];
    const button = fieldset.querySelector("[data-add-option]");
    if (!button || !extras.length || button.dataset.ready) return;
    button.dataset.ready = "1";
    extras.forEach((el) => el.classList.add("is-hidden"));
    button.hidden = false;
    button.addEventListener("click", () => {
      const next = fieldset.querySelector("[data-extra-option].is-hidden");
      next?.classList.remove("is-hidden");
      next?.querySelector("input")?.focus();
      if (!fieldset.querySelector("[data-extra-option].is-hidden")) button.hidden = true;
    });
  });
}
document.addEventListener("change", (event) => {
  const input = event.target;
  if (input.matches?.("[data-attachments]")) {
    const names = input.form.querySelector("[data-attachment-names]");
    if (names) names.textContent = [...input.files].map((f) => f.name).join(", ");
  }
  if (input.matches?.("select[data-autosubmit]")) input.form.requestSubmit();
});

// Copy a post's link.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy-link]");
  if (!button) return;
  const url = new URL(button.dataset.copyLink, location.href).href;
  try { await navigator.clipboard.writeText(url); toast(t("i18nCopied", "Link copied")); }
  catch { prompt(t("i18nCopyPrompt", "Copy this link:"), url); }
  button.closest("details")?.removeAttribute("open");
});

function setUp(root = document) {
  trackReads(root);
  restoreDrafts(root);
  setUpComposers(root);
}
document.addEventListener("htmx:load", (event) => setUp(event.detail.elt));
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => setUp());
else setUp();

// A form sent back with errors opens on its summary of them (a focusable role=alert box), so
// keyboard and screen-reader users start from what to correct.
document.querySelector('.flash-error[role="alert"][tabindex="-1"]')?.focus();
