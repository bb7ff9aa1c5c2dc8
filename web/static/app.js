// Ask before destructive actions; inline handlers are refused by our CSP.
document.addEventListener("submit", function (e) {
  var danger = e.submitter && e.submitter.classList.contains("danger");
  if (danger && !window.confirm(document.documentElement.lang === "en" ? "Are you sure?" : "确定要执行此操作吗？")) {
    e.preventDefault();
  }
});
