// Search in the browser: the top bar's suggestions while typing (an ARIA combobox with a
// listbox of options grouped by kind, fetched from /search/suggest), and small conveniences
// of the results page. No build step, no framework.
const DEBOUNCE_MS = 200;
const MIN_CHARS = 2;

function announce(text) {
  const status = document.getElementById("live-status");
  if (status) status.textContent = text;
}

function quickSearch(form) {
  const input = form.querySelector("input[type=search]");
  if (!input || input.dataset.quickSearch) return;
  input.dataset.quickSearch = "on";
  const popup = document.createElement("div");
  popup.id = "topbar-suggestions";
  popup.className = "quick-search";
  popup.setAttribute("role", "listbox");
  popup.setAttribute("aria-label", input.labels?.[0]?.textContent || "Search");
  popup.hidden = true;
  form.append(popup);
  Object.entries({
    role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
    "aria-controls": popup.id, autocomplete: "off",
  }).forEach(([name, value]) => input.setAttribute(name, value));
  const endpoint = new URL("suggest", new URL(form.action, location.href)).pathname;

  let timer = null;
  let controller = null;
  let shownFor = null;

  const options = () => [...popup.querySelectorAll("[role=option]")];
  const active = () => popup.querySelector("[role=option][aria-selected=true]");

  function close() {
    popup.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function open() {
    if (!options().length && !popup.querySelector(".suggest-empty")) return close();
    popup.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function highlight(option) {
    options().forEach((el) => el.setAttribute("aria-selected", String(el === option)));
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function move(step) {
    const all = options();
    if (!all.length) return;
    if (popup.hidden) open();
    const index = all.indexOf(active());
    const next = index === -1 ? (step > 0 ? 0 : all.length - 1)
      : (index + step + all.length) % all.length;
    highlight(all[next]);
  }

  async function fetchSuggestions(text) {
    controller?.abort();
    controller = new AbortController();
    try {
      const response = await fetch(`${endpoint}?${new URLSearchParams({ q: text })}`, {
        credentials: "same-origin", signal: controller.signal,
        headers: { "X-Requested-With": "fetch" },
      });
      if (!response.ok) return close();
      const html = await response.text();
      if (input.value !== text) return;  // typed on since: a newer answer is coming
      popup.innerHTML = html;
      shownFor = text;
      highlight(null);
      open();
      const status = popup.querySelector("[data-suggest-status]");
      status?.remove();
      if (status && document.activeElement === input) announce(status.textContent.trim());
    } catch (error) {
      if (error.name !== "AbortError") close();
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const text = input.value;
    if (text.trim().length < MIN_CHARS) {
      controller?.abort();
      shownFor = null;
      return close();
    }
    timer = setTimeout(() => fetchSuggestions(text), DEBOUNCE_MS);
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Escape") {
      if (!popup.hidden) {
        event.preventDefault();
        close();
      }
    } else if (event.key === "Enter") {
      const option = !popup.hidden && active();
      if (option) {
        event.preventDefault();
        location.assign(option.dataset.url);
      }
      // Otherwise the form is sent: the results page.
    } else if (event.key === "Home" || event.key === "End") {
      highlight(null);
    }
  });

  input.addEventListener("focus", () => {
    if (shownFor && shownFor === input.value) open();
  });
  input.addEventListener("blur", () => setTimeout(close, 150));

  // Keep the focus in the input while choosing with the mouse.
  popup.addEventListener("mousedown", (event) => event.preventDefault());
  popup.addEventListener("mousemove", (event) => {
    const option = event.target.closest("[role=option]");
    if (option && option !== active()) highlight(option);
  });
  popup.addEventListener("click", (event) => {
    const option = event.target.closest("[role=option]");
    if (option) location.assign(option.dataset.url);
  });
  document.addEventListener("click", (event) => {
    if (!form.contains(event.target)) close();
  });
}

// The results page: filters apply as soon as they change; after "Load more", the focus moves
// to the first new result so keyboard users continue where they were.
function resultsPage() {
  // On a phone the kinds scroll sideways: keep the chosen one in view.
  document.querySelector(".search-kinds [aria-current=page]")
    ?.scrollIntoView({ block: "nearest", inline: "center" });
  const filters = document.querySelector("form[data-search-filters]");
  if (filters) {
    filters.addEventListener("change", (event) => {
      if (event.target.matches("select, input[type=date]")) filters.requestSubmit();
    });
  }
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const more = event.detail.target;
    if (!more?.classList?.contains("search-more")) return;
    const previous = more.previousElementSibling;
    document.body.addEventListener("htmx:afterSettle", () => {
      const list = previous?.nextElementSibling;
      list?.querySelector("a")?.focus();
    }, { once: true });
  });
}

function start() {
  document.querySelectorAll("form.topbar-search").forEach(quickSearch);
  resultsPage();
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
