package app

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/estatedesk/estatedesk/internal/kpi"
	"github.com/estatedesk/estatedesk/internal/pdf/pdftest"
)

// TestBrowserMonthlyReport is the manager's monthly report in Chinese:
// from the menu to the archive, last month's company report generated
// with the form's defaults, its page, and its PDF, whose text carries the
// title, the month and every section.
func TestBrowserMonthlyReport(t *testing.T) {
	requireChromium(t)
	base, _ := startDemoServer(t)
	b := startBrowser(t)
	mgr := b.ctx
	shots := screenshotDir(t)
	signInAs(t, mgr, base, "manager@demo.estatedesk.test")
	month := kpi.MonthOf(time.Now(), shanghai(t)).Add(-1).String()

	runResponse(t, mgr, "open the reports", chromedp.Click(chromedp.ID("nav-reports")))
	wantPath(t, mgr, "/t/demo/reports")
	if got := run(t, mgr, "the form's month", chromedp.Value(chromedp.CSS(`#report-generate input[name="month"]`))); got != month {
		t.Errorf("the form offers %q, want last month %s", got, month)
	}
	runResponse(t, mgr, "generate", chromedp.Click(chromedp.CSS(`#report-generate button[type="submit"]`)))
	if loc := run(t, mgr, "location", chromedp.Location()); !strings.Contains(loc, "/t/demo/reports/") {
		t.Fatalf("after generating: %s", loc)
	}
	if h := run(t, mgr, "heading", chromedp.Text(chromedp.CSS("main h1"))); !strings.Contains(h, "月度分析报告") || !strings.Contains(h, month) {
		t.Errorf("heading %q", h)
	}
	if s := run(t, mgr, "status", chromedp.Text(chromedp.ID("report-status"))); s != "草稿" {
		t.Errorf("status %q, want 草稿", s)
	}
	saveScreenshot(t, mgr, shots, "report.png")

	link := run(t, mgr, "PDF link", chromedp.Evaluate[string](`document.getElementById("report-pdf").href`))
	text := fetchPDF(t, mgr, "open the report PDF", link)
	pdftest.Contains(t, text, "示例物业", "月度分析报告", "全公司 · "+month, "本月指标与目标", "客户满意率", "零修及时率", "各小区对比",
		"近 12 个月趋势", "每月报事量", "热点类别与楼栋", "重大投诉（", "不满意业主回访原话（", "收费情况")
	b.checkConsole(t)
}
