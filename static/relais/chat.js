// Chat in the browser (docs/realtime.md, "Chat"). socket.js re-emits every frame as a
// "relais:<type>" DOM event; this module turns them into a live conversation:
// - sending: each message gets a client id, goes over the socket (or over HTTP when the socket
//   is down or slow, with the same id, so the server stores it once) and shows as pending
//   until the server has it; a failed send keeps its text and offers Retry;
// - the history is caught up from the database after every event, reconnect or resync
//   (`?after=<last seq>`), so a dropped socket or a lost event never loses a message;
// - drafts per conversation and thread survive a reload; typing, presence, unread counts
//   in the sidebar and the read pointer follow live.
const root = document.querySelector("[data-chat]");
const html = document.documentElement;
const t = (key, fallback) => (root?.dataset[key] || html.dataset[key] || fallback);
const csrfToken = () => {
  try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch { return ""; }
};
const SOCKET_TIMEOUT_MS = 6000;
const TYPING_EVERY_MS = 3000;
const TYPING_SHOWN_MS = 6000;
const CATCH_UP_ROUNDS = 10;
const DRAFT_PREFIX = "relais.chat-draft.";

function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Plain-HTTP intranets are not secure contexts: no randomUUID there, but random bytes are.
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function toast(text) {
  const el = document.createElement("div");
  el.className = "toast";
  el.setAttribute("role", "status");
  el.textContent = text;
  document.body.append(el);
  setTimeout(() => el.remove(), 3000);
}

function fragment(markup) {
  const template = document.createElement("template");
  template.innerHTML = markup.trim();
  return template.content;
}

async function post(url, data) {
  const body = data instanceof FormData ? data : new URLSearchParams(data);
  return fetch(url, {
    method: "POST", body, credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
  });
}

async function errorText(response) {
  const type = response.headers.get("Content-Type") || "";
  if (type.startsWith("text/plain")) return (await response.text()) || t("i18nError", "Something went wrong; please try again.");
  return t("i18nError", "Something went wrong; please try again.");
}

// --- The sidebar: unread and mention counts --------------------------------------------------
let sidebarTimer = null;
function refreshSidebar() {
  clearTimeout(sidebarTimer);
  sidebarTimer = setTimeout(async () => {
    const sidebar = document.getElementById("chat-sidebar");
    if (!sidebar) return;
    const current = root ? `?current=${root.dataset.conversationId}` : "";
    const response = await fetch(sidebar.dataset.sidebarUrl + current, { credentials: "same-origin" }).catch(() => null);
    if (response?.ok) document.getElementById("chat-sidebar")?.replaceWith(fragment(await response.text()));
  }, 300);
}
document.addEventListener("relais:message.created", refreshSidebar);
document.addEventListener("relais:conversation.read", refreshSidebar);
document.addEventListener("relais:message.deleted", refreshSidebar);
document.addEventListener("relais:session.ready", refreshSidebar);

// --- Reaction pickers -----------------------------------------------------------------------
// A picker opened low in the history opens upwards, so the history's edge does not cut its
// palette; Escape closes it and gives the focus back to its button.
document.addEventListener("toggle", (event) => {
  const picker = event.target;
  if (!(picker instanceof HTMLDetailsElement) || !picker.matches(".message-actions .reaction-picker") || !picker.open) return;
  const box = picker.closest(".chat-history, .thread-pane") || document.documentElement;
  const area = box.getBoundingClientRect();
  picker.classList.toggle("opens-up", picker.getBoundingClientRect().bottom > area.top + area.height / 2);
}, true);
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const picker = document.activeElement?.closest?.(".reaction-picker[open]");
  if (!picker) return;
  picker.open = false;
  picker.querySelector("summary")?.focus();
  event.stopPropagation();
}, true);

// --- Presence --------------------------------------------------------------------------------
const presenceLabel = (status) => ({ online: t("i18nOnline", "Online"), away: t("i18nAway", "Away") }[status]
  || t("i18nPresenceOffline", "Offline"));
