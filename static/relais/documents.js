// Document libraries in the browser: uploads by drag and drop or the file picker, one request
// per file so each has its own progress bar (XMLHttpRequest upload progress), the server's row
// inserted without a reload, failures named per file and retried on demand; a new version
// with its progress; the listing kept fresh from the socket's document events.
// Without this script the forms still work: they post and the page reloads.
const CONCURRENT_UPLOADS = 2;

const csrfToken = (form) =>
  form.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";

function text(el, key, vars = {}) {
  let value = el.dataset[key] || "";
  for (const [name, replacement] of Object.entries(vars)) value = value.replaceAll(`{${name}}`, replacement);
  return value;
}

function announce(message) {
  const status = document.getElementById("live-status");
  if (!status) return;
  status.textContent = "";
  // A fresh text node after a tick, so the same sentence twice is read twice.
  setTimeout(() => { status.textContent = message; }, 60);
}

const language = document.documentElement.lang || undefined;

function formatBytes(bytes) {
  // As the server writes sizes: "14 bytes", "4.7 kB", "1.1 MB" (in the page's language).
  const units = [["gigabyte", 1024 ** 3], ["megabyte", 1024 ** 2], ["kilobyte", 1024]];
  for (const [unit, size] of units) {
    if (bytes >= size) {
      return new Intl.NumberFormat(language, { style: "unit", unit, unitDisplay: "short",
                                               maximumFractionDigits: 1 }).format(bytes / size);
    }
  }
  return new Intl.NumberFormat(language, { style: "unit", unit: "byte", unitDisplay: "long" }).format(bytes);
}

function send(url, form, data, { onProgress }) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrfToken(form));
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON: an error page */ }
      resolve({ status: xhr.status, body });
    });
    xhr.addEventListener("error", () => resolve({ status: 0, body: null }));
    xhr.addEventListener("abort", () => resolve({ status: 0, body: null }));
    xhr.send(data);
  });
}

// --- Uploads into a library ----------------------------------------------------------------

class Uploader {
  constructor(section) {
    this.section = section;
    this.form = section.querySelector("[data-upload-form]");
    this.input = section.querySelector("[data-upload-input]");
    this.list = section.querySelector("[data-upload-list]");
    this.error = section.querySelector("[data-upload-error]");
    this.zone = section.querySelector("[data-drop-zone]");
    this.maxBytes = Number(section.dataset.maxBytes);
    this.maxFiles = Number(section.dataset.maxFiles);
    this.queue = [];
    this.active = 0;
    this.counter = 0;
    section.querySelector("[data-upload-submit]").hidden = true;
    this.input.addEventListener("change", () => {
      this.add(this.input.files);
      this.input.value = "";
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.add(this.input.files);
      this.input.value = "";
    });
    this.listenForDrops();
  }

  listenForDrops() {
    // Files dropped anywhere on the page land here rather than replacing the page.
    let depth = 0;
    const hasFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
    document.addEventListener("dragenter", (event) => {
      if (!hasFiles(event)) return;
      depth += 1;
      this.zone.classList.add("is-dragging");
    });
    document.addEventListener("dragleave", (event) => {
      if (!hasFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (!depth) this.zone.classList.remove("is-dragging");
    });
    document.addEventListener("dragover", (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
    });
    document.addEventListener("drop", (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth = 0;
      this.zone.classList.remove("is-dragging");
      this.add(event.dataTransfer.files);
    });
  }

  add(fileList) {
    const files = [...(fileList || [])];
    if (!files.length) return;
    this.error.hidden = true;
    if (files.length > this.maxFiles) {
      this.error.textContent = text(this.section, "i18nTooMany", { limit: this.maxFiles, count: files.length });
      this.error.hidden = false;
      return;
    }
    announce(text(this.section, "i18nAnnounceStart", { count: files.length }));
    for (const file of files) this.enqueue(file);
  }

  enqueue(file) {
    const item = this.row(file);
    if (file.size > this.maxBytes) {
      this.fail(item, text(this.section, "i18nTooLarge", {
        name: file.name, size: formatBytes(file.size), limit: formatBytes(this.maxBytes) }), false);
      return;
    }
    this.queue.push(item);
    this.pump();
  }

  row(file) {
    this.counter += 1;
    const id = `upload-${this.counter}`;
    const li = document.createElement("li");
    li.className = "upload-item";
    li.dataset.state = "queued";
    li.innerHTML = `<span class="upload-name" id="${id}-name"></span>
      <span class="upload-size muted small"></span>
      <progress id="${id}" max="100" value="0"></progress>
      <span class="upload-status small" id="${id}-status"></span>
      <span class="upload-actions"></span>`;
    li.querySelector(".upload-name").textContent = file.name;
    li.querySelector(".upload-size").textContent = formatBytes(file.size);
    const progress = li.querySelector("progress");
    progress.setAttribute("aria-label", text(this.section, "i18nUploading", { name: file.name }));
    progress.setAttribute("aria-describedby", `${id}-status`);
    li.querySelector(".upload-status").textContent = text(this.section, "i18nQueued");
    this.list.append(li);
    return { file, li, progress, status: li.querySelector(".upload-status") };
  }

  pump() {
    while (this.active < CONCURRENT_UPLOADS && this.queue.length) {
      this.start(this.queue.shift());
    }
  }

  async start(item) {
    this.active += 1;
    item.li.dataset.state = "uploading";
    item.li.querySelector(".upload-actions").replaceChildren();
    const data = new FormData();
    const folder = this.form.querySelector("input[name=folder]");
    if (folder) data.append("folder", folder.value);
    data.append("files", item.file, item.file.name);
    const percent = new Intl.NumberFormat(language, { style: "percent" });
    const { status, body } = await send(this.form.action, this.form, data, {
      onProgress: (fraction) => {
        item.progress.value = Math.round(fraction * 100);
        item.status.textContent = percent.format(fraction);
      },
    });
    this.active -= 1;
    if (status === 201 && body) {
      this.done(item, body);
    } else if (status === 0) {
      this.fail(item, text(this.section, "i18nNetwork"), true);
    } else {
      const retry = status >= 500 || !body?.detail;
      this.fail(item, body?.detail || text(this.section, "i18nServer"), retry);
    }
    this.pump();
  }

  done(item, body) {
    item.li.dataset.state = "done";
    item.progress.value = 100;
    item.status.textContent = text(this.section, "i18nUploaded");
    for (const notice of body.notices || []) {
      const note = document.createElement("span");
      note.className = "upload-notice small";
      note.textContent = notice;
      item.li.append(note);
    }
    for (const html of body.rows || []) insertRow(html);
    announce(text(this.section, "i18nAnnounceDone", { name: item.file.name }));
    if (!(body.notices || []).length) {
      setTimeout(() => item.li.remove(), 4000);
    } else {
      this.dismissButton(item);
    }
  }

  fail(item, message, retryable) {
    item.li.dataset.state = "failed";
    item.status.textContent = message;
    item.progress.hidden = true;
    announce(text(this.section, "i18nAnnounceFailed", { name: item.file.name, reason: message }));
    const actions = item.li.querySelector(".upload-actions");
    if (retryable) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button button-secondary button-small";
      button.textContent = text(this.section, "i18nRetry");
      button.addEventListener("click", () => {
        item.progress.hidden = false;
        item.progress.value = 0;
        item.li.dataset.state = "queued";
        item.status.textContent = text(this.section, "i18nQueued");
        this.queue.push(item);
        this.pump();
      });
      actions.append(button);
    }
    this.dismissButton(item);
  }

