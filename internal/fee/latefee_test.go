package fee_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// The late fee of docs/fees.md: days after the due date × open amount ×
// the daily rate, rounded to the fen half away from zero, nothing within
// the grace days, within the caps less what was charged before.
func TestLateFeeOf(t *testing.T) {
	due := time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC)
	day := func(s string) time.Time {
		d, err := fee.ParseDate(s)
		must(t, err)
		return d
	}
	on := fee.LatePolicy{Enabled: true, RatePPM: 300, GraceDays: 10}
	for _, c := range []struct {
		name         string
		p            fee.LatePolicy
		amount, base int64
		charged      int64
		day          string
		wantDays     int
		wantFen      int64
	}{
		{"off by default", fee.LatePolicy{RatePPM: 300}, 10000, 10000, 0, "2026-03-10", 23, 0},
		{"before due", on, 10000, 10000, 0, "2026-02-01", 0, 0},
		{"on the due day", on, 10000, 10000, 0, "2026-02-15", 0, 0},
		{"last day of grace", on, 10000, 10000, 0, "2026-02-25", 10, 0},
		// 11 days after the grace began: counted from the due date.
		{"after grace", on, 10000, 10000, 0, "2026-02-26", 11, 33},
		// ¥100 × 0.03% × 23 = ¥0.69.
		{"23 days", on, 10000, 10000, 0, "2026-03-10", 23, 69},
		// ¥1,234.56 × 0.03% × 23 = 8.518464 fen → 9 fen… ×100: 851.8464 → 852.
		{"rounds half away", on, 123456, 123456, 0, "2026-03-10", 23, 852},
		// 50 × 300 × 1 / 1e6 = 0.015 → 0; 5000 × 300 × 1 = 1.5 → 2.
		{"half rounds up", fee.LatePolicy{Enabled: true, RatePPM: 300}, 5000, 5000, 0, "2026-02-16", 1, 2},
		{"below half rounds down", fee.LatePolicy{Enabled: true, RatePPM: 300}, 4999, 4999, 0, "2026-02-16", 1, 1},
		{"part paid: on the base", on, 10000, 4000, 0, "2026-03-10", 23, 28},
		{"cap percent", fee.LatePolicy{Enabled: true, RatePPM: 5000, CapPercent: 10}, 10000, 10000, 0, "2026-06-15", 120, 1000},
		{"cap fen", fee.LatePolicy{Enabled: true, RatePPM: 5000, CapFen: 700}, 10000, 10000, 0, "2026-06-15", 120, 700},
		{"lower cap wins", fee.LatePolicy{Enabled: true, RatePPM: 5000, CapPercent: 10, CapFen: 2000}, 10000, 10000, 0, "2026-06-15", 120, 1000},
		{"cap less charged", fee.LatePolicy{Enabled: true, RatePPM: 5000, CapFen: 700}, 10000, 10000, 600, "2026-06-15", 120, 100},
		{"cap used up", fee.LatePolicy{Enabled: true, RatePPM: 5000, CapFen: 700}, 10000, 10000, 800, "2026-06-15", 120, 0},
		{"nothing open", on, 10000, 0, 0, "2026-03-10", 23, 0},
		// A year late on ¥10 million at 1% a day stays exact.
		{"large", fee.LatePolicy{Enabled: true, RatePPM: fee.MaxLateRatePPM}, 1_000_000_000, 1_000_000_000, 0, "2027-02-15", 365, 3_650_000_000},
	} {
		days, fen := fee.LateFeeOf(c.p, due, c.amount, c.base, c.charged, day(c.day))
		if days != c.wantDays || fen != c.wantFen {
			t.Errorf("%s: %d days %d fen, want %d days %d fen", c.name, days, fen, c.wantDays, c.wantFen)
		}
	}
	for in, want := range map[string]int64{"0.03": 300, "0.05": 500, "1": 10000, "0.0001": 1, "￥0.03": 300} {
		if got, err := fee.ParseLateRate(in); err != nil || got != want {
			t.Errorf("ParseLateRate(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "-0.03", "0.00001", "1.01", "abc"} {
		if _, err := fee.ParseLateRate(in); !errors.Is(err, fee.ErrInvalidLateRate) {
			t.Errorf("ParseLateRate(%q): %v", in, err)
		}
	}
	if got := fee.FormatLateRate(300); got != "0.03" {
		t.Errorf("FormatLateRate(300) = %q", got)
	}
}

// The policy is off until a manager sets it, per estate and in scope; the
// counter shows each late bill's fee and nothing for bills not yet late.
func TestLatePolicyAndCounter(t *testing.T) {
	f := setup(t)
	p, err := f.svc.LatePolicy(f.ctx, f.alpha.ID, f.clerk.Scope, f.east.ID)
	must(t, err)
	if p.Enabled || p.RatePPM != 0 {
		t.Fatalf("default policy %+v", p)
	}
	mgmt := f.item(t, fee.ItemInput{Name: "物业费", Kind: fee.FixedUnit})
	f.rate(t, mgmt, "", "2026-01-01", "100")
	f.run(t, "2026-02") // due 2026-02-15
	f.run(t, "2026-03") // due 2026-03-15
	_, late, err := f.svc.LateFees(f.ctx, f.alpha, f.clerk.Scope, f.units["1-101"].ID)
	must(t, err)
	if len(late) != 0 {
		t.Fatalf("late fees while off: %+v", late)
	}
	for in, want := range map[string]error{
		"no rate":      fee.ErrInvalidLateRate,
		"rate":         fee.ErrInvalidLateRate,
		"grace":        fee.ErrInvalidGraceDays,
		"cap":          fee.ErrInvalidLateCap,
		"cap fen":      fee.ErrInvalidLateCap,
		"other co.":    database.ErrNotFound,
		"out of scope": database.ErrNotFound,
	} {
		pi, who, estateID := fee.LatePolicyInput{Enabled: true, RatePPM: 300}, f.manager, f.east.ID
		switch in {
		case "no rate":
			pi.RatePPM = 0
		case "rate":
			pi.RatePPM = fee.MaxLateRatePPM + 1
		case "grace":
			pi.GraceDays = 366
		case "cap":
			pi.CapPercent = 101
		case "cap fen":
			pi.CapFen = -1
		case "other co.":
			who = f.bravoMgr
		case "out of scope":
			who = f.westClerk
		}
		tenantID := f.alpha.ID
		if in == "other co." {
			tenantID = f.bravo.ID
		}
		if _, err := f.svc.SetLatePolicy(f.ctx, tenantID, who, estateID, pi); !errors.Is(err, want) {
			t.Errorf("%s: %v", in, err)
		}
	}
	_, err = f.svc.SetLatePolicy(f.ctx, f.alpha.ID, f.manager, f.east.ID, fee.LatePolicyInput{Enabled: true, RatePPM: 300, GraceDays: 10, CapFen: 50000})
	must(t, err)
	// Set again: the row is updated, not doubled.
	_, err = f.svc.SetLatePolicy(f.ctx, f.alpha.ID, f.manager, f.east.ID, fee.LatePolicyInput{Enabled: true, RatePPM: 300, GraceDays: 10, CapPercent: 100})
	must(t, err)
	if _, err := f.svc.LatePolicy(f.ctx, f.alpha.ID, f.westClerk.Scope, f.east.ID); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("policy out of scope: %v", err)
	}
	if p, err = f.svc.LatePolicy(f.ctx, f.alpha.ID, f.clerk.Scope, f.east.ID); err != nil || !p.Enabled || p.CapPercent != 100 || p.CapFen != 0 {
		t.Fatalf("policy %+v %v", p, err)
	}
	// 2026-03-10: February's ¥100 is 23 days late, ¥0.69; March's is not due.
	_, late, err = f.svc.LateFees(f.ctx, f.alpha, f.clerk.Scope, f.units["1-101"].ID)
	must(t, err)
	feb := f.bill(t, "1-101", "2026-02")
	if len(late) != 1 || late[0].BillID != feb.ID || late[0].Days != 23 || late[0].Fen != 69 || fee.LateTotal(late) != 69 {
		t.Fatalf("late fees %+v", late)
	}
	// The west clerk and another company see nothing of the unit.
	if _, _, err := f.svc.LateFees(f.ctx, f.alpha, f.westClerk.Scope, f.units["1-101"].ID); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("west clerk: %v", err)
	}
	if _, _, err := f.svc.LateFees(f.ctx, f.bravo, f.bravoMgr.Scope, f.units["1-101"].ID); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("other company: %v", err)
	}
}

