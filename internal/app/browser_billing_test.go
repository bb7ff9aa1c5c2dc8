package app

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserSignupTrial is a property company finding estatedesk in a
// Chinese browser: from the plans on the public page it signs up (the
// workspace address checked as it is typed), lands in its new workspace
// with the trial banner and the first steps, and opens its billing page,
// which says online payment is not set up on this server (the demo has no
// Stripe) and shows the plan's usage.
func TestBrowserSignupTrial(t *testing.T) {
	requireChromium(t)
	base := startTestServer(t)
	b := startBrowser(t)
	ctx := b.ctx
	shots := screenshotDir(t)

	resp := run(t, ctx, "open /", chromedp.NavigateResponse(base+"/"))
	if resp.Status != 200 {
		t.Fatalf("GET /: status %d", resp.Status)
	}
	wantLang(t, ctx, "zh-CN")
	runResponse(t, ctx, "choose the growth plan", chromedp.Click(chromedp.ID("signup-growth")))
	wantPath(t, ctx, "/signup")
	if h := run(t, ctx, "sign-up heading", chromedp.Text(chromedp.CSS("main h1"))); h != "注册物业公司" {
		t.Fatalf("sign-up heading = %q, want 注册物业公司", h)
	}
	if plan := run(t, ctx, "the chosen plan", chromedp.Value(chromedp.ID("plan"))); plan != "growth" {
		t.Errorf("plan = %q, want growth", plan)
	}
	do(t, ctx, "fill in the company",
		chromedp.SendKeys(chromedp.ID("company_name"), "绿城物业"),
		chromedp.SendKeys(chromedp.ID("slug"), "lvcheng"),
	)
	do(t, ctx, "the address is free", chromedp.WaitVisible(chromedp.CSS(`#slug-check:not(:empty)`)))
	if check := run(t, ctx, "slug check", chromedp.Text(chromedp.ID("slug-check"))); !strings.Contains(check, "可以使用") {
		t.Errorf("slug check reads %q, want 可以使用", check)
	}
	do(t, ctx, "fill in the manager",
		chromedp.SendKeys(chromedp.ID("manager_name"), "王经理"),
		chromedp.SendKeys(chromedp.ID("signup-email"), "wang@lvcheng.example.com"),
		chromedp.SendKeys(chromedp.ID("mobile"), "13912345678"),
		chromedp.SendKeys(chromedp.ID("signup-password"), "a long password"),
	)
	saveScreenshot(t, ctx, shots, "signup.png")
	resp = runResponse(t, ctx, "sign up", chromedp.Click(chromedp.ID("signup-submit")))
	if resp.Status != 200 {
		t.Fatalf("sign up: final status %d (%s)", resp.Status, resp.URL)
	}

	// Signed in, in the new workspace, on trial.
	wantPath(t, ctx, "/t/lvcheng/")
	if banner := run(t, ctx, "trial banner", chromedp.Text(chromedp.ID("banner-trial"))); !strings.Contains(banner, "试用期还剩 14 天") {
		t.Errorf("trial banner = %q, want 试用期还剩 14 天", banner)
	}
	do(t, ctx, "the first steps", chromedp.WaitVisible(chromedp.ID("first-steps")))
	do(t, ctx, "the request to confirm the address", chromedp.WaitVisible(chromedp.ID("banner-confirm")))
	saveScreenshot(t, ctx, shots, "signup-workspace.png")

	// The billing page, from the banner.
	runResponse(t, ctx, "open billing", chromedp.Click(chromedp.ID("banner-trial-billing")))
	wantPath(t, ctx, "/t/lvcheng/billing")
	if h := run(t, ctx, "billing heading", chromedp.Text(chromedp.ID("billing-heading"))); h != "订阅与账单" {
		t.Errorf("billing heading = %q, want 订阅与账单", h)
	}
	if plan := run(t, ctx, "billing plan", chromedp.Text(chromedp.ID("billing-plan-name"))); !strings.Contains(plan, "¥999.00") {
		t.Errorf("billing plan = %q, want the growth price ¥999.00", plan)
	}
	if trial := run(t, ctx, "billing trial", chromedp.Text(chromedp.ID("billing-trial"))); !strings.Contains(trial, "14") {
		t.Errorf("billing trial = %q", trial)
	}
	do(t, ctx, "billing not set up", chromedp.WaitVisible(chromedp.ID("billing-off")))
	do(t, ctx, "the usage bars", chromedp.WaitVisible(chromedp.ID("usage-staff")))
	saveScreenshot(t, ctx, shots, "billing.png")
	b.checkConsole(t)
}
