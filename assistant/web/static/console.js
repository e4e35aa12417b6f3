// Attune agent console. Same-origin script (runs under script-src 'self'); the agent key lives only in this
// page's memory and goes out as Authorization: Bearer. Customer text is hostile by default: every piece of data
// is written with textContent or SVG attributes, never parsed as markup.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";
  const QUEUE_MS = 3000;
  const PACKET_MS = 3000;
  const DRAFT_MS = 400;
  const PRIORITY_WORD = { urgent: "Urgent", high: "High", normal: "Normal" };

  let key = null;
  let agentId = null;
  let current = null;      // id of the open conversation
  let packet = null;       // its last packet
  let queueTimer = null;
  let packetTimer = null;
  let draftTimer = null;
  let queueFetchedAt = 0;
  let queueEntries = [];
  let lastOpenNow = true;
  const mine = new Map();  // conversation id -> last known state, for conversations claimed in this session

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  async function api(method, path, body) {
    const init = { method: method, headers: { Authorization: "Bearer " + key } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (res.status === 401) disconnect("That agent key was not accepted.");
    return { ok: res.ok, status: res.status, data: data };
  }

  function problem(res) {
    let detail = res.data && (res.data.detail || res.data.error);
    if (Array.isArray(detail)) detail = detail.map((d) => (d && d.msg) || "").join("; ");
    return "Failed (" + res.status + "): " + (typeof detail === "string" ? detail : "try again");
  }

  function conv(id) {
    return "/v1/agent/conversations/" + encodeURIComponent(id);
  }

  function duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    if (h) return h + " h " + m + " min";
    if (m) return m + " min " + (s % 60) + " s";
    return s + " s";
  }

  // ------------------------------------------------------------------ connection

  async function connect(newKey) {
    key = newKey;
    agentId = null;
    $("connection").textContent = "Connecting…";
    // the server says which agent this key is, so the console knows its own conversations after a reload too
    const me = await api("GET", "/v1/agent/me");
    if (!me.ok || !me.data || typeof me.data.agent_id !== "string") {
      if (me.status !== 401) $("connection").textContent = problem(me);
      return;
    }
    agentId = me.data.agent_id;
    const ok = await refreshQueue();
    if (ok) $("connection").textContent = "Connected as " + agentId + ". The queue refreshes every few seconds.";
  }

  function disconnect(message) {
    key = null;
    window.clearTimeout(queueTimer);
    window.clearTimeout(packetTimer);
    queueTimer = packetTimer = null;
    $("connection").textContent = message;
    $("agent-key").focus();
  }

  $("key-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const value = $("agent-key").value.trim();
    if (value) connect(value);
  });

  // ------------------------------------------------------------------ queue

  async function refreshQueue() {
    window.clearTimeout(queueTimer);
    queueTimer = null;
    if (!key) return false;
    let ok = false;
    try {
      const res = await api("GET", "/v1/agent/queue");
      if (res.ok && res.data) {
        queueEntries = res.data.entries || [];
        queueFetchedAt = Date.now();
        lastOpenNow = res.data.open_now;
        renderQueue(lastOpenNow);
        ok = true;
      } else if (res.status !== 401) {
        $("queue-meta").textContent = problem(res);
      }
    } catch (e) {
      $("queue-meta").textContent = "The server can't be reached; retrying.";
    }
    if (key) queueTimer = window.setTimeout(refreshQueue, QUEUE_MS);
    return ok;
  }

  let queueSignature = "";

  // Rebuilt only when who is waiting, or in what order, changes (waiting times tick in place), so a keyboard user's
  // focus on a queue entry is not lost to the refresh; when it is rebuilt, focus returns to the same entry.
  function renderQueue(openNow) {
    const list = $("queue-list");
    const signature = JSON.stringify([current, openNow, queueEntries.map((e) => [e.conversation_id, e.priority,
      e.crisis, e.reasons, e.place])]);
    if (signature === queueSignature) {
      for (const entry of queueEntries) {
        const wait = list.querySelector('[data-conversation-id="' + CSS.escape(entry.conversation_id) + '"] .wait');
        if (wait) wait.dataset.waitingS = String(entry.waiting_s);
      }
      tickWaits();
      return;
    }
    queueSignature = signature;
    const focused = document.activeElement && document.activeElement.closest("#queue-list li");
    const refocus = focused ? focused.dataset.conversationId : null;
    clear(list);
    $("queue-meta").textContent = queueEntries.length + " waiting, most urgent first" +
      (openNow === false ? " · outside opening hours" : "");
    $("queue-empty").hidden = queueEntries.length > 0;
    for (const entry of queueEntries) {
      const item = el("li", "entry priority-" + entry.priority + (entry.conversation_id === current ? " open" : ""));
      item.dataset.conversationId = entry.conversation_id;
      const button = el("button", "entry-button");
      button.type = "button";
      const head = el("span", "entry-head");
      head.appendChild(el("span", "badge " + entry.priority, PRIORITY_WORD[entry.priority] || entry.priority));
      if (entry.crisis) head.appendChild(el("span", "badge crisis", "Crisis"));
      const wait = el("span", "wait");
      wait.dataset.waitingS = String(entry.waiting_s);
      head.appendChild(wait);
      button.appendChild(head);
      button.appendChild(el("span", "reasons-line", (entry.reasons || []).join(", ").replace(/_/g, " ")));
      button.appendChild(el("span", "id-line", "#" + entry.place + " · " + entry.conversation_id.slice(0, 8)));
      button.addEventListener("click", () => openConversation(entry.conversation_id));
      item.appendChild(button);
      list.appendChild(item);
      if (entry.conversation_id === refocus) button.focus();
    }
    tickWaits();
    renderMine();
  }

  function tickWaits() {
    const extra = (Date.now() - queueFetchedAt) / 1000;
    for (const node of document.querySelectorAll(".wait[data-waiting-s]")) {
      node.textContent = "waiting " + duration(Number(node.dataset.waitingS) + extra);
    }
  }

  let mineSignature = "";

  function renderMine() {
    const list = $("mine-list");
    const signature = JSON.stringify([current, Array.from(mine)]);
    if (signature === mineSignature) return;
    mineSignature = signature;
    clear(list);
    for (const [id, state] of mine) {
      const item = el("li", "entry" + (id === current ? " open" : ""));
      const button = el("button", "entry-button");
      button.type = "button";
      button.appendChild(el("span", "reasons-line", id.slice(0, 8) + " · " + state.replace(/_/g, " ")));
      button.addEventListener("click", () => openConversation(id));
      item.appendChild(button);
      list.appendChild(item);
    }
  }

  // ------------------------------------------------------------------ one conversation

  async function openConversation(id) {
    if (current !== id) {
      current = id;
      packet = null;
      clear($("suggestions"));
      $("suggest-status").textContent = "";
      $("reply-text").value = "";
      renderDraft(null);
    }
    $("conversation").hidden = false;
    await refreshPacket();
    $("conv-title").focus();
    renderQueue(lastOpenNow);
  }

  async function refreshPacket() {
    window.clearTimeout(packetTimer);
    packetTimer = null;
    if (!key || !current) return;
    const id = current;
    try {
      const res = await api("GET", conv(id));
      if (id !== current) return;
      if (res.ok && res.data) {
        const changed = JSON.stringify(res.data) !== JSON.stringify(packet);
        packet = res.data;
        if (changed) renderPacket(packet);  // unchanged: keep the DOM (and any focus in it) as it is
      } else if (res.status !== 401) {
        $("action-status").textContent = problem(res);
      }
    } catch (e) {
      $("action-status").textContent = "The server can't be reached; retrying.";
    }
    if (key && current) packetTimer = window.setTimeout(refreshPacket, PACKET_MS);
  }

  function renderPacket(p) {
    $("conv-title").textContent = "Conversation " + p.conversation_id.slice(0, 8);
    const bits = [p.state.replace(/_/g, " ")];
    if (p.priority) bits.push("priority " + p.priority);
    if (p.crisis) bits.push("CRISIS");
    if (p.claimed_by) bits.push("claimed by " + p.claimed_by);
    bits.push(p.channel + " · " + p.locale);
    $("conv-meta").textContent = bits.join(" · ");
    if (mine.has(p.conversation_id)) {
      mine.set(p.conversation_id, p.state);
      renderMine();
    }

    const waiting = p.state === "waiting_for_human";
    const withHuman = p.state === "with_human";
    // claimed by this agent (GET /v1/agent/me told the console who it is)
    const mineNow = withHuman && agentId !== null && p.claimed_by === agentId;
    $("claim").disabled = !waiting;
    $("release").disabled = !(waiting || mineNow);
    $("resolve").disabled = !(waiting || mineNow);
    $("send-reply").disabled = !mineNow;
    $("suggest").disabled = !mineNow;

    $("open-question").textContent = p.open_question || "—";
    $("summary").textContent = p.summary || "—";
    $("literacy").textContent = p.literacy || "unknown";

    const reasons = $("reasons");
    clear(reasons);
    for (const r of p.reasons || []) {
      const item = el("li");
      item.appendChild(el("strong", null, String(r.code).replace(/_/g, " ")));
      item.appendChild(document.createTextNode(" — " + (r.detail || "")));
      addCues(item, r.cues);
      reasons.appendChild(item);
    }
    if (!reasons.children.length) reasons.appendChild(el("li", "meta", "No hand-off reasons (not escalated)."));

    const drivers = $("drivers");
    clear(drivers);
    const last = (p.mood_trail || [])[p.mood_trail.length - 1];
    if (last) {
      const item = el("li");
      item.appendChild(el("strong", null, "latest message"));
      item.appendChild(document.createTextNode(
        " — mood " + last.sentiment + " (" + Number(last.sentiment_score).toFixed(2) + "), distress " +
        last.distress + ", literacy " + (last.literacy || "unknown") +
        (last.handoff_requested ? ", asked for a person" : "")));
      drivers.appendChild(item);
    }
    for (const name of Object.keys(p.drivers || {})) {
      const item = el("li");
      item.appendChild(el("strong", null, name.replace(/_/g, " ")));
      addCues(item, p.drivers[name]);
      drivers.appendChild(item);
    }

    drawMood(p.mood_trail || []);

    const transcript = $("transcript");
    clear(transcript);
    for (const t of p.transcript || []) {
      const item = el("li", "turn " + t.role);
      const who = t.role === "agent" ? (t.actor || "agent").replace(/^agent:/, "agent ") : t.role;
      item.appendChild(el("span", "who", who + " · turn " + t.turn));
      item.appendChild(el("p", "text", t.text));
      transcript.appendChild(item);
    }
    transcript.scrollTop = transcript.scrollHeight;

    const sources = $("sources");
    clear(sources);
    for (const s of p.sources || []) {
      const item = el("li");
      const link = el("a", null, s.title + " — " + s.section);
      link.href = "/help/" + encodeURIComponent(s.article_id);
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      item.appendChild(link);
      item.appendChild(document.createTextNode(" (turn " + s.turn + ", " + s.status + ")"));
      sources.appendChild(item);
    }
    if (!sources.children.length) sources.appendChild(el("li", "meta", "None yet."));
  }

  function addCues(parent, cues) {
    if (!cues || !cues.length) return;
    const list = el("span", "cues");
    list.appendChild(document.createTextNode(" cues: "));
    for (const cue of cues) list.appendChild(el("q", "cue", cue));
    parent.appendChild(list);
  }

  // The customer's mood per message: sentiment score (-1..1) as a line, distress as the dots' colour.
  function drawMood(points) {
    const box = $("mood-chart");
    clear(box);
    const listing = $("mood-list");
    clear(listing);
    if (!points.length) {
      box.appendChild(el("p", "meta", "No customer messages yet."));
      return;
    }
    const W = 320, H = 120, PAD = 18;
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("class", "mood");
    svg.setAttribute("role", "img");
    const first = points[0], last = points[points.length - 1];
    svg.setAttribute("aria-label", "Mood over " + points.length + " customer message(s): from " +
      first.sentiment + " to " + last.sentiment + ", distress now " + last.distress +
      ". Details follow as a list.");
    const x = (i) => points.length === 1 ? W / 2 : PAD + (i * (W - 2 * PAD)) / (points.length - 1);
    const y = (score) => PAD + ((1 - Math.max(-1, Math.min(1, Number(score) || 0))) / 2) * (H - 2 * PAD);
    const line = (y0, cls) => {
      const l = document.createElementNS(SVG, "line");
      l.setAttribute("x1", PAD); l.setAttribute("x2", W - PAD);
      l.setAttribute("y1", y0); l.setAttribute("y2", y0);
      l.setAttribute("class", cls);
      svg.appendChild(l);
    };
    line(y(0), "axis zero");
    line(y(1), "axis");
    line(y(-1), "axis");
    const label = (text, yy) => {
      const t = document.createElementNS(SVG, "text");
      t.setAttribute("x", 2); t.setAttribute("y", yy + 4); t.setAttribute("class", "axis-label");
      t.textContent = text;
      svg.appendChild(t);
    };
    label("+", y(1));
    label("−", y(-1));
    const path = document.createElementNS(SVG, "polyline");
    path.setAttribute("points", points.map((p, i) => x(i).toFixed(1) + "," + y(p.sentiment_score).toFixed(1)).join(" "));
    path.setAttribute("class", "trail");
    svg.appendChild(path);
    points.forEach((p, i) => {
      const dot = document.createElementNS(SVG, "circle");
      dot.setAttribute("cx", x(i).toFixed(1));
      dot.setAttribute("cy", y(p.sentiment_score).toFixed(1));
      dot.setAttribute("r", p.distress === "none" ? 4 : 6);
      dot.setAttribute("class", "dot distress-" + String(p.distress).replace(/[^a-z_]/g, ""));
      const title = document.createElementNS(SVG, "title");
      const words = "Turn " + p.turn + ": " + p.sentiment + " (" + Number(p.sentiment_score).toFixed(2) +
        "), distress " + p.distress + (p.vulnerability && p.vulnerability.length ? ", " +
        p.vulnerability.join(", ") : "");
      title.textContent = words;
      dot.appendChild(title);
      svg.appendChild(dot);
      listing.appendChild(el("li", null, words));
    });
    box.appendChild(svg);
  }

  // ------------------------------------------------------------------ actions

  async function act(action) {
    if (!current) return;
    const id = current;
    const res = await api("POST", conv(id) + "/" + action);
    if (res.ok) {
      if (action === "claim") mine.set(id, "with_human");
      $("action-status").textContent = { claim: "Claimed: you have this conversation.",
        release: "Released to the automated assistant.", resolve: "Resolved." }[action];
      if (action === "claim") {
        $("reply-text").focus();
        suggest();
      }
    } else {
      $("action-status").textContent = problem(res);
    }
    await refreshPacket();
    refreshQueue();
  }

  $("claim").addEventListener("click", () => act("claim"));
  $("release").addEventListener("click", () => act("release"));
  $("resolve").addEventListener("click", () => act("resolve"));

  async function suggest() {
    if (!current) return;
    const status = $("suggest-status");
    const list = $("suggestions");
    status.textContent = "Finding replies…";
    const res = await api("GET", conv(current) + "/suggestions");
    clear(list);
    if (!res.ok) {
      status.textContent = problem(res);
      return;
    }
    const found = (res.data && res.data.suggestions) || [];
    status.textContent = found.length ? found.length + " suggestion(s)." : "No grounded suggestion for this question.";
    found.forEach((s, i) => {
      const item = el("li", "suggestion");
      item.appendChild(el("p", "text", s.text));
      item.appendChild(el("p", "meta", s.register + " · " + s.tone + " · grade " + Number(s.reading_grade).toFixed(1) +
        ((s.citations || []).length ? " · from " + Array.from(new Set(s.citations.map((c) => c.title))).join("; ") : "")));
      const insert = el("button", "secondary", "Insert");
      insert.type = "button";
      insert.setAttribute("aria-label", "Insert suggestion " + (i + 1));
      insert.addEventListener("click", () => {
        const box = $("reply-text");
        box.value = box.value.trim() ? box.value.replace(/\s+$/, "") + "\n\n" + s.text : s.text;
        box.focus();
        scheduleDraftCheck();
      });
      item.appendChild(insert);
      list.appendChild(item);
    });
  }

  $("suggest").addEventListener("click", suggest);

  // ------------------------------------------------------------------ the draft check

  function scheduleDraftCheck() {
    window.clearTimeout(draftTimer);
    draftTimer = window.setTimeout(checkDraft, DRAFT_MS);
  }

  async function checkDraft() {
    const text = $("reply-text").value;
    if (!current || !text.trim()) {
      renderDraft(null);
      return;
    }
    const res = await api("POST", "/v1/agent/drafts/check", { conversation_id: current, text: text });
    if (text !== $("reply-text").value) return;  // typed on since; a newer check is coming
    if (res.ok) renderDraft(res.data);
    else renderDraft(null, problem(res));
  }

  function renderDraft(review, error) {
    const meter = $("grade-meter");
    const issues = $("draft-issues");
    clear(issues);
    meter.classList.remove("ok", "bad");
    if (!review) {
      $("grade-fill").style.width = "0";
      $("grade-target").style.left = "0";
      $("grade-text").textContent = error || "—";
      meter.removeAttribute("aria-valuenow");
      meter.setAttribute("aria-valuetext", "no draft yet");
      return;
    }
    const max = 18;
    const grade = Number(review.reading_grade);
    const target = Number(review.target_grade);
    $("grade-fill").style.width = Math.min(100, (grade / max) * 100) + "%";
    $("grade-target").style.left = Math.min(100, (target / max) * 100) + "%";
    meter.classList.add(review.reading_ok ? "ok" : "bad");
    meter.setAttribute("aria-valuenow", String(grade));
    const words = "grade " + grade.toFixed(1) + " against a target of " + target + " for a customer whose literacy " +
      "reads as " + (review.literacy || "unknown") + (review.reading_ok ? " — fine" : " — too hard");
    meter.setAttribute("aria-valuetext", words);
    $("grade-text").textContent = words;
    for (const issue of review.issues || []) issues.appendChild(el("li", "issue", issue));
    if (review.ok) issues.appendChild(el("li", "fine", "Nothing to fix."));
  }

  $("reply-text").addEventListener("input", scheduleDraftCheck);

  $("reply-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const box = $("reply-text");
    const text = box.value.trim();
    if (!text || !current) return;
    $("send-reply").disabled = true;
    const res = await api("POST", conv(current) + "/messages", { text: text });
    if (res.ok) {
      box.value = "";
      renderDraft(null);
      $("action-status").textContent = "Reply sent.";
    } else {
      $("action-status").textContent = problem(res);
    }
    await refreshPacket();
  });

  window.setInterval(tickWaits, 1000);
})();
