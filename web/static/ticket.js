// Tickets: the intake's caller picker, the dispatch form's worker list,
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
