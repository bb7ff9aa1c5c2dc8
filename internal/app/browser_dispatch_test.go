package app

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserIntakeWarnsWhenNoRuleMatches: the manager removes 阳光花园's
// fallback rule and adds a category no rule covers; the clerk's intake
// says, before saving, that no rule will take it (and names the team for
// a category that has one), saves with "dispatch now" ticked and is
// warned, not congratulated; the ticket waits in 未派工, counted in the top
// bar. The manager then names the fallback team on the estate page, and
// the same intake previews it.
func TestBrowserIntakeWarnsWhenNoRuleMatches(t *testing.T) {
	requireChromium(t)
	base := startTestServer(t)
	b := startBrowser(t)
	ctx := b.ctx
	shots := screenshotDir(t)
	const category = "测试无规则"

	// 1. The manager deletes the estate's fallback and adds a root category.
	signInAs(t, ctx, base, "manager@demo.estatedesk.test")
	runResponse(t, ctx, "open the ticket settings", chromedp.Click(chromedp.ID("nav-ticket-settings")))
	fallback := run(t, ctx, "the fallback rule of 阳光花园", chromedp.Evaluate[string](`(() => {
		const row = [...document.querySelectorAll("#rules-table tbody tr")].find(tr =>
			tr.cells[0].textContent.trim() === "阳光花园" && tr.cells[1].textContent.trim().startsWith("兜底"));
		return row ? row.id : "";
	})()`))
	if fallback == "" {
		t.Fatal("阳光花园 has no fallback rule in the settings")
	}
	// The delete button asks to confirm; the manager says yes.
	run(t, ctx, "say yes to the confirmation", chromedp.Evaluate[bool](`(window.confirm = () => true, true)`))
	runResponse(t, ctx, "delete the fallback", chromedp.Click(chromedp.CSS("#"+fallback+" button[type=submit]")))
	do(t, ctx, "name the category", chromedp.SendKeys(chromedp.CSS(`#category-form input[name="name"]`), category))
	runResponse(t, ctx, "add the category", chromedp.Click(chromedp.CSS(`#category-form button[type=submit]`)))
	if text := run(t, ctx, "coverage", chromedp.Text(chromedp.ID("dispatch-coverage"))); !strings.Contains(text, "未设兜底班组") || !strings.Contains(text, category) {
		t.Errorf("the settings do not say 阳光花园 lacks a fallback and a rule for %s:\n%s", category, text)
	}
	runResponse(t, ctx, "sign out", chromedp.Click(chromedp.ID("logout")))

	// 2. The clerk takes a call in the new category.
	signInAs(t, ctx, base, "clerk@demo.estatedesk.test")
	do(t, ctx, "open the intake", chromedp.Navigate(base+"/t/demo/tickets/new"))
	waitFor(t, ctx, "the preview for a repair", ticketWait, `!document.getElementById("intake-preview").hidden`)
	chooseOption(t, ctx, `#intake select[name="category_id"]`, "维修 › 漏水")
	waitFor(t, ctx, "the preview names the maintenance team", ticketWait,
		`document.getElementById("intake-preview-dispatch").textContent.includes("维修班")`)
	chooseOption(t, ctx, "#intake-type", "投诉")
	chooseOption(t, ctx, `#intake select[name="category_id"]`, category)
	waitFor(t, ctx, "the preview warns that no rule matches", ticketWait, `(() => {
		const box = document.getElementById("intake-preview");
		return !box.hidden && box.classList.contains("warn") &&
			document.getElementById("intake-preview-dispatch").textContent.includes("没有匹配的派工规则") &&
			document.getElementById("intake-preview-deadlines").textContent.includes("响应时限");
	})()`)
	saveScreenshot(t, ctx, shots, "intake-no-rule.png")
	do(t, ctx, "the caller and the problem",
		chromedp.SendKeys(chromedp.CSS(`#intake input[name="caller_name"]`), "李先生"),
		chromedp.SendKeys(chromedp.CSS(`#intake input[name="caller_phone"]`), "13912345678"),
		chromedp.SendKeys(chromedp.CSS(`#intake textarea[name="description"]`), "小区门口有人乱发传单"))
	if !run(t, ctx, "dispatch now", chromedp.Evaluate[bool](`document.querySelector('#intake input[name="dispatch"]').checked`)) {
		t.Fatal("dispatch now is not ticked by default")
	}
	runResponse(t, ctx, "save", chromedp.Click(chromedp.ID("intake-submit")))
	path := currentPath(t, ctx)
	if !regexp.MustCompile(`^/t/demo/tickets/[0-9a-f-]{36}$`).MatchString(path) {
		t.Fatalf("the intake landed on %s", path)
	}
	warning := run(t, ctx, "the warning", chromedp.Text(chromedp.ID("flash-warning")))
	if !strings.Contains(warning, "没有派出") {
		t.Errorf("the warning reads %q", warning)
	}
	if green := run(t, ctx, "no success", chromedp.Evaluate[int](`document.querySelectorAll('.flash[role="status"]').length`)); green != 0 {
		t.Error("a success message beside the warning")
	}
	wantStatus(t, ctx, "已受理")
	number := run(t, ctx, "ticket number", chromedp.Text(chromedp.ID("ticket-number")))
	saveScreenshot(t, ctx, shots, "intake-not-dispatched.png")
	count, err := strconv.Atoi(run(t, ctx, "the top bar's count", chromedp.Text(chromedp.ID("undispatched-count"))))
	if err != nil || count < 1 {
		t.Fatalf("the top bar counts %d undispatched (%v)", count, err)
	}
	runResponse(t, ctx, "open 未派工", chromedp.Click(chromedp.ID("nav-undispatched")))
	if list := run(t, ctx, "the queue", chromedp.Text(chromedp.ID("queue-table"))); !strings.Contains(list, number) {
		t.Errorf("未派工 does not list %s:\n%s", number, list)
	}
	if tab := run(t, ctx, "the tab", chromedp.Text(chromedp.ID("tab-undispatched"))); tab != "未派工 "+strconv.Itoa(count) {
		t.Errorf("the tab reads %q, want 未派工 %d", tab, count)
	}
	runResponse(t, ctx, "sign out", chromedp.Click(chromedp.ID("logout")))

	// 3. The manager names the fallback on the estate page; the same intake
	// now goes to it.
	signInAs(t, ctx, base, "manager@demo.estatedesk.test")
	do(t, ctx, "open the estates", chromedp.Navigate(base+"/t/demo/estates"))
	href := run(t, ctx, "the link to 阳光花园", chromedp.Evaluate[string](
		`[...document.querySelectorAll("main a")].find(a => a.textContent.trim() === "阳光花园")?.href ?? ""`))
	if href == "" {
		t.Fatal("no link to 阳光花园")
	}
	do(t, ctx, "open 阳光花园", chromedp.Navigate(href))
	if text := run(t, ctx, "the estate's dispatch", chromedp.Text(chromedp.ID("dispatch"))); !strings.Contains(text, "未设兜底班组") {
		t.Errorf("the estate page does not say it lacks a fallback:\n%s", text)
	}
	chooseOption(t, ctx, `#fallback-form select[name="team_id"]`, "客服组")
	runResponse(t, ctx, "save the fallback", chromedp.Click(chromedp.ID("fallback-save")))
	wantPath(t, ctx, strings.TrimPrefix(href, base))
	if text := run(t, ctx, "the estate's dispatch", chromedp.Text(chromedp.ID("dispatch"))); !strings.Contains(text, "兜底班组「客服组」") {
		t.Errorf("the estate page does not show the fallback:\n%s", text)
	}
	do(t, ctx, "open the intake", chromedp.Navigate(base+"/t/demo/tickets/new"))
	chooseOption(t, ctx, "#intake-estate", "阳光花园")
	chooseOption(t, ctx, `#intake select[name="category_id"]`, category)
	waitFor(t, ctx, "the preview names the fallback team", ticketWait, `(() => {
		const box = document.getElementById("intake-preview"), text = document.getElementById("intake-preview-dispatch").textContent;
		return !box.hidden && !box.classList.contains("warn") && text.includes("兜底") && text.includes("客服组");
	})()`)
	b.checkConsole(t)
}
