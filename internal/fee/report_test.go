package fee_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/fee"
)

func (f *fixture) at(day string, hour int) {
	d, err := time.ParseInLocation("2006-01-02", day, shanghai)
	if err != nil {
		panic(err)
	}
	f.clock.set(d.Add(time.Duration(hour) * time.Hour))
}

// bill finds a unit's bill of a period.
func (f *fixture) bill(t *testing.T, code, period string) fee.Bill {
	t.Helper()
	for _, b := range f.account(t, code).Bills {
		if b.Period == period {
			return b
		}
	}
	t.Fatalf("no bill %s %s", code, period)
	return fee.Bill{}
}

func (f *fixture) payBill(t *testing.T, code, period string, fen int64) {
	t.Helper()
	b := f.bill(t, code, period)
	_, err := f.svc.Pay(f.ctx, f.alpha, f.clerk, fee.PayInput{UnitID: b.UnitID, BillIDs: []uuid.UUID{b.ID}, Method: fee.Cash, AmountFen: fen}, "")
	must(t, err)
}

func (f *fixture) waive(t *testing.T, code, period string, fen int64) {
	t.Helper()
	w, err := f.svc.RequestWaiver(f.ctx, f.alpha.ID, f.clerk, f.bill(t, code, period).ID, fen, "空置")
	must(t, err)
	_, err = f.svc.DecideWaiver(f.ctx, f.alpha.ID, f.manager, w.ID, true, false)
	must(t, err)
}

