// Ask before destructive actions; inline handlers are refused by our CSP.
document.addEventListener("submit", function (e) {
  var danger = e.submitter && e.submitter.classList.contains("danger");
  if (danger && !window.confirm(document.documentElement.lang === "en" ? "Are you sure?" : "确定要执行此操作吗？")) {
    e.preventDefault();
  }
});

// A button marked data-print prints the page (the work order).
document.addEventListener("click", function (e) {
  if (e.target.closest && e.target.closest("[data-print]")) {
    window.print();
  }
});
