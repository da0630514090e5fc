// The service worker of web push (docs/notifications.md, "Web push"). Served at /sw.js, so its
// scope is the whole site. It shows what notifications.push.payload() sends:
//   {title, body, tag, url, urgent, timestamp, lang}
// and, on a click, brings a Relais tab to the notification's page (or opens one).
// It caches nothing and handles no fetch: Relais works online only.
const FALLBACK_URL = "/notifications/";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function readPayload(event) {
  if (!event.data) return {};
  try {
    return event.data.json();
  } catch {
    return { body: event.data.text() };
  }
}

// Only a page of this site: a payload never sends the person elsewhere.
function sameOriginUrl(url) {
  try {
    const parsed = new URL(url || FALLBACK_URL, self.location.origin);
    if (parsed.origin === self.location.origin) return parsed.href;
  } catch { /* falls through */ }
  return new URL(FALLBACK_URL, self.location.origin).href;
}

self.addEventListener("push", (event) => {
  const data = readPayload(event);
  const urgent = Boolean(data.urgent);
  const options = {
    body: data.body || "",
    tag: data.tag || "relais",
    // A newer notification with the same tag (a new digest) replaces the old one, and still
    // rings: it is news.
    renotify: true,
    requireInteraction: urgent,
    data: { url: sameOriginUrl(data.url) },
  };
  if (data.timestamp) options.timestamp = data.timestamp;
  if (data.lang) options.lang = data.lang;
  if (urgent) options.vibrate = [300, 100, 300, 100, 300];
  // A push must show something: browsers revoke the permission of sites that stay silent.
  event.waitUntil(self.registration.showNotification(data.title || "Relais", options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = sameOriginUrl(event.notification.data && event.notification.data.url);
  event.waitUntil((async () => {
    const tabs = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const tab = tabs.find((client) => client.focused)
      || tabs.find((client) => client.visibilityState === "visible")
      || tabs[0];
    if (tab) {
      try {
        const focused = await tab.focus();
        await (focused || tab).navigate(url);
        return;
      } catch {
        // A tab this worker does not control cannot be navigated: open a new one instead.
      }
    }
    await self.clients.openWindow(url);
  })());
});
