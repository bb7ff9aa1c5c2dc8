package app

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// importWait bounds each wait for an import job: the check of a file, or
// its apply, which the page follows by polling.
const importWait = 30 * time.Second

// TestBrowserImportWithErrorsThenFixed drives the bulk import as a manager
// would: upload a file with mistakes, read the report, upload the fixed
// file, confirm, watch the progress to the end, and find a new unit by the
// last four digits of its owner's phone in the top bar's search box.
func TestBrowserImportWithErrorsThenFixed(t *testing.T) {
	requireChromium(t)
	start := time.Now()
	base := startTestServer(t)
	b := startBrowser(t)
	ctx := b.ctx
	shots := screenshotDir(t)

	dir := t.TempDir()
	header := []string{"楼栋", "单元", "楼层", "房号", "类型", "面积", "状态", "业主姓名", "业主电话"}
	// Row numbers count the header as row 1.
	bad := writeCSV(t, dir, "房屋-有错.csv", header,
		[]string{"9", "", "1", "101", "住宅", "abc", "空置", "", ""},           // row 2: the area
		[]string{"9", "", "1", "102", "住宅", "88.5", "已入住", "王小明", "12345"}, // row 3: the phone
		[]string{"9", "", "1", "103", "住宅", "88.5", "空置", "", ""},          // row 4
		[]string{"9", "", "1", "103", "住宅", "88.5", "空置", "", ""},          // row 5: row 4 again
	)
	fixed := writeCSV(t, dir, "房屋-已修正.csv", header,
		[]string{"9", "", "1", "101", "住宅", "88.5", "空置", "", ""},
		[]string{"9", "", "1", "102", "住宅", "88.5", "已入住", "王小明", "13800001111"},
		[]string{"9", "", "1", "103", "住宅", "88.5", "空置", "", ""},
		[]string{"9", "", "2", "201", "住宅", "96", "已入住", "林晓雨", "13912345678"},
		[]string{"9", "", "2", "202", "住宅", "96", "装修中", "", ""},
		[]string{"9", "", "2", "203", "商铺", "45.25", "空置", "周大福", "021-62340000"},
	)
	const (
		owner     = "林晓雨"
		ownerUnit = "9-201"
		last4     = "5678"
	)

	// Sign in as the demo manager.
	do(t, ctx, "open /login", chromedp.Navigate(base+"/login"))
	do(t, ctx, "fill the sign-in form",
		chromedp.SendKeys(chromedp.ID("email"), "manager@demo.estatedesk.test"),
		chromedp.SendKeys(chromedp.ID("password"), DemoPassword),
	)
	runResponse(t, ctx, "sign in", chromedp.Click(chromedp.ID("login-submit")))
	wantPath(t, ctx, "/t/demo/")

	// The estates, the estate, its imports.
	runResponse(t, ctx, "open the estates", chromedp.Navigate(base+"/t/demo/estates"))
	runResponse(t, ctx, "open 阳光花园",
		chromedp.Click(chromedp.Search(`//table[@id="estates"]//a[normalize-space(.)="阳光花园"]`)))
	runResponse(t, ctx, "open the imports", chromedp.Click(chromedp.ID("estate-imports")))
	imports := currentPath(t, ctx)
	if !strings.HasPrefix(imports, "/t/demo/estates/") || !strings.HasSuffix(imports, "/imports") {
		t.Fatalf("imports page at %s", imports)
	}
	if h := run(t, ctx, "imports heading", chromedp.Text(chromedp.CSS("main h1"))); !strings.Contains(h, "阳光花园") {
		t.Fatalf("imports heading = %q, want the estate 阳光花园", h)
	}
	saveScreenshot(t, ctx, shots, "import-upload.png")

	// The file with mistakes: the check finds them and changes nothing.
	upload(t, ctx, bad)
	waitStatus(t, ctx, "the check of the bad file", "有问题")
	alert := run(t, ctx, "problems alert", chromedp.Text(chromedp.CSS("#import-problems .alert")))
	if !strings.Contains(alert, "发现 3 个问题") {
		t.Errorf("problems alert = %q, want 发现 3 个问题", alert)
	}
	rows := run(t, ctx, "problem rows", chromedp.Evaluate[[][]string](
		`[...document.querySelectorAll("#import-problems tbody tr")].map(tr => [...tr.cells].map(c => c.textContent.trim()))`))
	wantProblems := []struct{ row, column, reason string }{
		{"2", "面积", "面积「abc」无效"},
		{"3", "业主电话", "电话「12345」无效"},
		{"5", "", "与第 4 行是同一套房屋"},
	}
	if len(rows) != len(wantProblems) {
		t.Errorf("the report lists %d problems, want %d: %q", len(rows), len(wantProblems), rows)
	}
	for i, w := range wantProblems {
		if i >= len(rows) {
			break
		}
		r := rows[i]
		if len(r) != 4 || r[0] != w.row || (w.column != "" && r[1] != w.column) || !strings.Contains(r[3], w.reason) {
			t.Errorf("problem %d = %q, want row %s, column %q, a reason with %q", i+1, r, w.row, w.column, w.reason)
		}
	}
	offers := run(t, ctx, "apply offered", chromedp.Evaluate[bool](
		`document.getElementById("import-apply") !== null || document.querySelector('form[action$="/apply"]') !== null`))
	if offers {
		t.Error("an import with problems offers to confirm it")
	}
	saveScreenshot(t, ctx, shots, "import-report.png")

	// Back to the imports page; the fixed file passes the check.
	runResponse(t, ctx, "back to the imports",
		chromedp.Click(chromedp.CSS(`#import-problems a[href$="/imports"]`)))
	wantPath(t, ctx, imports)
	upload(t, ctx, fixed)
	waitStatus(t, ctx, "the check of the fixed file", "待确认")
	summary := run(t, ctx, "summary", chromedp.Evaluate[map[string]string](
		`Object.fromEntries([...document.querySelectorAll("#import-summary tr")].map(tr => [tr.cells[0].textContent.trim(), tr.cells[1].textContent.trim()]))`))
	for k, v := range map[string]string{"新建楼栋": "1", "新建房屋": "6", "新建业主/住户": "3"} {
		if summary[k] != v {
			t.Errorf("summary %s = %q, want %s (summary %q)", k, summary[k], v, summary)
		}
	}
	saveScreenshot(t, ctx, shots, "import-validated.png")

	// Confirm, and follow the progress until the page says it is done.
	runResponse(t, ctx, "confirm the import", chromedp.Click(chromedp.ID("import-apply")))
	if s := importStatus(t, ctx); s == "导入中" {
		saveScreenshot(t, ctx, shots, "import-progress.png")
	} else {
		t.Logf("the apply was done before its page showed (%s)", s)
	}
	waitStatus(t, ctx, "the apply", "已导入")
	if n := run(t, ctx, "outcome", chromedp.Text(chromedp.CSS("main .notice"))); !strings.Contains(n, "导入完成") {
		t.Errorf("applied page says %q, want 导入完成", n)
	}
	saveScreenshot(t, ctx, shots, "import-applied.png")

	// The top bar's search box finds the unit by the owner's phone.
	do(t, ctx, "type the last digits of the phone", chromedp.SendKeys(chromedp.ID("topsearch-q"), last4))
	waitFor(t, ctx, "the search box lists "+ownerUnit, 10*time.Second,
		`[...document.querySelectorAll("#topsearch-pop a.unit-link")].some(a => a.textContent.trim() === `+strconv.Quote(ownerUnit)+`)`)
	pop := run(t, ctx, "search box", chromedp.Text(chromedp.ID("topsearch-pop")))
	if !strings.Contains(pop, owner) {
		t.Errorf("the search box lacks the owner %s: %q", owner, pop)
	}
	saveScreenshot(t, ctx, shots, "import-search.png")
	runResponse(t, ctx, "open "+ownerUnit, chromedp.Click(chromedp.Search(
		`//div[@id="topsearch-pop"]//a[contains(@class,"unit-link") and normalize-space(.)="`+ownerUnit+`"]`)))
	if p := currentPath(t, ctx); !strings.HasPrefix(p, "/t/demo/units/") {
		t.Fatalf("the unit link went to %s", p)
	}
	if code := run(t, ctx, "unit code", chromedp.Text(chromedp.ID("unit-code"))); code != ownerUnit {
		t.Errorf("unit page code = %q, want %s", code, ownerUnit)
	}
	people := run(t, ctx, "unit people", chromedp.Text(chromedp.ID("unit-people")))
	if !strings.Contains(people, owner) || !strings.Contains(strings.ReplaceAll(people, " ", ""), "13912345678") {
		t.Errorf("unit %s lacks %s and her phone: %q", ownerUnit, owner, people)
	}
	saveScreenshot(t, ctx, shots, "import-unit.png")

	b.checkConsole(t)
	t.Logf("import in the browser took %s", time.Since(start).Round(time.Millisecond))
}

