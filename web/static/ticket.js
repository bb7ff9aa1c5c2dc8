// Tickets: the intake's caller picker and preview, the dispatch form's worker list,
// and the call-back form. Everything works without it, only slower.
(function () {
  "use strict";

  function byId(id) { return document.getElementById(id); }

  // Intake: a hit of the search box fills the unit, the person and the
  // estate instead of leaving the page.
  function initIntake() {
    var form = byId("intake");
    if (!form) { return; }
    var unit = byId("intake-unit"), person = byId("intake-person"), estate = byId("intake-estate");
    var picked = byId("intake-picked"), label = byId("intake-picked-label"), hits = byId("intake-hits"), q = byId("intake-q");

    function pickEstate(id, name) {
      for (var i = 0; i < estate.options.length; i++) {
        var o = estate.options[i];
        if ((id && o.value === id) || (!id && name && o.text === name)) { estate.value = o.value; return; }
      }
    }
    hits.addEventListener("click", function (e) {
      var a = e.target.closest("a[data-pick]");
      if (!a) { return; }
      e.preventDefault();
      unit.value = a.dataset.unit || "";
      person.value = a.dataset.person || "";
      pickEstate(a.dataset.estate, a.dataset.estateName);
      estate.dispatchEvent(new Event("change"));
      label.textContent = a.dataset.label || a.textContent;
      picked.hidden = false;
      hits.innerHTML = "";
      q.value = "";
    });
    byId("intake-clear").addEventListener("click", function () {
      unit.value = "";
      person.value = "";
      label.textContent = "";
      picked.hidden = true;
      q.focus();
    });
    // Enter in the search box searches; it must not send the form.
    q.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();
        var first = hits.querySelector("a[data-pick]");
        if (first) { first.click(); }
      }
    });
    // A major complaint (重大投诉) is a complaint's mark only.
    var type = byId("intake-type"), major = byId("intake-major");
    function syncMajor() {
      major.hidden = type.value !== "complaint";
      if (major.hidden) { major.querySelector("input").checked = false; }
    }
    type.addEventListener("change", syncMajor);
    syncMajor();
    initPreview(form);
  }

  // Intake: which team the dispatch rules will pick (or that none will)
  // and the deadlines, asked again whenever what decides them changes.
  function initPreview(form) {
    var box = byId("intake-preview");
    if (!box || !window.fetch) { return; }
    var fields = ["estate_id", "type", "category_id", "priority"];
    var dispatch = form.querySelector('input[name="dispatch"]');
    var said = byId("intake-preview-dispatch"), due = byId("intake-preview-deadlines"), manual = byId("intake-preview-manual");
    var asked = 0, last = null;
    function show() {
      if (!last) { return; }
      var now = !dispatch || dispatch.checked;
      manual.hidden = now;
      box.classList.toggle("warn", now && last.warning);
      box.dataset.team = last.team ? "yes" : "none";
    }
    function refresh() {
      var q = new URLSearchParams();
      fields.forEach(function (n) {
        var el = form.elements[n];
        if (el && el.value) { q.set(n, el.value); }
      });
      if (!q.get("estate_id")) { box.hidden = true; last = null; return; }
      var mine = ++asked;
      fetch(box.dataset.url + "?" + q.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error("preview " + r.status); } return r.json(); })
        .then(function (p) {
          if (mine !== asked) { return; }
          last = p;
          said.textContent = p.dispatch_text;
          due.textContent = p.deadlines_text;
          box.hidden = false;
          show();
        })
        .catch(function () { if (mine === asked) { box.hidden = true; last = null; } });
    }
    fields.forEach(function (n) {
      var el = form.elements[n];
      if (el) { el.addEventListener("change", refresh); }
    });
    if (dispatch) { dispatch.addEventListener("change", show); }
    refresh();
  }

  // Dispatch and transfer: the worker list shows the chosen team's people.
  function initSend() {
    document.querySelectorAll("form.tk-send").forEach(function (form) {
      var team = form.querySelector("[data-team-select]"), worker = form.querySelector("[data-worker-select]");
      if (!team || !worker) { return; }
      function sync() {
        worker.querySelectorAll("optgroup").forEach(function (g) {
          var show = !team.value || g.dataset.team === team.value;
          g.hidden = !show;
          g.disabled = !show;
        });
        var sel = worker.selectedOptions[0];
        if (sel && sel.parentElement.tagName === "OPTGROUP" && sel.parentElement.disabled) { worker.value = ""; }
      }
      team.addEventListener("change", sync);
      sync();
    });
  }

  // Call-back: scores only count when the owner was reached.
  function initCallback() {
    var form = byId("callback-form");
    if (!form) { return; }
    var scores = form.querySelector("[data-scores]");
    function sync() {
      var reached = form.querySelector("input[name=reached]:checked");
      var on = !reached || reached.value === "true";
      scores.hidden = !on;
      scores.querySelectorAll("input").forEach(function (i) { i.required = on; i.disabled = !on; });
    }
    form.querySelectorAll("input[name=reached]").forEach(function (r) { r.addEventListener("change", sync); });
    sync();
  }

  function init() { initIntake(); initSend(); initCallback(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