// The aging buckets and the collection rates of docs/fees.md, on bills of
// ¥100 a month for each of the four units, due on the 15th.
func TestAgingAndCollectionRates(t *testing.T) {
	f := setup(t)
	it := f.item(t, fee.ItemInput{Name: "物业费", Kind: fee.FixedUnit})
	f.rate(t, it, "", "2025-01-01", "100")
	f.at("2026-02-01", 9)
	for _, p := range []string{"2025-01", "2025-06", "2025-10", "2026-01", "2026-03", "2026-04"} {
		f.run(t, p)
	}
	f.at("2026-02-20", 10)
	f.payBill(t, "1-101", "2025-01", 3000)
	f.at("2026-03-05", 10)
	f.payBill(t, "2-201", "2026-01", 10000)
	f.at("2026-03-10", 10)
	f.waive(t, "2-201", "2026-03", 1000)
	f.waive(t, "1-102", "2025-06", 2000)
	f.at("2026-03-18", 10)
	f.payBill(t, "1-101", "2026-03", 10000)

	rows, err := f.svc.Aging(f.ctx, f.alpha, f.clerk.Scope, fee.AgingQuery{EstateID: f.east.ID, AsOf: "2026-03-20"})
	must(t, err)
	want := map[string][5]int64{
		"1": {20000, 30000, 30000, 28000, 27000},
		"2": {9000, 0, 10000, 10000, 10000},
	}
	if len(rows) != 2 {
		t.Fatalf("rows %+v", rows)
	}
	for _, r := range rows {
		if r.Buckets != want[r.Building] || r.Item != "物业费" {
			t.Errorf("building %s: %v, want %v", r.Building, r.Buckets, want[r.Building])
		}
	}
	if rows[0].Building != "1" || rows[0].TotalFen != 135000 || rows[0].Units != 3 {
		t.Errorf("first row %+v", rows[0])
	}
	b2 := f.b2.ID
	if rows, err := f.svc.Aging(f.ctx, f.alpha, f.clerk.Scope, fee.AgingQuery{EstateID: f.east.ID, AsOf: "2026-03-20", BuildingID: &b2}); err != nil || len(rows) != 1 || rows[0].TotalFen != 39000 {
		t.Errorf("building 2 only: %+v %v", rows, err)
	}
	// The day a bill falls due it is not in arrears yet; the day after it is.
	for asOf, b0 := range map[string]int64{"2026-03-15": 0, "2026-03-16": 20000} {
		rows, err := f.svc.Aging(f.ctx, f.alpha, f.clerk.Scope, fee.AgingQuery{EstateID: f.east.ID, AsOf: asOf})
		must(t, err)
		if rows[0].Buckets[0] != b0 {
			t.Errorf("as of %s: %v", asOf, rows[0].Buckets)
		}
	}

	// By unit, a page at a time.
	units, err := f.svc.ArrearsByUnit(f.ctx, f.alpha, f.clerk.Scope, fee.AgingQuery{EstateID: f.east.ID, AsOf: "2026-03-20"}, "", 2)
	must(t, err)
	if len(units) != 2 || units[0].Code != "1-101" || units[0].Buckets != [5]int64{0, 10000, 10000, 10000, 7000} || units[0].TotalFen != 37000 ||
		units[0].OldestDue != "2025-01-15" || units[0].Bills != 4 || units[1].Code != "1-102" || units[1].Buckets[3] != 8000 {
		t.Errorf("units %+v", units)
	}
	next, err := f.svc.ArrearsByUnit(f.ctx, f.alpha, f.clerk.Scope, fee.AgingQuery{EstateID: f.east.ID, AsOf: "2026-03-20"}, units[1].Code, 2)
	must(t, err)
	if len(next) != 2 || next[0].Code != "1-103" || next[1].Code != "2-201" || next[1].TotalFen != 39000 {
		t.Errorf("next page %+v", next)
	}
	if _, err := f.svc.ArrearsByUnit(f.ctx, f.alpha, f.westClerk.Scope, fee.AgingQuery{EstateID: f.east.ID}, "", 10); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("out of scope: %v", err)
	}

	f.at("2026-04-02", 10)
	f.payBill(t, "1-103", "2026-03", 5000)
	rates, err := f.svc.CollectionRates(f.ctx, f.alpha, f.clerk.Scope, fee.RateQuery{EstateID: f.east.ID, Period: "2026-03"})
	must(t, err)
	tot := rates.Total
	if tot.ReceivableFen != 39000 || tot.CollectedFen != 10000 || tot.ArrearsFen != 157000 || tot.RecoveredFen != 10000 ||
		tot.Collection.String() != "25.64%" || tot.Recovery.String() != "6.37%" {
		t.Errorf("total %+v %s %s", tot, tot.Collection, tot.Recovery)
	}
	if len(rates.Rows) != 2 || rates.Rows[0].Building != "1" || rates.Rows[0].ArrearsFen != 117000 || rates.Rows[1].RecoveredFen != 10000 ||
		rates.Rows[1].Collection.String() != "0.00%" {
		t.Errorf("rows %+v", rates.Rows)
	}
	later, err := f.svc.CollectionRates(f.ctx, f.alpha, f.clerk.Scope, fee.RateQuery{EstateID: f.east.ID, Period: "2026-03", Until: "2026-04-30"})
	must(t, err)
	if later.Total.CollectedFen != 15000 || later.Total.Collection.String() != "38.46%" {
		t.Errorf("until April %+v", later.Total)
	}
	// A quarter counts the bills of its months; a void takes its money
	// out of the figures.
	q, err := f.svc.CollectionRates(f.ctx, f.alpha, f.clerk.Scope, fee.RateQuery{EstateID: f.east.ID, Period: "2026-Q1", Until: "2026-04-30"})
	must(t, err)
	if q.Total.ReceivableFen != 79000 || q.Total.CollectedFen != 25000 {
		t.Errorf("quarter %+v", q.Total)
	}
	ac := f.account(t, "1-103")
	_, err = f.svc.Void(f.ctx, f.alpha.ID, f.manager, ac.Payments[0].ID, "收错")
	must(t, err)
	later, err = f.svc.CollectionRates(f.ctx, f.alpha, f.clerk.Scope, fee.RateQuery{EstateID: f.east.ID, Period: "2026-03", Until: "2026-04-30"})
	must(t, err)
	if later.Total.CollectedFen != 10000 {
		t.Errorf("after the void %+v", later.Total)
	}
}

