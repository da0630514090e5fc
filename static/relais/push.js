// Web push on this browser (docs/notifications.md, "Web push"), for the card
// templates/notifications/_push_optin.html: shows whether this browser receives the person's
// notifications and turns that on (register /sw.js, subscribe with the server's VAPID key,
// POST the subscription to the API) or off (DELETE it, then unsubscribe). No build step.
const root = document.querySelector("[data-push-optin]");
const csrfToken = () => {
  try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch { return ""; }
};
const t = (key, fallback) => root?.dataset[key] || document.documentElement.dataset[key] || fallback;

function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(base64url.length / 4) * 4, "=");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function sameBytes(buffer, bytes) {
  if (!buffer) return false;
  const other = new Uint8Array(buffer);
  return other.length === bytes.length && other.every((b, i) => b === bytes[i]);
}

async function problem(response) {
  // The API answers {"detail": "text" | {field: [messages]} | [schema errors]}.
  try {
    const { detail } = await response.json();
    if (typeof detail === "string") return detail;
    if (detail && !Array.isArray(detail)) return Object.values(detail).flat().join(" ");
  } catch { /* not JSON */ }
  return t("i18nFailed", "Something went wrong; please try again.");
}

function api(method, body) {
  return fetch(root.dataset.apiUrl, {
    method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

if (root && root.dataset.vapidPublicKey) {
  const stateLine = root.querySelector("[data-push-state]");
  const button = root.querySelector("[data-push-toggle]");
  const label = root.querySelector("[data-push-label]");
  const message = root.querySelector("[data-push-message]");
  const serverKey = keyBytes(root.dataset.vapidPublicKey);
  let on = false;

  const show = (text, tone) => {
    stateLine.textContent = text;
    stateLine.className = `flash flash-${tone}`;
  };
  const say = (text, tone = "success") => {
    message.replaceChildren();
    if (!text) return;
    const line = document.createElement("p");
    line.className = `flash flash-${tone}`;
    line.textContent = text;
    message.append(line);
  };
  const setOn = (value) => {
    on = value;
    show(on ? t("i18nOn", "On") : t("i18nOff", "Off"), on ? "success" : "info");
    label.textContent = on ? t("i18nTurnOff", "Turn off for this browser") : t("i18nTurnOn", "Turn on for this browser");
    button.className = on ? "button button-secondary" : "button";
    button.hidden = false;
    button.disabled = false;
  };
  const blocked = () => {
    show(t("i18nBlocked", "Notifications are blocked in this browser's settings."), "warning");
    button.hidden = true;
  };

  const registration = () => navigator.serviceWorker.getRegistration(root.dataset.serviceWorkerUrl);

  async function currentState() {
    const subscription = await (await registration())?.pushManager.getSubscription();
    if (!subscription) return false;
    // On for this person only if the server has this browser for them: on a shared computer
    // the browser may be subscribed for someone else, or the push service may have dropped it.
    const response = await api("GET");
    if (!response.ok) return false;
    return (await response.json()).some((row) => row.endpoint === subscription.endpoint);
  }

  async function turnOn() {
    const permission = await Notification.requestPermission();
    if (permission === "denied") return blocked();
    if (permission !== "granted") {
      setOn(false);
      return say(t("i18nDismissed", "Notifications were not allowed."), "warning");
    }
    await navigator.serviceWorker.register(root.dataset.serviceWorkerUrl, { scope: "/" });
    const worker = await navigator.serviceWorker.ready;
    let subscription = await worker.pushManager.getSubscription();
    if (subscription && !sameBytes(subscription.options?.applicationServerKey, serverKey)) {
      await subscription.unsubscribe();  // made for an older server key: useless now
      subscription = null;
    }
    const created = !subscription;
    subscription ||= await worker.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: serverKey });
    const response = await api("POST", subscription.toJSON());
    if (!response.ok) {
      const text = await problem(response);
      if (created) await subscription.unsubscribe();
      setOn(false);
      return say(text, "error");
    }
    setOn(true);
    say(t("i18nTurnedOn", "Notifications are now on for this browser."));
  }

  async function turnOff() {
    const subscription = await (await registration())?.pushManager.getSubscription();
    if (subscription) {
      const response = await api("DELETE", { endpoint: subscription.endpoint });
      // 404: the server no longer had it (the push service dropped it); off all the same.
      if (!response.ok && response.status !== 404) {
        setOn(true);
        return say(await problem(response), "error");
      }
      await subscription.unsubscribe();
    }
    setOn(false);
    say(t("i18nTurnedOff", "Notifications are now off for this browser."));
  }

  button.addEventListener("click", async () => {
    const turningOn = !on;
    button.disabled = true;
    label.textContent = turningOn ? t("i18nTurningOn", "Turning on…") : t("i18nTurningOff", "Turning off…");
    say("");
    try {
      await (turningOn ? turnOn() : turnOff());
    } catch (error) {
      setOn(on);
      say(`${t("i18nFailed", "Something went wrong; please try again.")} (${error.message || error})`, "error");
    } finally {
      button.disabled = false;
    }
  });

  (async () => {
    if (!window.isSecureContext) {
      show(t("i18nInsecure", "Notifications need a secure (https) connection."), "warning");
    } else if (!("serviceWorker" in navigator && "PushManager" in window && "Notification" in window)) {
      show(t("i18nUnsupported", "This browser cannot show notifications from websites."), "warning");
    } else if (Notification.permission === "denied") {
      blocked();
    } else {
      try {
        setOn(await currentState());
      } catch {
        setOn(false);
      }
    }
  })();
}
