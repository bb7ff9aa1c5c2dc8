package app

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/pdf/pdftest"
)

// TestBrowserFeeCounter is the cashier's counter in Chinese: an owner comes
// to pay; the clerk types the owner's phone into the counter's search box,
// opens the unit's account, ticks the two months of 公共照明费 it owes,
// takes cash and prints the receipt, whose PDF says what was paid.
func TestBrowserFeeCounter(t *testing.T) {
	requireChromium(t)
	base, where := startDemoServer(t)
	b := startBrowser(t)
	clerk := b.ctx
	shots := screenshotDir(t)
	signInAs(t, clerk, base, "clerk@demo.estatedesk.test")
	owner := findOwner(t, clerk) // a unit the clerk may see, its owner's phone
	t.Logf("owner %s of %s · %s, phone %s", owner.Name, owner.Code, owner.Estate, owner.Phone)

	// The demo has no fees (yet): the unit's estate gets an item of its
	// own, billed for two months by billing runs the server's jobs work.
	const item = "公共照明费"
	months := feeMonths(time.Now())
	perMonth := billTwoMonths(t, where, uuid.MustParse(owner.Unit), item, months)
	total := 2 * perMonth

	// 1. The counter: the phone in the search box finds the unit.
	runResponse(t, clerk, "open the fees", chromedp.Click(chromedp.ID("nav-fees")))
	wantPath(t, clerk, "/t/demo/fees")
	do(t, clerk, "type the owner's phone", chromedp.SendKeys(chromedp.CSS(`main form[action$="/fees/counter"] input[name="q"]`), owner.Phone))
	runResponse(t, clerk, "search", chromedp.Submit(chromedp.CSS(`main form[action$="/fees/counter"] input[name="q"]`)))
	wantPath(t, clerk, "/t/demo/fees/counter")
	hit := `#fee-counter-hits a[href="/t/demo/fees/units/` + owner.Unit + `"]`
	if text := run(t, clerk, "the hit", chromedp.Text(chromedp.CSS(hit))); !strings.Contains(text, owner.Code) {
		t.Errorf("the hit reads %q, want %s", text, owner.Code)
	}
	saveScreenshot(t, clerk, shots, "fee-counter.png")

	// 2. The account: the two bills ticked (anything else the unit owes
	// is left for another day), cash, the amount as shown.
	runResponse(t, clerk, "open the account", chromedp.Click(chromedp.CSS(hit)))
	wantPath(t, clerk, "/t/demo/fees/units/"+owner.Unit)
	if h := run(t, clerk, "account heading", chromedp.Text(chromedp.ID("fee-account-unit"))); !strings.Contains(h, owner.Code) {
		t.Fatalf("account heading %q, want %s", h, owner.Code)
	}
	ticked := run(t, clerk, "tick the two bills", chromedp.Evaluate[int](`((item) => {
		let n = 0;
		for (const box of document.querySelectorAll('#fee-pay input[name="bill_ids"]')) {
			box.checked = box.getAttribute("aria-label").startsWith(item);
			if (box.checked) { n++; }
		}
		return n;
	})(`+strconv.Quote(item)+`)`))
	if ticked != 2 {
		t.Fatalf("%d bills of %s to tick, want 2", ticked, item)
	}
	do(t, clerk, "pay cash", chromedp.Click(chromedp.CSS(`#fee-pay-fields input[name="method"][value="cash"]`)))
	saveScreenshot(t, clerk, shots, "fee-account.png")
	runResponse(t, clerk, "take the money", chromedp.Click(chromedp.ID("fee-pay-submit")))
	if loc := run(t, clerk, "location", chromedp.Location()); !strings.Contains(loc, "/t/demo/fees/payments/") {
		text, _ := chromedp.Run(clerk, chromedp.Evaluate[string](`document.querySelector("main")?.innerText ?? ""`))
		t.Fatalf("after paying: %s\n%s", loc, text)
	}
	receiptNo := run(t, clerk, "receipt number", chromedp.Text(chromedp.ID("fee-receipt-no")))
	if !strings.HasPrefix(receiptNo, "SK"+strconv.Itoa(time.Now().In(shanghai(t)).Year())+"-") {
		t.Errorf("receipt number %q", receiptNo)
	}
	saveScreenshot(t, clerk, shots, "fee-payment.png")

	// 3. The receipt to print: its PDF, as the link opens it.
	link := run(t, clerk, "receipt link", chromedp.Evaluate[string](`document.getElementById("fee-receipt-pdf").href`))
	text := fetchPDF(t, clerk, "open the receipt PDF", link)
	pdftest.Contains(t, text, "收款收据", receiptNo, owner.Code, owner.Name, "现金", item, months[0], months[1],
		fee.Format(total), fee.Capital(total))
	if strings.Contains(text, "副本") {
		t.Errorf("the first print is marked as a copy:\n%s", text)
	}
	b.checkConsole(t)
}