document.addEventListener("relais:presence.changed", (event) => {
  const { user_id: userId, status } = event.detail.data;
  document.querySelectorAll(`[data-presence-user="${userId}"]`).forEach((dot) => {
    dot.className = `presence-dot presence-${status}`;
    dot.title = presenceLabel(status);
  });
  document.querySelectorAll(`[data-presence-text="${userId}"]`).forEach((label) => {
    label.dataset.status = status;
    label.textContent = presenceLabel(status);
  });
});

if (root) {
  const conversationId = Number(root.dataset.conversationId);
  const userId = Number(root.dataset.userId);
  const scroller = document.getElementById("chat-history");
  const list = document.getElementById("message-list");
  const threadPane = document.getElementById("thread-pane");
  let lastReadSeq = Number(root.dataset.lastReadSeq || 0);

  const messagesIn = (container) => [...container.querySelectorAll(":scope > li[data-seq]")];
  const lastSeq = () => Math.max(0, ...messagesIn(list).map((li) => Number(li.dataset.seq)));
  const firstSeq = () => Math.min(...messagesIn(list).map((li) => Number(li.dataset.seq)));
  const atLatest = () => root.querySelector("[data-load-newer]").hidden;
  const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
  const scrollToBottom = () => { scroller.scrollTop = scroller.scrollHeight; };
  const openThreadId = () => Number(threadPane.querySelector("[data-thread-root]")?.dataset.threadRoot || 0);

  // --- Inserting messages in seq order, replacing pending ones --------------------------------
  function place(li, container) {
    const seq = Number(li.dataset.seq);
    const existing = container.querySelector(`:scope > #${li.id}`);
    if (existing) {
      if (!existing.querySelector("[data-editor]")) existing.replaceWith(li);
      return false;
    }
    if (li.dataset.clientId) container.querySelector(`:scope > li.message-pending[data-client-id="${CSS.escape(li.dataset.clientId)}"]`)?.remove();
    const after = messagesIn(container).find((other) => Number(other.dataset.seq) > seq);
    container.insertBefore(li, after || container.querySelector(":scope > li.message-pending"));
    return true;
  }

  function addWindow(markup, container) {
    const windowList = fragment(markup).querySelector(".message-window");
    const added = [];
    for (const li of [...windowList.children]) if (place(li, container)) added.push(li);
    // "No messages yet" goes once there is one, not on a catch-up that found none.
    if (messagesIn(list).length) root.querySelector("[data-chat-empty]")?.remove();
    return { added, moreBefore: windowList.dataset.moreBefore === "1", moreAfter: windowList.dataset.moreAfter === "1" };
  }

  // --- Catching up from the database ----------------------------------------------------------
  // One catch-up at a time; an event during one asks for another round afterwards.
  let catching = null;
  let catchAgain = false;
  function catchUp() {
    if (!atLatest()) return Promise.resolve();
    if (catching) { catchAgain = true; return catching; }
    catching = (async () => {
      try {
        for (let round = 0; round < CATCH_UP_ROUNDS; round += 1) {
          catchAgain = false;
          const wasNearBottom = nearBottom();
          const response = await fetch(`${root.dataset.messagesUrl}?after=${lastSeq()}`, { credentials: "same-origin" });
          if (!response.ok) return;
          const { added, moreAfter } = addWindow(await response.text(), list);
          if (added.length) arrived(added, wasNearBottom);
          if (!moreAfter && !catchAgain) return;
        }
        // Too far behind to page through: the page starts again from the server.
        toast(t("i18nReload", "Reloading the conversation."));
        location.reload();
      } catch {
        // Offline: the next reconnect catches up.
      } finally {
        catching = null;
      }
    })();
    return catching;
  }

  function arrived(added, wasNearBottom) {
    const fromOthers = added.filter((li) => Number(li.dataset.authorId) !== userId);
    fromOthers.forEach((li) => typers.delete(Number(li.dataset.authorId)));
    renderTyping();
    if (document.hidden && fromOthers.length && !list.querySelector("[data-unread-line]")) {
      const line = document.createElement("li");
      line.className = "unread-line";
      line.dataset.unreadLine = "";
      line.setAttribute("role", "separator");
      line.innerHTML = `<span></span>`;
      line.firstChild.textContent = t("i18nNewMessages", "New messages");
      list.insertBefore(line, fromOthers[0]);
    }
    if (wasNearBottom || added.some((li) => Number(li.dataset.authorId) === userId)) scrollToBottom();
    else root.querySelector("[data-jump-latest]")?.removeAttribute("hidden");
    markReadSoon();
  }

  // --- Paging the history ---------------------------------------------------------------------
  root.querySelector("[data-load-older]").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    const response = await fetch(`${root.dataset.messagesUrl}?before=${firstSeq()}`, { credentials: "same-origin" });
    if (!response.ok) return;
    const height = scroller.scrollHeight;
    const { moreBefore } = addWindow(await response.text(), list);
    scroller.scrollTop += scroller.scrollHeight - height;  // keep the reader where they were
    button.hidden = !moreBefore;
  });
  root.querySelector("[data-load-newer]").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    const response = await fetch(`${root.dataset.messagesUrl}?after=${lastSeq()}`, { credentials: "same-origin" });
    if (!response.ok) return;
    const { moreAfter } = addWindow(await response.text(), list);
    button.hidden = !moreAfter;
    if (!moreAfter) markReadSoon();
  });
  root.querySelector("[data-jump-latest]")?.addEventListener("click", (event) => {
    event.currentTarget.hidden = true;
    scrollToBottom();
  });

  // --- Read pointer ---------------------------------------------------------------------------
  let readTimer = null;
  function markReadSoon() {
    clearTimeout(readTimer);
    readTimer = setTimeout(markRead, 500);
  }
  async function markRead() {
    if (document.hidden || !atLatest() || !nearBottom()) return;
    const last = messagesIn(list).at(-1);
    if (!last || Number(last.dataset.seq) <= lastReadSeq) return;
    const response = await post(root.dataset.readUrl, { message_id: last.dataset.messageId }).catch(() => null);
    if (response?.ok) lastReadSeq = Number(await response.text());
  }
  scroller.addEventListener("scroll", () => {
    if (nearBottom()) { root.querySelector("[data-jump-latest]")?.setAttribute("hidden", ""); markReadSoon(); }
  }, { passive: true });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) markReadSoon(); });

  // --- Live events ----------------------------------------------------------------------------
  const mine = (event) => Number(event.detail.data.message?.conversation_id ?? event.detail.data.conversation_id) === conversationId;

  document.addEventListener("relais:message.created", (event) => {
    if (!mine(event)) return;
    const message = event.detail.data.message;
    if (!message.thread_root_id || message.also_in_channel) catchUp();
    if (message.thread_root_id && message.thread_root_id === openThreadId()) refreshThread();
  });

  async function refreshMessage(id) {
    for (const [container, inThread] of [[list, false], [threadPane, true]]) {
      const li = container.querySelector(`#message-${id}`);
      if (!li || li.querySelector("[data-editor]")) continue;
      const response = await fetch(`/chat/messages/${id}/${inThread ? "?in_thread=1" : ""}`, { credentials: "same-origin" });
      if (response.ok) li.replaceWith(fragment(await response.text()));
    }
  }
  for (const type of ["message.updated", "message.deleted"]) {
    document.addEventListener(`relais:${type}`, (event) => { if (mine(event)) refreshMessage(event.detail.data.message.id); });
  }
  document.addEventListener("relais:reaction.changed", (event) => {
    if (event.detail.data.message_id && mine(event)) refreshMessage(event.detail.data.message_id);
  });
  // Back from a dropped socket or told to resync: the database has everything.
  document.addEventListener("relais:session.ready", () => { catchUp(); if (openThreadId()) refreshThread(); });
  document.addEventListener("relais:resync.required", () => { catchUp(); if (openThreadId()) refreshThread(); });

  // --- Typing ---------------------------------------------------------------------------------
  const typers = new Map();  // user id -> {name, thread, until}
  function renderTyping() {
    const now = Date.now();
    for (const [id, typer] of typers) if (typer.until < now) typers.delete(id);
    root.querySelectorAll("[data-typing-for]").forEach((line) => {
      const thread = Number(line.dataset.typingFor || 0);
      const names = [...typers.values()].filter((typer) => typer.thread === thread).map((typer) => typer.name);
      line.textContent = names.length === 0 ? "" : names.length === 1
        ? t("i18nTypingOne", "{name} is typing…").replace("{name}", names[0])
        : t("i18nTypingMany", "{names} are typing…").replace("{names}", names.join(", "));
    });
  }
  setInterval(renderTyping, 1000);
  document.addEventListener("relais:typing.started", (event) => {
    const data = event.detail.data;
    if (data.conversation_id !== conversationId || data.user_id === userId) return;
    typers.set(data.user_id, { name: data.display_name, thread: data.thread_root_id || 0, until: Date.now() + TYPING_SHOWN_MS });
    renderTyping();
  });
  let typingSentAt = 0;
  function typing(form) {
    if (Date.now() - typingSentAt < TYPING_EVERY_MS) return;
    typingSentAt = Date.now();
    const threadId = Number(form.querySelector("[name=thread_id]")?.value || 0) || null;
    window.relaisSocket?.send({ type: "typing", conversation_id: conversationId, thread_id: threadId });
  }

  // --- Drafts ---------------------------------------------------------------------------------
  const draftKey = (form) => DRAFT_PREFIX + form.dataset.draft;
  function restoreDraft(form) {
    const area = form.querySelector("textarea[name=body]");
    const saved = localStorage.getItem(draftKey(form));
    if (saved && !area.value) area.value = saved;
    grow(area);
  }
  function saveDraft(form) {
    const area = form.querySelector("textarea[name=body]");
    if (area.value.trim()) localStorage.setItem(draftKey(form), area.value);
    else localStorage.removeItem(draftKey(form));
  }
  function grow(area) {
    area.style.height = "auto";
    area.style.height = `${Math.min(area.scrollHeight + 2, 240)}px`;
  }

  // --- Sending --------------------------------------------------------------------------------
  // Pending sends by client id: {form fields, li, draft key}. Kept until the server has them.
  const pending = new Map();
  let refs = 0;
  const waiting = new Map();  // socket ref -> resolve

  document.addEventListener("relais:message.sent", (event) => waiting.get(event.detail.ref)?.({ ok: true, message: event.detail.message }));
  document.addEventListener("relais:error", (event) => waiting.get(event.detail.ref)?.({ ok: false, code: event.detail.code, detail: event.detail.detail }));

  function sendOverSocket(fields) {
    const socket = window.relaisSocket;
    if (!socket || socket.ws.readyState !== WebSocket.OPEN) return Promise.resolve(null);
    const ref = `send-${++refs}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => { waiting.delete(ref); resolve(null); }, SOCKET_TIMEOUT_MS);
      waiting.set(ref, (answer) => { clearTimeout(timer); waiting.delete(ref); resolve(answer); });
      socket.send({
        type: "message.send", ref, conversation_id: conversationId, client_id: fields.client_id, body: fields.body,
        thread_id: fields.thread_id, also_in_channel: fields.also_in_channel, urgent: fields.urgent,
      });
    });
  }

  async function sendOverHttp(fields, url) {
    const data = new FormData();
    data.append("body", fields.body);
    data.append("client_id", fields.client_id);
    if (fields.thread_id) data.append("thread_id", fields.thread_id);
    if (fields.also_in_channel) data.append("also_in_channel", "1");
    if (fields.urgent) data.append("urgent", "1");
    for (const file of fields.files) data.append("attachments", file, file.name);
    try {
      const response = await post(url, data);
      if (response.ok) {
        // A file whose name claimed another kind was saved under its real one: say so.
        try { JSON.parse(response.headers.get("X-Notices") || "[]").forEach(toast); } catch { /* none */ }
        return { ok: true };
      }
      // 4xx: the server refused this message (too long, not allowed): retrying will not help.
      if (response.status < 500) return { ok: false, refused: true, detail: await errorText(response) };
      return { ok: false, detail: t("i18nNotSent", "Not sent.") };
    } catch {
      return { ok: false, detail: t("i18nOffline", "Not sent: the connection was lost. Your text is kept; try again.") };
    }
  }

  function pendingItem(fields, container) {
    const li = document.createElement("li");
    li.className = "message message-pending";
    li.dataset.clientId = fields.client_id;
    li.innerHTML = `<span class="message-avatar"></span><div class="message-main"><p class="message-byline"><span class="message-author"></span> <span class="small muted" data-pending-status></span></p><div class="message-body"></div><p class="message-retry" hidden><span class="form-error" role="alert"></span> <button type="button" class="button button-secondary button-small" data-retry></button> <button type="button" class="link-button" data-discard></button></p></div>`;
    li.querySelector(".message-author").textContent = root.dataset.userName || "";
    li.querySelector("[data-pending-status]").textContent = t("i18nSending", "Sending…");
    li.querySelector(".message-body").textContent = fields.body;
    if (fields.files.length) {
      const files = document.createElement("ul");
      files.className = "message-files";
      for (const file of fields.files) {
        const item = document.createElement("li");
        item.textContent = `📎 ${file.name}`;
        files.append(item);
      }
      li.querySelector(".message-body").after(files);
    }
    li.querySelector("[data-retry]").textContent = t("i18nRetry", "Retry");
    li.querySelector("[data-discard]").textContent = t("i18nBackToComposer", "Edit");
    container.append(li);
    return li;
  }

  async function deliver(clientId) {
    const entry = pending.get(clientId);
    if (!entry) return;
    const { fields, li, url, form } = entry;
    li.classList.remove("message-failed");
    li.querySelector(".message-retry").hidden = true;
    li.querySelector("[data-pending-status]").textContent = t("i18nSending", "Sending…");
    // Files cannot travel over the socket: a message with files is sent over HTTP.
    let answer = fields.files.length ? null : await sendOverSocket(fields);
    if (answer === null || (!answer.ok && answer.code === "server_error")) answer = await sendOverHttp(fields, url);
    if (answer.ok) {
      pending.delete(clientId);
      if (fields.body && localStorage.getItem(entry.draftKey) === fields.body) localStorage.removeItem(entry.draftKey);
      li.querySelector("[data-pending-status]").textContent = "";
      if (fields.thread_id) refreshThread(); else await catchUp();
      // Not caught up (the history is scrolled back): the stored message replaces nothing.
      if (li.isConnected && !fields.thread_id && !atLatest()) li.remove();
      return;
    }
    li.classList.add("message-failed");
    li.querySelector("[data-pending-status]").textContent = t("i18nNotSent", "Not sent.");
    const retry = li.querySelector(".message-retry");
    retry.hidden = false;
    retry.querySelector(".form-error").textContent = answer.detail || "";
    // A refused message cannot succeed as it is: it goes back to the composer to be changed.
    retry.querySelector("[data-retry]").hidden = Boolean(answer.refused || (answer.code && answer.code !== "server_error"));
    if (form?.isConnected) form.querySelector("[data-form-error]").textContent = answer.detail || "";
    // The row that appeared under the message (Retry, Edit) is brought into view.
    retry.scrollIntoView({ block: "nearest" });
  }

  const emptyMessage = () => t("i18nEmptyMessage", "Write something first.");

  function send(form) {
    const area = form.querySelector("textarea[name=body]");
    const body = area.value.trim();
    const fileInput = form.querySelector("[data-chat-files]");
    const files = fileInput ? [...fileInput.files] : [];
    if (!body && !files.length) {  // only spaces: said, not silently ignored
      form.querySelector("[data-form-error]").textContent = emptyMessage();
      area.focus();
      return;
    }
    const fields = {
      client_id: newClientId(), body, files,
      thread_id: Number(form.querySelector("[name=thread_id]")?.value || 0) || null,
      also_in_channel: Boolean(form.querySelector("[name=also_in_channel]")?.checked),
      urgent: Boolean(form.querySelector("[name=urgent]")?.checked),
    };
    if (fileInput) { fileInput.value = ""; showFiles(form); }
    const container = fields.thread_id ? threadPane.querySelector(".thread-replies") : list;
    const li = pendingItem(fields, container);
    pending.set(fields.client_id, { fields, li, url: form.action, form, draftKey: draftKey(form) });
    // The draft stays stored until the server has the message: a reload now loses nothing.
    area.value = "";
    grow(area);
    form.querySelector("[data-form-error]").textContent = "";
    const urgent = form.querySelector("[name=urgent]");
    if (urgent) urgent.checked = false;
    if (fields.thread_id) li.scrollIntoView({ block: "nearest" }); else scrollToBottom();
    deliver(fields.client_id);
  }

  root.addEventListener("click", (event) => {
    const retry = event.target.closest("[data-retry]");
    if (retry) { deliver(retry.closest("li").dataset.clientId); return; }
    const back = event.target.closest("[data-discard]");
    if (back) {
      // "Edit": the text goes back into the composer it came from, and the failed copy goes.
      const li = back.closest("li");
      const entry = pending.get(li.dataset.clientId);
      const form = entry?.form?.isConnected ? entry.form : root.querySelector("form[data-chat-composer]");
      const area = form?.querySelector("textarea[name=body]");
      if (entry && area) {
        if (entry.fields.body) area.value = area.value ? `${area.value}\n${entry.fields.body}` : entry.fields.body;
        grow(area);
        saveDraft(form);
        const fileInput = form.querySelector("[data-chat-files]");
        if (fileInput && entry.fields.files.length) {
          // The chosen files go back with the text: nothing written is lost.
          const kept = new DataTransfer();
          for (const file of [...fileInput.files, ...entry.fields.files]) kept.items.add(file);
          fileInput.files = kept.files;
          showFiles(form);
        }
        area.focus();
      }
      pending.delete(li.dataset.clientId);
      li.remove();
    }
  });

  // --- Composer events (main and thread) ------------------------------------------------------
  function showFiles(form) {
    const input = form.querySelector("[data-chat-files]");
    const names = form.querySelector("[data-chat-file-names]");
    if (!input || !names) return;
    const chosen = [...input.files].map((file) => file.name);
    names.textContent = chosen.length ? `📎 ${chosen.join(", ")}` : "";
    // Files alone make a message: the text is not required then.
    form.querySelector("textarea[name=body]").required = !chosen.length;
  }
  root.addEventListener("change", (event) => {
    if (event.target.matches?.("form[data-chat-composer] [data-chat-files]")) showFiles(event.target.form);
  });
  root.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.matches("[data-chat-composer]")) { event.preventDefault(); send(form); }
  });
  root.addEventListener("keydown", (event) => {
    const area = event.target;
    if (!area.matches?.("form[data-chat-composer] textarea")) return;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !document.getElementById("mention-list")) {
      event.preventDefault();
      send(area.form);
    }
  });
  root.addEventListener("input", (event) => {
    const area = event.target;
    if (!area.matches?.("form[data-chat-composer] textarea")) return;
    grow(area);
    saveDraft(area.form);
    if (area.value.trim()) {
      typing(area.form);
      const error = area.form.querySelector("[data-form-error]");
      if (error?.textContent === emptyMessage()) error.textContent = "";
    }
  });

  // --- Actions on messages: reactions, delete, edit -------------------------------------------
  root.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.matches("[data-chat-action], [data-chat-thread-action]") || event.defaultPrevented) return;
    event.preventDefault();
    const inThread = Boolean(form.closest("#thread-pane"));
    const url = form.matches("[data-chat-action]") && inThread ? `${form.action}?in_thread=1` : form.action;
    const response = await post(url, new FormData(form, event.submitter)).catch(() => null);
    if (!response) { toast(t("i18nOffline", "Not sent: the connection was lost.")); return; }
    if (!response.ok) { toast(await errorText(response)); return; }
    const markup = await response.text();
    if (form.matches("[data-chat-thread-action]")) { threadPane.replaceChildren(fragment(markup)); setUpThread(); return; }
    form.closest("li.message")?.replaceWith(fragment(markup));
  });

  root.addEventListener("click", (event) => {
    const button = event.target.closest("[data-edit-message]");
    if (!button) return;
    button.closest("details")?.removeAttribute("open");
    const li = button.closest("li.message");
    if (li.querySelector("[data-editor]")) return;
    const body = li.querySelector(".message-body");
    const editor = document.createElement("form");
    editor.className = "message-editor";
    editor.dataset.editor = "";
    editor.innerHTML = `<label class="visually-hidden"></label><textarea name="body" rows="2" required></textarea><div class="button-row"><button class="button button-small"></button><button type="button" class="button button-secondary button-small" data-cancel></button></div><p class="form-error" role="alert"></p>`;
    const area = editor.querySelector("textarea");
    area.id = `edit-${li.dataset.messageId}`;
    editor.querySelector("label").htmlFor = area.id;
    editor.querySelector("label").textContent = t("i18nEditLabel", "Edit your message");
    area.value = button.dataset.body;
    editor.querySelector("button").textContent = t("i18nSave", "Save");
    editor.querySelector("[data-cancel]").textContent = t("i18nCancel", "Cancel");
    body.hidden = true;
    body.after(editor);
    area.focus();
    grow(area);
    const close = () => { editor.remove(); body.hidden = false; };
    editor.querySelector("[data-cancel]").addEventListener("click", close);
    area.addEventListener("keydown", (keyEvent) => {
      if (keyEvent.key === "Escape") close();
      if (keyEvent.key === "Enter" && !keyEvent.shiftKey && !keyEvent.isComposing) { keyEvent.preventDefault(); editor.requestSubmit(); }
    });
    editor.addEventListener("submit", async (submitEvent) => {
      submitEvent.preventDefault();
      const inThread = Boolean(li.closest("#thread-pane"));
      const response = await post(`${button.dataset.editUrl}${inThread ? "?in_thread=1" : ""}`, { body: area.value }).catch(() => null);
      if (response?.ok) li.replaceWith(fragment(await response.text()));
      else editor.querySelector(".form-error").textContent = response ? await errorText(response) : t("i18nOffline", "Not sent.");
    });
  });

  // --- The thread pane ------------------------------------------------------------------------
  function setUpThread() {
    const form = threadPane.querySelector("form[data-chat-composer]");
    if (form) restoreDraft(form);
    // Pending replies of this thread stay visible across refreshes.
    const replies = threadPane.querySelector(".thread-replies");
    for (const entry of pending.values()) if (replies && entry.fields.thread_id === openThreadId()) replies.append(entry.li);
    renderTyping();
  }
  // Each opening or closing of the pane outdates the loads still in flight: a refresh that a
  // new reply started must not reopen a thread the reader has closed meanwhile.
  let threadGeneration = 0;
  async function openThread(id, { focus = true } = {}) {
    const generation = ++threadGeneration;
    const response = await fetch(`/chat/messages/${id}/thread/`, { credentials: "same-origin" });
    if (generation !== threadGeneration) return;
    if (!response.ok) { toast(await errorText(response)); return; }
    const html = await response.text();
    if (generation !== threadGeneration) return;
    threadPane.replaceChildren(fragment(html));
    threadPane.hidden = false;
    root.classList.add("thread-open");
    setUpThread();
    const url = new URL(location.href);
    url.searchParams.set("thread", id);
    url.searchParams.delete("message");
    window.history.replaceState(null, "", url);
    if (focus) threadPane.querySelector("textarea")?.focus();
  }
  function refreshThread() {
    const id = openThreadId();
    const area = threadPane.querySelector("textarea");
    const hadFocus = area && document.activeElement === area;
    if (id) openThread(id, { focus: hadFocus });
  }
  function closeThread() {
    threadGeneration += 1;
    threadPane.hidden = true;
    threadPane.replaceChildren();
    root.classList.remove("thread-open");
    const url = new URL(location.href);
    url.searchParams.delete("thread");
    window.history.replaceState(null, "", url);
    list.querySelector("textarea, [data-open-thread]")?.focus();
  }
  root.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-open-thread]");
    if (opener) { event.preventDefault(); openThread(Number(opener.dataset.openThread)); return; }
    if (event.target.closest("[data-close-thread]")) { event.preventDefault(); closeThread(); }
  });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape" && !threadPane.hidden && threadPane.contains(document.activeElement) && !document.getElementById("mention-list")) closeThread(); });

  // --- Start ----------------------------------------------------------------------------------
  root.querySelectorAll("form[data-chat-composer]").forEach(restoreDraft);
  if (!threadPane.hidden) setUpThread();
  const highlighted = list.querySelector(".message-highlight");
  const unreadLine = list.querySelector("[data-unread-line]");
  if (highlighted) highlighted.scrollIntoView({ block: "center" });
  else if (unreadLine) unreadLine.scrollIntoView({ block: "start" });
  else scrollToBottom();
  markReadSoon();
  if (!highlighted && !threadPane.hidden) threadPane.querySelector("textarea")?.focus();
  else if (!highlighted) root.querySelector("#chat-body")?.focus({ preventScroll: true });
}