// lateFeesOf is the unit's late fees today.
func (f *fixture) lateFeesOf(t *testing.T, code string) []fee.LateFee {
	t.Helper()
	_, late, err := f.svc.LateFees(f.ctx, f.alpha, f.clerk.Scope, f.units[code].ID)
	must(t, err)
	return late
}

func (f *fixture) lateCharges(t *testing.T) int {
	t.Helper()
	var n int
	must(t, f.db.ReadTenant(f.ctx, f.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT count(*) FROM fee_late_charges WHERE tenant_id = ? AND voided_at IS NULL", f.alpha.ID).Scan(ctx, &n)
	}))
	return n
}

// A late bill's payment charges its late fee once, as its own charge on
// the payment (not on the bill), less an approved late-fee waiver; a
// replay charges nothing more; the cashier's day shows late fees on
// their own line; the statement balances; a void gives the late fee
// back; a part payment is charged on the part paid.
func TestLateFeesPaidAndWaived(t *testing.T) {
	f := setup(t)
	mgmt := f.item(t, fee.ItemInput{Name: "物业费", Kind: fee.FixedUnit})
	f.rate(t, mgmt, "", "2026-01-01", "100")
	f.run(t, "2026-02") // due 2026-02-15: 23 days late on 2026-03-10
	f.run(t, "2026-03") // not yet due
	_, err := f.svc.SetLatePolicy(f.ctx, f.alpha.ID, f.manager, f.east.ID, fee.LatePolicyInput{Enabled: true, RatePPM: 300, GraceDays: 10, CapPercent: 100})
	must(t, err)
	feb, mar := f.bill(t, "1-101", "2026-02"), f.bill(t, "1-101", "2026-03")
	unit := f.units["1-101"].ID

	// The clerk was shown another late fee: refused, nothing paid.
	wrong := int64(1)
	_, err = f.svc.Pay(f.ctx, f.alpha, f.clerk, fee.PayInput{UnitID: unit, Method: fee.Cash, AmountFen: 20000, LateFeeFen: &wrong}, "")
	if !errors.Is(err, fee.ErrLateFeeChanged) || !errors.Is(err, database.ErrConflict) {
		t.Fatalf("changed late fee: %v", err)
	}

	// A late-fee waiver: at most today's ¥0.69, approved by the manager;
	// the bill itself is not waived.
	if _, err := f.svc.RequestLateFeeWaiver(f.ctx, f.alpha, f.clerk, feb.ID, 70, "系统通知延误"); !errors.Is(err, fee.ErrWaiverTooLarge) {
		t.Errorf("too large: %v", err)
	}
	if _, err := f.svc.RequestLateFeeWaiver(f.ctx, f.alpha, f.clerk, mar.ID, 1, "未逾期"); !errors.Is(err, fee.ErrNoLateFee) {
		t.Errorf("not late: %v", err)
	}
	if _, err := f.svc.RequestLateFeeWaiver(f.ctx, f.alpha, f.westClerk, feb.ID, 30, "越权"); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("out of scope: %v", err)
	}
	w, err := f.svc.RequestLateFeeWaiver(f.ctx, f.alpha, f.clerk, feb.ID, 30, "系统通知延误")
	must(t, err)
	if _, err := f.svc.DecideWaiver(f.ctx, f.alpha.ID, f.clerk, w.ID, true, false); !errors.Is(err, fee.ErrSelfApproval) {
		t.Errorf("self approval: %v", err)
	}
	_, err = f.svc.DecideWaiver(f.ctx, f.alpha.ID, f.manager, w.ID, true, false)
	must(t, err)
	if b := f.bill(t, "1-101", "2026-02"); b.WaivedFen != 0 || b.OpenFen() != 10000 {
		t.Fatalf("a late-fee waiver touched the bill %+v", b)
	}
	late := f.lateFeesOf(t, "1-101")
	if len(late) != 1 || late[0].ComputedFen != 69 || late[0].WaivedFen != 30 || late[0].Fen != 39 {
		t.Fatalf("late fees after the waiver %+v", late)
	}

	// Both bills paid as shown: ¥200 + ¥0.39, once, even when retried.
	shown := fee.LateTotal(late)
	in := fee.PayInput{UnitID: unit, Method: fee.Cash, AmountFen: 20000, ExpectedFen: 20000, LateFeeFen: &shown}
	rc, err := f.svc.Pay(f.ctx, f.alpha, f.clerk, in, "late-1")
	must(t, err)
	p := rc.Payment
	if p.AmountFen != 20039 || p.LateFeeFen != 39 || len(rc.LateFees) != 1 || rc.LateFees[0].BillID != feb.ID ||
		rc.LateFees[0].Days != 23 || rc.LateFees[0].ComputedFen != 69 || rc.LateFees[0].WaivedFen != 30 || rc.LateFees[0].AmountFen != 39 {
		t.Fatalf("payment %+v late %+v", p, rc.LateFees)
	}
	again, err := f.svc.Pay(f.ctx, f.alpha, f.clerk, in, "late-1")
	must(t, err)
	if !again.Replayed || again.Payment.ID != p.ID || len(again.LateFees) != 1 || f.lateCharges(t) != 1 {
		t.Fatalf("replay %+v, %d charges", again, f.lateCharges(t))
	}
	if b := f.bill(t, "1-101", "2026-02"); b.PaidFen != 10000 || b.Status != fee.Paid {
		t.Errorf("the bill is paid its amount only %+v", b)
	}
	rc, err = f.svc.Payment(f.ctx, f.alpha.ID, f.clerk.Scope, p.ID)
	must(t, err)
	if len(rc.LateFees) != 1 || rc.Payment.LateFeeFen != 39 {
		t.Errorf("the receipt read back %+v", rc)
	}

	// The cashier's day: ¥200 by the item, ¥0.39 of late fees.
	day, err := f.svc.CashierReport(f.ctx, f.alpha, f.clerk.Scope, fee.DayQuery{EstateID: f.east.ID, Day: "2026-03-10", ClerkID: &f.clerk.UserID})
	must(t, err)
	if day.TakenFen != 20039 || len(day.ByItem) != 2 || day.ByItem[0].TakenFen != 20000 || !day.ByItem[1].LateFees || day.ByItem[1].TakenFen != 39 {
		t.Fatalf("the day %+v", day.DayTotals)
	}
	// The statement: the late fee charged and paid; it closes on what is owed.
	ac := f.account(t, "1-101")
	entries := fee.Ledger(ac)
	if last := entries[len(entries)-1]; last.BalanceFen != ac.OpenFen-ac.BalanceFen {
		t.Errorf("ledger closes on %d, account %d", last.BalanceFen, ac.OpenFen-ac.BalanceFen)
	}
	if !slices.ContainsFunc(entries, func(e fee.Entry) bool { return e.Kind == fee.EntryLateFee && e.ChargeFen == 39 }) {
		t.Errorf("no late fee on the statement %+v", entries)
	}

	// Voided: the late fee is owed again, the waiver's credit back.
	_, err = f.svc.Void(f.ctx, f.alpha.ID, f.manager, p.ID, "收款方式录错")
	must(t, err)
	if n := f.lateCharges(t); n != 0 {
		t.Errorf("%d late charges after the void", n)
	}
	if late := f.lateFeesOf(t, "1-101"); len(late) != 1 || late[0].Fen != 39 {
		t.Fatalf("late fees after the void %+v", late)
	}
	ac = f.account(t, "1-101")
	entries = fee.Ledger(ac)
	if last := entries[len(entries)-1]; last.BalanceFen != ac.OpenFen-ac.BalanceFen {
		t.Errorf("ledger after the void closes on %d, account %d", last.BalanceFen, ac.OpenFen-ac.BalanceFen)
	}

	// ¥40 of February: its late fee is on ¥40 (27.6 → 28 fen), all of it
	// waived (30 fen of credit); the rest of the credit, 2 fen, is left
	// for the next payment of the bill.
	rc, err = f.svc.Pay(f.ctx, f.alpha, f.clerk, fee.PayInput{UnitID: unit, BillIDs: []uuid.UUID{feb.ID}, Method: fee.Cash, AmountFen: 4000}, "")
	must(t, err)
	if rc.Payment.LateFeeFen != 0 || rc.Payment.AmountFen != 4000 || len(rc.LateFees) != 1 || rc.LateFees[0].ComputedFen != 28 || rc.LateFees[0].WaivedFen != 28 {
		t.Fatalf("part payment %+v %+v", rc.Payment, rc.LateFees)
	}
	// ¥60 open: 41.4 → 41 fen, less 2 fen of credit.
	if late := f.lateFeesOf(t, "1-101"); len(late) != 1 || late[0].BaseFen != 6000 || late[0].ComputedFen != 41 || late[0].Fen != 39 {
		t.Fatalf("late fees of the rest %+v", late)
	}
}
