// A ticket's page, live: socket.js re-emits each event as "relais:<type>" on document. When
// this ticket changes (an agent's change, a reply in its thread, a "me too"), the page is read
// again and its live parts ([data-ticket-part]) are swapped, except one the reader is using.
const page = document.querySelector("[data-desk-ticket]");

function inUse(part) {
  const active = document.activeElement;
  if (active && active !== document.body && part.contains(active)) return true;
  return [...part.querySelectorAll("textarea")].some((area) => area.value.trim());
}

function announce(text) {
  const status = document.getElementById("live-status");
  if (status) status.textContent = text;
}

let timer = null;
let loading = false;

async function refresh() {
  if (loading) { schedule(); return; }
  loading = true;
  try {
    const response = await fetch(page.dataset.ticketUrl, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const part of page.querySelectorAll("[data-ticket-part]")) {
      const replacement = fresh.querySelector(`[data-ticket-part="${part.dataset.ticketPart}"]`);
      if (replacement && !inUse(part)) part.replaceWith(document.adoptNode(replacement));
    }
    announce(page.dataset.i18nUpdated || "");
  } catch {
    // Offline: the next event or a reload brings the page up to date.
  } finally {
    loading = false;
  }
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 300);
}

if (page) {
  const ticketId = Number(page.dataset.ticketId);
  document.addEventListener("relais:ticket.updated", (event) => {
    if (event.detail?.data?.ticket?.id === ticketId) schedule();
  });
  document.addEventListener("relais:resync.required", schedule);
}