func TestRatio(t *testing.T) {
	for r, want := range map[fee.Ratio]string{
		{1, 3}: "33.33%", {2, 3}: "66.67%", {0, 5}: "0.00%", {5, 5}: "100.00%", {1, 0}: "—", {1, 20000}: "0.01%", {1, 40000}: "0.00%",
		{1, 30000}: "0.00%", {-1, 3}: "-33.33%", {92_35, 100_00}: "92.35%",
	} {
		if got := r.String(); got != want {
			t.Errorf("%v: %s, want %s", r, got, want)
		}
	}
}

// Waivers need a reason, someone else's approval (or an office head's or
// manager's own), and must fit the bill.
func TestWaivers(t *testing.T) {
	f := setup(t)
	it := f.item(t, fee.ItemInput{Name: "物业费", Kind: fee.FixedUnit})
	f.rate(t, it, "", "2026-01-01", "100")
	f.run(t, "2026-03")
	b := f.bill(t, "1-101", "2026-03")
	if _, err := f.svc.RequestWaiver(f.ctx, f.alpha.ID, f.clerk, b.ID, 100, " "); !errors.Is(err, fee.ErrInvalidReason) {
		t.Errorf("no reason: %v", err)
	}
	if _, err := f.svc.RequestWaiver(f.ctx, f.alpha.ID, f.clerk, b.ID, 10001, "x"); !errors.Is(err, fee.ErrWaiverTooLarge) {
		t.Errorf("too large: %v", err)
	}
	w, err := f.svc.RequestWaiver(f.ctx, f.alpha.ID, f.clerk, b.ID, 4000, "漏水影响居住")
	must(t, err)
	if _, err := f.svc.DecideWaiver(f.ctx, f.alpha.ID, f.clerk, w.ID, true, false); !errors.Is(err, fee.ErrSelfApproval) {
		t.Errorf("own approval: %v", err)
	}
	if b := f.bill(t, "1-101", "2026-03"); b.WaivedFen != 0 {
		t.Errorf("waived before approval: %+v", b)
	}
	w2, err := f.svc.RequestWaiver(f.ctx, f.alpha.ID, f.clerk, b.ID, 7000, "重复申请")
	must(t, err)
	w, err = f.svc.DecideWaiver(f.ctx, f.alpha.ID, f.clerk2, w.ID, true, false)
	must(t, err)
	if w.Status != fee.WaiverApproved || *w.ApprovedBy != f.clerk2.UserID || w.RequestedBy != f.clerk.UserID || w.DecidedAt == nil {
		t.Errorf("approved %+v", w)
	}
	if b := f.bill(t, "1-101", "2026-03"); b.WaivedFen != 4000 || b.Status != fee.Partial || b.OpenFen() != 6000 {
		t.Errorf("bill %+v", b)
	}
	if _, err := f.svc.DecideWaiver(f.ctx, f.alpha.ID, f.manager, w.ID, true, true); !errors.Is(err, fee.ErrWaiverDecided) || !errors.Is(err, database.ErrConflict) {
		t.Errorf("twice: %v", err)
	}
	// The second request no longer fits.
	if _, err := f.svc.DecideWaiver(f.ctx, f.alpha.ID, f.manager, w2.ID, true, false); !errors.Is(err, fee.ErrWaiverTooLarge) {
		t.Errorf("no longer fits: %v", err)
	}
	w2, err = f.svc.DecideWaiver(f.ctx, f.alpha.ID, f.clerk, w2.ID, false, true)
	must(t, err)
	if w2.Status != fee.WaiverRejected {
		t.Errorf("rejected %+v", w2)
	}
	// The rest is paid, and the bill is settled by payment and waiver.
	f.payBill(t, "1-101", "2026-03", 6000)
	if b := f.bill(t, "1-101", "2026-03"); b.Status != fee.Paid {
		t.Errorf("paid %+v", b)
	}
	if len(f.account(t, "1-101").Waivers) != 2 {
		t.Error("waivers not on the account")
	}
}