func writeCSV(t *testing.T, dir, name string, rows ...[]string) string {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

// upload sends a file with the form of the imports page; the browser lands
// on the import's page.
func upload(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	do(t, ctx, "choose "+filepath.Base(path),
		chromedp.SetUploadFiles(chromedp.CSS(`#import-upload input[type="file"]`), []string{path}))
	resp := runResponse(t, ctx, "upload "+filepath.Base(path),
		chromedp.Click(chromedp.CSS(`#import-upload button[type="submit"]`)))
	if resp.Status != 200 {
		t.Fatalf("upload %s: final status %d (%s)", filepath.Base(path), resp.Status, resp.URL)
	}
	if p := currentPath(t, ctx); !strings.HasPrefix(p, "/t/demo/imports/") {
		t.Fatalf("upload %s: landed on %s, want the import's page", filepath.Base(path), p)
	}
	if h := run(t, ctx, "import heading", chromedp.Text(chromedp.CSS("main h1"))); h != filepath.Base(path) {
		t.Errorf("import heading = %q, want the file name %s", h, filepath.Base(path))
	}
}

// importStatus is the badge of the import page, "" while none shows.
func importStatus(t *testing.T, ctx context.Context) string {
	t.Helper()
	return run(t, ctx, "import status", chromedp.Evaluate[string](
		`document.getElementById("import-status")?.textContent.trim() ?? ""`))
}

// waitStatus waits for the import page, which polls and then reloads
// itself, to show a status.
func waitStatus(t *testing.T, ctx context.Context, step, want string) {
	t.Helper()
	waitFor(t, ctx, step+" ("+want+")", importWait,
		`document.readyState === "complete" && document.getElementById("import-status")?.textContent.trim() === `+strconv.Quote(want))
}

// waitFor evaluates a JavaScript condition until it holds. Unlike
// chromedp.Poll it survives the page reloading itself, as the import page
// does when its job ends.
func waitFor(t *testing.T, ctx context.Context, step string, timeout time.Duration, cond string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		lastErr = err
		if ctx.Err() != nil {
			t.Fatalf("%s: %v", step, browserErr(ctx, ctx.Err()))
		}
		if time.Now().After(deadline) {
			text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main")?.innerText ?? ""`))
			t.Fatalf("%s: not within %s (last error %v); the page shows:\n%s", step, timeout, lastErr, text)
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func currentPath(t *testing.T, ctx context.Context) string {
	t.Helper()
	return run(t, ctx, "location", chromedp.Evaluate[string](`location.pathname`))
}
