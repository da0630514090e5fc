// The one websocket per tab (docs/realtime.md). Reconnects with backoff, resumes from the
// last event id it saw, drops duplicates, and re-emits every event as a DOM event
// "relais:<type>" on document (detail = the envelope), so pages and htmx can react.
//
// A page starts from the last event id that existed when the server began drawing it (the
// body's data-last-event-id, read before the page's data): whatever happened after reaches the
// page, and the events up to it are dropped, even when a resume repeats them (its overlap, see
// docs/realtime.md): the page shows them already, and a counter (a badge) or a snapshot (an
// announcement's readers) applied twice would be wrong.
const SEEN_LIMIT = 2000;
// The channel layer may drop a message (a full queue, a restarting process): now and then the
// socket asks again for what it missed, as after a reconnect. Replays it has seen are dropped.
const RESUME_EVERY_MS = 60000;

class RelaisSocket {
  constructor() {
    this.seen = new Set();
    this.attempt = 0;
    this.lastEventId = Number(document.body.dataset.lastEventId || 0);
    this.pageEventId = this.lastEventId;
    // Connect once every script of the page has run (module scripts run before
    // DOMContentLoaded): a replay arriving earlier would reach no listener and be lost.
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", () => this.connect(), { once: true });
    } else {
      this.connect();
    }
    setInterval(() => {
      if (this.lastEventId) this.send({ type: "resume", last_event_id: this.lastEventId });
    }, RESUME_EVERY_MS);
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    this.ws = new WebSocket(`${scheme}://${location.host}/ws/`);
    this.ws.addEventListener("message", (msg) => this.onMessage(msg));
    this.ws.addEventListener("close", () => this.scheduleReconnect());
    this.ws.addEventListener("open", () => { this.attempt = 0; document.documentElement.dataset.socket = "open"; });
  }

  scheduleReconnect() {
    document.documentElement.dataset.socket = "closed";
    const delay = Math.min(30000, 500 * 2 ** this.attempt) * (0.75 + Math.random() / 2);
    this.attempt += 1;
    setTimeout(() => this.connect(), delay);
  }

  send(frame) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  onMessage(msg) {
    let frame;
    try { frame = JSON.parse(msg.data); } catch { return; }
    if (frame.type === "session.ready") {
      // A socket counts as online when it opens; a tab in the background says it is away.
      if (document.hidden) this.send({ type: "presence", status: "away" });
      // Ask for what happened since the page was rendered (or since the socket dropped).
      if (this.lastEventId) this.send({ type: "resume", last_event_id: this.lastEventId });
      else this.remember(frame.last_event_id);
    } else if (frame.type === "resume.done") {
      document.documentElement.dataset.resumed = "true";  // caught up (browser tests wait for it)
    } else if (frame.type === "resync.required") {
      this.remember(0);
      document.dispatchEvent(new CustomEvent("relais:resync.required", { detail: frame }));
      return;
    }
    if (typeof frame.id === "number") {
      if (frame.id <= this.pageEventId || this.seen.has(frame.id)) return;
      this.seen.add(frame.id);
      if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value);
      if (frame.id > this.lastEventId) this.remember(frame.id);
    }
    document.dispatchEvent(new CustomEvent(`relais:${frame.type}`, { detail: frame }));
  }

  remember(id) {
    this.lastEventId = id;
  }
}

window.relaisSocket = new RelaisSocket();
document.addEventListener("visibilitychange", () => {
  window.relaisSocket.send({ type: "presence", status: document.hidden ? "away" : "online" });
});
