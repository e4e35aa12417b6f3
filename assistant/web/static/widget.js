// Attune customer widget. Same-origin script (no inline code), so the page runs under script-src 'self'.
// Every text from the server is written with textContent: nothing the API returns is ever parsed as HTML.
// Shown to the customer: the answer, its sources, clarifying choices, the offer of a person, queue and
// hand-off states, the agent's messages and the rating. Never shown: signals, classifier labels, reasons, cues.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const log = $("log");
  const form = $("composer");
  const input = $("message");
  const sendButton = $("send");
  const personButton = $("person");
  const mode = $("mode");
  const announcer = $("announce");
  const ratingBox = $("rating");
  const stars = $("stars");

  const POLL_MS = 2500;
  const RATING_WORDS = ["very poor", "poor", "okay", "good", "very good"];

  let conversationId = null;
  let token = null;
  let state = "bot";
  let busy = false;
  let pollTimer = null;
  let pollDelay = POLL_MS;
  let lastIndex = -1;
  let baselined = false;
  let rated = false;
  const shownAgentTurns = new Set();

  function newId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // The conversation survives a reload of this tab (sessionStorage: this tab only, gone when it closes).
  const STORE = "attune.conversation";

  function remember() {
    try {
      window.sessionStorage.setItem(STORE, JSON.stringify({ id: conversationId, token: token }));
    } catch (e) { /* storage blocked (e.g. a third-party iframe): the chat still works, it just won't resume */ }
  }

  function forget() {
    try { window.sessionStorage.removeItem(STORE); } catch (e) { /* as above */ }
  }

  function headers(json) {
    const h = {};
    if (json) h["Content-Type"] = "application/json";
    if (token) h["Authorization"] = "Bearer " + token;
    return h;
  }

  function announce(text) {
    announcer.textContent = "";
    window.setTimeout(() => { announcer.textContent = text; }, 60);
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  // One message bubble; `who` is "you", "bot", "agent" or "note". Text only, via textContent.
  function addMessage(who, text, label) {
    const wrap = document.createElement("div");
    wrap.className = "msg " + who;
    const name = document.createElement("span");
    name.className = "who";
    name.textContent = label || { you: "You", bot: "Assistant", agent: "Agent", note: "" }[who] || "";
    if (name.textContent) wrap.appendChild(name);
    const body = document.createElement("p");
    body.className = "text";
    body.textContent = text;
    wrap.appendChild(body);
    log.appendChild(wrap);
    scrollDown();
    return wrap;
  }

  function errorText(status, body) {
    if (status === 429) return "You're sending messages quickly. Please wait a moment and try again.";
    if (status === 413) return "That message is too long. Please shorten it and try again.";
    let detail = body && (body.detail || body.error);
    if (Array.isArray(detail)) detail = detail.map((d) => (d && d.msg) || "").filter(Boolean).join("; ");
    if (typeof detail !== "string" || !detail) detail = "please try again.";
    return "Sorry, that didn't go through: " + detail;
  }

  async function readJson(res) {
    try { return await res.json(); } catch (e) { return null; }
  }

  // Server-sent events over a POST response (EventSource only does GET): yields {event, data}.
  async function* events(res) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (value) buffer = (buffer + decoder.decode(value, { stream: true })).replace(/\r\n?/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const val = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "event") event = val;
          else if (field === "data") data.push(val);
        }
        if (data.length) {
          let parsed = null;
          try { parsed = JSON.parse(data.join("\n")); } catch (e) { parsed = data.join("\n"); }
          yield { event: event, data: parsed };
        }
      }
      if (done) return;
    }
  }

  function helpLink(citation) {
    const section = String(citation.section || "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
    return "/help/" + encodeURIComponent(String(citation.article_id || "")) + (section ? "#" + section : "");
  }

  function addSources(bubble, citations) {
    const seen = new Set();
    const list = document.createElement("ul");
    list.className = "sources";
    for (const c of citations || []) {
      if (!c || !c.article_id) continue;
      const key = c.article_id + "#" + (c.section || "");
      if (seen.has(key)) continue;
      seen.add(key);
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = helpLink(c);
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      link.textContent = String(c.title || c.article_id) + (c.section ? " — " + c.section : "");
      item.appendChild(link);
      list.appendChild(item);
    }
    if (!list.children.length) return;
    const heading = document.createElement("p");
    heading.className = "sources-title";
    heading.textContent = "Sources";
    bubble.appendChild(heading);
    bubble.appendChild(list);
  }

  // Clarifying choices. ASSUMPTION (the reply API gains them in [Dialogue]): `reply.choices` is a list of
  // {id, label} (a plain string is taken as both); the customer answers by sending the label as the next message.
  function choicesOf(reply) {
    const raw = reply && (reply.choices || (reply.clarification && reply.clarification.choices));
    if (!Array.isArray(raw)) return [];
    return raw
      .map((c) => (typeof c === "string" ? { id: c, label: c } : c))
      .filter((c) => c && (typeof c.label === "string" || typeof c.id === "string"))
      .map((c) => ({
        id: String(c.id != null ? c.id : c.label),
        label: String(c.label != null ? c.label : c.id),
        article: typeof c.article_id === "string" ? c.article_id : "",
      }));
  }

  function addChoices(bubble, choices) {
    const group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Choose one");
    for (const choice of choices) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "choice";
      b.dataset.choiceId = choice.id;
      if (choice.article) b.dataset.articleId = choice.article;
      b.textContent = choice.label;
      b.addEventListener("click", () => {
        if (busy) return;
        for (const other of group.querySelectorAll("button")) other.disabled = true;
        b.setAttribute("aria-pressed", "true");
        sendText(choice.label);
      });
      group.appendChild(b);
    }
    bubble.appendChild(group);
  }

  function addActions(bubble, actions) {
    for (const action of actions || []) {
      if (!action || action.id !== "request_person") continue;  // the only action the API has
      const b = document.createElement("button");
      b.type = "button";
      b.className = "choice offer";
      b.textContent = String(action.label || "Talk to a person");
      b.addEventListener("click", () => {
        b.disabled = true;
        requestPerson();
      });
      bubble.appendChild(b);
    }
  }

  function describeState(newState, queue) {
    if (newState === "waiting_for_human") {
      if (queue && queue.open_now === false) return "Waiting for a person · our team is away right now";
      if (queue && queue.place) {
        const minutes = Math.max(1, Math.ceil(Number(queue.wait_minutes) || 1));
        return "Waiting for a person · number " + queue.place + " in the queue, about " + minutes + " min";
      }
      return "Waiting for a person";
    }
    if (newState === "with_human") return "You're talking with a person";
    if (newState === "resolved") return "Conversation closed · write again to reopen it";
    return "Automated assistant";
  }

  function setState(newState, queue) {
    const before = state;
    state = newState || state;
    mode.dataset.state = state;
    const words = describeState(state, queue);
    if (mode.textContent !== words) mode.textContent = words;  // a status region: speak only real changes
    const human = state === "waiting_for_human" || state === "with_human";
    personButton.disabled = human;
    personButton.textContent = state === "waiting_for_human" ? "Waiting for a person…"
      : state === "with_human" ? "You're with a person" : "Talk to a person";
    if (state !== before) {
      if (state === "with_human") {
        addMessage("note", "A person from our team has joined the conversation.");
        announce("A person from our team has joined the conversation.");
      } else if (state === "resolved") {
        addMessage("note", "The conversation has been closed. Thank you for getting in touch.");
        announce("The conversation has been closed. You can rate it below.");
      }
    }
    if (state === "resolved" && !rated) showRating(); else if (state !== "resolved") ratingBox.hidden = true;
    if (human) startPolling(); else stopPolling();
  }

  function finish(bubble, reply) {
    const text = String(reply.text || "");
    const body = bubble.querySelector(".text");
    body.textContent = text;  // the whole reply is the truth, whatever the deltas were
    bubble.classList.remove("streaming");
    bubble.removeAttribute("aria-busy");
    if (!text) bubble.remove();
    else addSources(bubble, reply.citations);
    const choices = choicesOf(reply);
    if (choices.length && text) addChoices(bubble, choices);
    if (text) addActions(bubble, reply.actions);
    let spoken = text ? "Assistant: " + text : "";
    if (choices.length && text) spoken += " Options: " + choices.map((c) => c.label).join(", ") + ".";
    if (spoken) announce(spoken);
    setState(reply.state, reply.queue);
    scrollDown();
  }

  async function sendText(text) {
    if (busy || !text) return;
    busy = true;
    sendButton.disabled = true;
    addMessage("you", text);
    const bubble = addMessage("bot", "");
    bubble.classList.add("streaming");
    bubble.setAttribute("aria-busy", "true");
    const body = bubble.querySelector(".text");
    body.textContent = "…";
    let started = false;
    let replied = false;
    try {
      const res = await fetch("/v1/chat/stream", {
        method: "POST",
        headers: headers(true),
        body: JSON.stringify({ message: text, conversation_id: conversationId, client_message_id: newId() }),
      });
      if (!res.ok) {
        bubble.remove();
        const msg = errorText(res.status, await readJson(res));
        addMessage("note error", msg);
        announce(msg);
        return;
      }
      for await (const ev of events(res)) {
        if (ev.event === "conversation") {
          conversationId = ev.data.conversation_id;
          token = ev.data.customer_token;
          remember();
        } else if (ev.event === "delta") {
          if (!started) { body.textContent = ""; started = true; }
          body.textContent += String(ev.data);
          scrollDown();
        } else if (ev.event === "reply") {
          replied = true;
          finish(bubble, ev.data || {});
        } else if (ev.event === "error") {
          bubble.remove();
          const msg = errorText(0, ev.data);
          addMessage("note error", msg);
          announce(msg);
          replied = true;
        }
        // "signals" and anything else: for the service, never shown to the customer
      }
      if (!replied) {
        bubble.remove();
        addMessage("note error", "Sorry, the reply was cut off. Please try again.");
      }
    } catch (e) {
      bubble.remove();
      addMessage("note error", "Sorry, we couldn't reach the chat service. Please check your connection.");
    } finally {
      busy = false;
      sendButton.disabled = false;
    }
  }

  async function requestPerson() {
    if (busy) return;
    busy = true;
    personButton.disabled = true;
    try {
      if (!conversationId) {
        const res = await fetch("/v1/conversations", { method: "POST", headers: headers(true), body: "{}" });
        const created = await readJson(res);
        if (!res.ok || !created) throw new Error(errorText(res.status, created));
        conversationId = created.conversation_id;
        token = created.customer_token;
        remember();
      }
      addMessage("you", "Talk to a person");
      const res = await fetch("/v1/conversations/" + encodeURIComponent(conversationId) + "/messages", {
        method: "POST",
        headers: headers(true),
        body: JSON.stringify({ action: "request_person", client_message_id: newId() }),
      });
      const reply = await readJson(res);
      if (!res.ok || !reply) throw new Error(errorText(res.status, reply));
      if (reply.text) {
        addMessage("bot", String(reply.text));
        announce("Assistant: " + reply.text);
      }
      setState(reply.state, reply.queue);
    } catch (e) {
      const msg = e && e.message ? e.message : "Sorry, that didn't go through.";
      addMessage("note error", msg);
      announce(msg);
      setState(state);
    } finally {
      busy = false;
    }
  }

  async function poll() {
    pollTimer = null;
    if (!conversationId) return;
    const id = encodeURIComponent(conversationId);
    try {
      const res = await fetch("/v1/conversations/" + id + "/messages", { headers: headers(false) });
      if (res.status === 429) {
        const wait = Number(res.headers.get("Retry-After")) || 5;
        pollDelay = Math.max(POLL_MS, wait * 1000);
      } else if (res.ok) {
        pollDelay = POLL_MS;
        const transcript = await res.json();
        const before = state;
        for (const turn of transcript.turns || []) {
          if (turn.role === "agent" && !shownAgentTurns.has(turn.index)) {
            shownAgentTurns.add(turn.index);
            addMessage("agent", String(turn.text), "Agent");
            announce("Agent: " + turn.text);
          } else if (turn.role === "system" && baselined && turn.index > lastIndex && before === "with_human") {
            addMessage("note", String(turn.text));  // e.g. "You're back with the assistant"
          }
          lastIndex = Math.max(lastIndex, turn.index);
        }
        baselined = true;
        let queue = null;
        if (transcript.state === "waiting_for_human") {
          const info = await fetch("/v1/conversations/" + id, { headers: headers(false) });
          if (info.ok) queue = (await info.json()).queue;
        }
        setState(transcript.state, queue);
      }
    } catch (e) {
      pollDelay = Math.min(pollDelay * 2, 30000);
    }
    if (state === "waiting_for_human" || state === "with_human") schedulePoll();
  }

  function schedulePoll() {
    if (pollTimer === null) pollTimer = window.setTimeout(poll, pollDelay);
  }

  function startPolling() {
    schedulePoll();
  }

  function stopPolling() {
    if (pollTimer !== null) window.clearTimeout(pollTimer);
    pollTimer = null;
  }

  function showRating() {
    if (stars.children.length === 0) {
      for (let score = 1; score <= 5; score++) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "star";
        b.textContent = String(score);
        b.setAttribute("aria-label", score + " out of 5, " + RATING_WORDS[score - 1]);
        b.addEventListener("click", () => rate(score));
        stars.appendChild(b);
      }
    }
    ratingBox.hidden = false;
    scrollDown();
  }

  async function rate(score) {
    for (const b of stars.querySelectorAll("button")) b.disabled = true;
    const res = await fetch("/v1/conversations/" + encodeURIComponent(conversationId) + "/rating", {
      method: "POST",
      headers: headers(true),
      body: JSON.stringify({ score: score }),
    });
    if (res.ok) {
      rated = true;
      ratingBox.hidden = true;
      addMessage("note", "Thank you for your rating (" + score + " out of 5).");
      announce("Thank you for your rating.");
    } else {
      for (const b of stars.querySelectorAll("button")) b.disabled = false;
      const msg = errorText(res.status, await readJson(res));
      addMessage("note error", msg);
      announce(msg);
    }
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    sendText(text);
    input.focus();
  });

  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });

  // After a reload: the transcript so far (without sources: the transcript keeps only the text), then the state.
  async function resume() {
    let saved = null;
    try { saved = JSON.parse(window.sessionStorage.getItem(STORE) || "null"); } catch (e) { saved = null; }
    if (!saved || !saved.id || !saved.token) return;
    conversationId = saved.id;
    token = saved.token;
    const id = encodeURIComponent(conversationId);
    try {
      const res = await fetch("/v1/conversations/" + id + "/messages", { headers: headers(false) });
      if (!res.ok) throw new Error("gone");
      const transcript = await res.json();
      const info = await fetch("/v1/conversations/" + id, { headers: headers(false) });
      const conversation = info.ok ? await info.json() : {};
      for (const turn of transcript.turns || []) {
        if (turn.role === "customer") addMessage("you", String(turn.text));
        else if (turn.role === "agent") { shownAgentTurns.add(turn.index); addMessage("agent", String(turn.text)); }
        else addMessage("bot", String(turn.text));
        lastIndex = Math.max(lastIndex, turn.index);
      }
      baselined = true;
      rated = conversation.rating != null;
      state = transcript.state;  // no "joined" / "closed" notes for what already happened
      setState(transcript.state, conversation.queue);
    } catch (e) {
      conversationId = token = null;
      forget();
    }
  }

  personButton.addEventListener("click", () => requestPerson());
  setState("bot");
  resume();
})();
