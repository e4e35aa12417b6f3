// Attune embed: <script src="https://attune.example/embed.js" async></script> on any page adds a chat button
// that opens the widget (/widget on the same server as this script) in an iframe. Optional attributes on the
// script tag: data-target="#element-id" (put the chat inside that element, which the page sizes, instead of a
// floating panel),
// data-label="Chat with us" (the button's text). Nothing is sent anywhere but the Attune server.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__attuneEmbedded) return;
  window.__attuneEmbedded = true;
  var origin = new URL(script.src, window.location.href).origin;
  var src = origin + "/widget";

  function frame() {
    var f = document.createElement("iframe");
    f.src = src;
    f.title = "Harbourlight Bank chat (automated assistant)";
    f.setAttribute("referrerpolicy", "strict-origin");
    f.style.border = "0";
    f.style.width = "100%";
    f.style.height = "100%";
    return f;
  }

  function mount() {
    var target = script.getAttribute("data-target");
    var host = target ? document.querySelector(target) : null;
    if (host) {
      host.appendChild(frame());
      return;
    }
    var panel = document.createElement("div");
    panel.id = "attune-chat-panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", "Chat");
    var s = panel.style;
    s.position = "fixed"; s.right = "16px"; s.bottom = "80px"; s.zIndex = "2147483646";
    s.width = "min(400px, calc(100vw - 32px))"; s.height = "min(640px, calc(100vh - 112px))";
    s.background = "#ffffff"; s.borderRadius = "12px"; s.overflow = "hidden";
    s.boxShadow = "0 4px 24px rgba(0,0,0,0.25)";
    var button = document.createElement("button");
    button.type = "button";
    button.id = "attune-chat-button";
    button.textContent = script.getAttribute("data-label") || "Chat with us";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", panel.id);
    var b = button.style;
    b.position = "fixed"; b.right = "16px"; b.bottom = "16px"; b.zIndex = "2147483647";
    b.minHeight = "48px"; b.padding = "0 20px"; b.borderRadius = "24px"; b.border = "0";
    b.background = "#0b4f6c"; b.color = "#ffffff"; b.font = "600 16px system-ui, sans-serif"; b.cursor = "pointer";
    button.addEventListener("click", function () {
      var open = panel.hidden;
      if (open && !panel.firstChild) panel.appendChild(frame());
      panel.hidden = !open;
      button.setAttribute("aria-expanded", String(open));
      if (open) panel.firstChild.focus();
    });
    document.body.appendChild(panel);
    document.body.appendChild(button);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