  dismissButton(item) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "icon-button upload-dismiss";
    button.setAttribute("aria-label", `${text(this.section, "i18nDismiss")}: ${item.file.name}`);
    button.textContent = "×";
    button.addEventListener("click", () => item.li.remove());
    item.li.querySelector(".upload-actions").append(button);
  }
}

function insertRow(html) {
  const rows = document.querySelector("[data-document-rows]");
  if (!rows) return;
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  const row = template.content.firstElementChild;
  if (!row) return;
  document.getElementById(row.id)?.remove();
  const name = row.dataset.sortName || "";
  const next = [...rows.querySelectorAll(":scope > .doc-row:not(.doc-folder-row)")]
    .find((other) => (other.dataset.sortName || "").localeCompare(name, language) > 0);
  const more = rows.querySelector(":scope > .load-more");
  rows.insertBefore(row, next || more || null);
  row.classList.add("doc-row-new");
  const empty = document.querySelector("[data-library-empty]");
  if (empty) empty.hidden = true;
}

// --- A new version of a document -------------------------------------------------------------

function versionForm(form) {
  const progress = form.querySelector("[data-version-progress]");
  const error = form.querySelector("[data-version-error]");
  const input = form.querySelector("input[type=file]");
  const button = form.querySelector("button");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = input.files[0];
    if (!file) return;
    error.hidden = true;
    const maxBytes = Number(form.dataset.maxBytes);
    if (file.size > maxBytes) {
      error.textContent = text(form, "i18nTooLarge", { name: file.name, size: formatBytes(file.size),
                                                      limit: formatBytes(maxBytes) });
      error.hidden = false;
      return;
    }
    progress.hidden = false;
    progress.value = 0;
    button.disabled = true;
    const { status, body } = await send(form.action, form, new FormData(form), {
      onProgress: (fraction) => { progress.value = Math.round(fraction * 100); },
    });
    if (status === 201 && body?.redirect) {
      window.location.assign(body.redirect);
      return;
    }
    button.disabled = false;
    progress.hidden = true;
    error.textContent = status === 0 ? text(form, "i18nNetwork") : (body?.detail || text(form, "i18nServer"));
    error.hidden = false;
  });
}

// --- Live listing ----------------------------------------------------------------------------

function liveListing(library) {
  let timer = null;
  const refresh = async () => {
    // Someone moving through the listing with the keyboard keeps their place.
    if (library.contains(document.activeElement)) return;
    const response = await fetch(library.dataset.refreshUrl, { headers: { "HX-Request": "true" },
                                                                credentials: "same-origin" });
    if (!response.ok) return;
    library.innerHTML = await response.text();
    window.htmx?.process(library);
  };
  const types = ["document.created", "document.updated", "document.trashed", "document.restored",
                 "document.version_added", "folder.created", "folder.updated", "folder.deleted"];
  for (const type of types) {
    document.addEventListener(`relais:${type}`, (event) => {
      const data = event.detail?.data || {};
      const groupId = (data.document || data.folder || {}).group_id;
      if (String(groupId) !== library.dataset.groupId) return;
      clearTimeout(timer);
      timer = setTimeout(refresh, 500);
    });
  }
}

const uploadSection = document.querySelector("[data-upload]");
if (uploadSection) new Uploader(uploadSection);
for (const form of document.querySelectorAll("[data-version-form]")) versionForm(form);
const library = document.querySelector("[data-library]");
if (library) liveListing(library);
