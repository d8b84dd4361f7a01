// Weft console: the few things that need a script. Times stay relative as the page sits open;
// copy buttons; expand or collapse a JSON view; keyboard shortcuts (? lists them). No eval, no
// inline handlers: everything is bound here, so the Content-Security-Policy can forbid both.
"use strict";
(function () {
  const units = [["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

  function refreshTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      const at = Date.parse(el.getAttribute("datetime"));
      if (Number.isNaN(at)) return;
      const seconds = Math.round((at - Date.now()) / 1000);
      for (const [unit, size] of units) {
        if (Math.abs(seconds) >= size || unit === "second") {
          el.textContent = format.format(Math.round(seconds / size), unit);
          break;
        }
      }
    });
  }

  function copy(button) {
    const target = document.getElementById(button.dataset.copyTarget);
    const text = button.dataset.copyText ||
      (target ? (target instanceof HTMLInputElement ? target.value : (target.dataset.raw || target.textContent)) : "");
    navigator.clipboard.writeText(text).then(function () {
      const label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1200);
    });
  }

  function fold(button, open) {
    const root = document.getElementById(button.dataset.foldTarget);
    if (root) root.querySelectorAll("details").forEach(function (d) { d.open = open; });
  }

  function reveal(button) {
    const target = document.getElementById(button.dataset.revealTarget);
    if (!target) return;
    const shown = target.dataset.shown === "true";
    target.textContent = shown ? target.dataset.masked : target.dataset.secret;
    target.dataset.shown = shown ? "false" : "true";
    button.textContent = shown ? "Reveal" : "Hide";
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.copyTarget !== undefined || button.dataset.copyText !== undefined) copy(button);
    else if (button.dataset.foldTarget) fold(button, button.dataset.fold === "open");
    else if (button.dataset.revealTarget) reveal(button);
  });

  // Keyboard: / search, j/k rows, Enter opens, g then o/l/d/t goes to a page, ? help.
  let pendingG = false;
  function rows() { return Array.from(document.querySelectorAll("tbody tr[data-href]")); }
  function select(step) {
    const all = rows();
    if (!all.length) return;
    const at = all.findIndex(function (r) { return r.classList.contains("selected"); });
    const next = all[Math.min(all.length - 1, Math.max(0, at + step))];
    all.forEach(function (r) { r.classList.remove("selected"); });
    next.classList.add("selected");
    const link = next.querySelector("a");
    if (link) link.focus();
  }
  document.addEventListener("keydown", function (event) {
    const typing = event.target.closest("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey;
    if (typing) return;
    const go = { o: "/console", l: "/console/logs", d: "/console/deliveries", t: "/console/targets" };
    if (pendingG && go[event.key]) { window.location.assign(go[event.key]); pendingG = false; return; }
    pendingG = event.key === "g";
    if (event.key === "/") {
      const search = document.querySelector("input[type=search]");
      if (search) { event.preventDefault(); search.focus(); }
    } else if (event.key === "j") select(1);
    else if (event.key === "k") select(-1);
    else if (event.key === "?") {
      const help = document.getElementById("help");
      if (help) help.showModal();
    }
  });

  // A form that changes something hard to undo (rotating a secret, revoking a key) asks first.
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () { refreshTimes(document); });
  document.addEventListener("htmx:afterSettle", function (event) { refreshTimes(event.target); });
  setInterval(function () { refreshTimes(document); }, 30000);
})();

// --- Inbound hooks ---
// An action shows only the inputs of its kind, the target its key fields only for a search
// (Rotate Secret and Delete ask first through data-confirm, above). Without the script every
// input shows and the forms post as they are.
(function () {
  function mark(root) {
    root.querySelectorAll("fieldset.action").forEach(function (action) {
      const kind = action.querySelector("select.action-type");
      if (kind) action.dataset.type = kind.value;
    });
    root.querySelectorAll("fieldset.target").forEach(function (target) {
      const by = target.querySelector("select[name='target.by']");
      if (by) target.dataset.by = by.value;
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("select.action-type, select[name='target.by']")) mark(document);
  });
  document.addEventListener("DOMContentLoaded", function () { mark(document); });
})();
