// The agents' queue: filters apply as they change, the list follows the socket's ticket
// events (socket.js re-emits them as "relais:ticket.created" / "relais:ticket.updated"), and
// the bulk-assign bar counts the selected tickets. Without this script the filter form and
// the bulk-assign form still work: they submit and the page reloads.
const queue = document.querySelector("[data-queue]");
const filters = document.querySelector("[data-queue-filters]");
const bulkForm = document.querySelector("[data-bulk-form]");

function announce(message) {
  const status = document.getElementById("live-status");
  if (!status || !message) return;
  status.textContent = "";
  setTimeout(() => { status.textContent = message; }, 60);
}

function selectedIds() {
  return [...queue.querySelectorAll("input[name=tickets]:checked")].map((box) => box.value);
}

function showSelectedCount() {
  const counter = bulkForm?.querySelector("[data-selected-count]");
  if (!counter) return;
  const count = selectedIds().length;
  counter.textContent = count ? (bulkForm.dataset.i18nSelected || "{count}").replace("{count}", count) : "";
}

async function refresh({ quiet = false } = {}) {
  const checked = new Set(selectedIds());
  const focusedId = document.activeElement?.closest?.("[data-queue] tr")?.id;
  let response;
  try {
    response = await fetch(queue.dataset.refreshUrl, { headers: { "HX-Request": "true" },
                                                       credentials: "same-origin" });
  } catch {
    return;
  }
  if (!response.ok) return;
  queue.innerHTML = await response.text();
  // Selected tickets stay selected, so a live update never undoes an agent's choice.
  for (const box of queue.querySelectorAll("input[name=tickets]")) {
    if (checked.has(box.value)) box.checked = true;
  }
  if (focusedId) document.getElementById(focusedId)?.querySelector("a, input")?.focus();
  window.htmx?.process(queue);
  showSelectedCount();
  if (!quiet) announce(queue.dataset.i18nUpdated);
}

if (queue) {
  let timer = null;
  const later = () => { clearTimeout(timer); timer = setTimeout(refresh, 400); };
  for (const type of ["ticket.created", "ticket.updated"]) {
    document.addEventListener(`relais:${type}`, (event) => {
      const ticket = event.detail?.data?.ticket || {};
      if (String(ticket.desk_id) === queue.dataset.deskId) later();
    });
  }
  // After a dropped socket the missed events may be gone: read the queue again.
  document.addEventListener("relais:resync.required", later);
  queue.addEventListener("change", (event) => {
    if (event.target.matches("input[name=tickets]")) showSelectedCount();
  });
}

if (filters && queue) {
  // Filters apply at once: the list is fetched for the new query and the address follows, so
  // reloading or sharing the page keeps them.
  filters.querySelector("[data-filter-submit]")?.setAttribute("hidden", "");
  filters.addEventListener("change", () => {
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(filters)) if (value) params.set(key, value);
    const query = params.toString();
    history.replaceState(null, "", `${filters.action}${query ? `?${query}` : ""}`);
    queue.dataset.refreshUrl = `${queue.dataset.refreshUrl.split("?")[0]}${query ? `?${query}` : ""}`;
    for (const hidden of bulkForm?.querySelectorAll(":scope > input[type=hidden]:not([name=csrfmiddlewaretoken])") || []) hidden.remove();
    for (const [key, value] of params) {
      const hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = key;
      hidden.value = value;
      bulkForm?.prepend(hidden);
    }
    refresh();
  });
}