// fetchPDF fetches a PDF in the page, as its link opens it, and reads its
// text.
func fetchPDF(t *testing.T, ctx context.Context, step, link string) string {
	t.Helper()
	type file struct{ Type, Data string }
	got := run(t, ctx, step, chromedp.Evaluate[file](`(async (url) => {
		const r = await fetch(url);
		if (!r.ok) { throw new Error("PDF " + r.status); }
		let s = "";
		for (const x of new Uint8Array(await r.arrayBuffer())) { s += String.fromCharCode(x); }
		return {Type: r.headers.get("Content-Type"), Data: btoa(s)};
	})(`+strconv.Quote(link)+`)`, chromedp.EvalAwaitPromise))
	if got.Type != "application/pdf" {
		t.Errorf("%s: Content-Type %q", step, got.Type)
	}
	raw, err := base64.StdEncoding.DecodeString(got.Data)
	if err != nil {
		t.Fatal(err)
	}
	return pdftest.Text(t, raw)
}

// feeMonths are the two months before now's, in Shanghai: bills already due.
func feeMonths(now time.Time) [2]string {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	first := time.Date(now.In(loc).Year(), now.In(loc).Month(), 1, 0, 0, 0, 0, loc)
	return [2]string{first.AddDate(0, -2, 0).Format("2006-01"), first.AddDate(0, -1, 0).Format("2006-01")}
}

func shanghai(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// billTwoMonths gives the unit's estate a fixed monthly item of ¥86.50 a
// unit and runs the two months' billing through the server's own job
// worker, on the server's database; it returns a month's amount in fen.
func billTwoMonths(t *testing.T, where database.Options, unitID uuid.UUID, name string, months [2]string) int64 {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, where)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A client that is never started: it only queues the runs, which the
	// server's client works.
	jobs, err := job.New(db, job.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fees, err := fee.NewService(db, jobs, fee.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var tenantID uuid.UUID
	if err := db.ReadPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT id FROM tenants WHERE slug = ?", "demo").Scan(ctx, &tenantID)
	}); err != nil {
		t.Fatal(err)
	}
	var u *estate.Unit
	if err := db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		u, err = estate.UnitByID(ctx, tx, tenantID, unitID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	manager := fee.Actor{UserID: uuid.Must(uuid.NewV7()), Scope: estate.Scope{All: true}}
	it, err := fees.CreateItem(ctx, tenantID, manager.Scope, u.EstateID, fee.ItemInput{Name: name, Kind: fee.FixedUnit, Cycle: fee.Monthly,
		DueDay: 10, VacantPercent: 100, SortOrder: 90})
	if err != nil {
		t.Fatal(err)
	}
	price, err := fee.ParsePrice("86.50")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fees.AddRate(ctx, tenantID, manager, it.ID, fee.RateInput{EffectiveFrom: months[0] + "-01", Price: price}); err != nil {
		t.Fatal(err)
	}
	for _, m := range months {
		r, err := fees.StartRun(ctx, tenantID, manager, u.EstateID, m)
		if err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(60 * time.Second); r.Status != fee.RunDone; time.Sleep(50 * time.Millisecond) {
			if r.Status == fee.RunFailed || time.Now().After(deadline) {
				t.Fatalf("billing run %s: %s %s", m, r.Status, r.Error)
			}
			if r, err = fees.Run(ctx, tenantID, manager.Scope, r.ID); err != nil {
				t.Fatal(err)
			}
		}
		if r.Created == 0 {
			t.Fatalf("billing run %s made no bills", m)
		}
	}
	return 8650
}
