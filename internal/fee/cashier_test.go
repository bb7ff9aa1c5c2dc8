package fee_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// A clerk's day: totals by method and item, a void counted on the void's
// day for whoever voided, the close storing the totals and refusing
// later payments and voids of that clerk there that day (others go on),
// and a reopen with its reason.
func TestCashierDay(t *testing.T) {
	f := setup(t)
	area := f.item(t, fee.ItemInput{Name: "物业费", Kind: fee.ByArea})
	f.rate(t, area, "", "2026-01-01", "2.35")
	park := f.item(t, fee.ItemInput{Name: "车位费", Kind: fee.FixedUnit})
	f.rate(t, park, "", "2026-01-01", "100")
	f.run(t, "2026-03")
	// 1-101: 物业费 ¥210.33 + 车位费 ¥100 in cash with ¥50 prepaid.
	pay := func(a fee.Actor, code string, m fee.Method, amount, prepay int64) (*fee.Receipt, error) {
		return f.svc.Pay(f.ctx, f.alpha, a, fee.PayInput{UnitID: f.units[code].ID, Method: m, AmountFen: amount, PrepayFen: prepay}, "")
	}
	p1, err := pay(f.clerk, "1-101", fee.Cash, 21033+10000, 5000)
	must(t, err)
	var areaBill fee.Bill
	for _, b := range f.account(t, "2-201").Bills {
		if b.ItemID == area.ID {
			areaBill = b
		}
	}
	_, err = f.svc.Pay(f.ctx, f.alpha, f.clerk, fee.PayInput{UnitID: areaBill.UnitID, BillIDs: []uuid.UUID{areaBill.ID}, Method: fee.WeChat, AmountFen: 10000}, "")
	must(t, err)
	_, err = pay(f.clerk2, "1-103", fee.Cash, 100, 0)
	must(t, err)
	// The next day the manager voids the first payment.
	f.clock.set(f.clock.Now().Add(24 * time.Hour))
	_, err = f.svc.Void(f.ctx, f.alpha.ID, f.manager, p1.Payment.ID, "录错")
	must(t, err)

	r, err := f.svc.CashierReport(f.ctx, f.alpha, f.clerk.Scope, fee.DayQuery{EstateID: f.east.ID, Day: "2026-03-10", ClerkID: &f.clerk.UserID})
	must(t, err)
	if r.Receipts != 2 || r.TakenFen != 46033 || r.Voids != 0 || r.NetFen != 46033 || len(r.Payments) != 2 || r.Payments[0].UnitCode != "1-101" {
		t.Fatalf("clerk's day %+v", r.DayTotals)
	}
	want := map[fee.Method]int64{fee.Cash: 36033, fee.WeChat: 10000}
	for _, m := range r.ByMethod {
		if want[m.Method] != m.TakenFen {
			t.Errorf("method %+v", m)
		}
		delete(want, m.Method)
	}
	if len(want) != 0 || len(r.ByItem) != 3 || r.ByItem[0].Item != "物业费" || r.ByItem[0].TakenFen != 31033 ||
		r.ByItem[1].Item != "车位费" || r.ByItem[1].TakenFen != 10000 || r.ByItem[2].ItemID != nil || r.ByItem[2].TakenFen != 5000 {
		t.Errorf("by method %+v, by item %+v", r.ByMethod, r.ByItem)
	}
	// The estate's day: both clerks.
	all, err := f.svc.CashierReport(f.ctx, f.alpha, f.manager.Scope, fee.DayQuery{EstateID: f.east.ID, Day: "2026-03-10"})
	must(t, err)
	if all.Receipts != 3 || all.TakenFen != 46133 || len(all.Clerks) != 2 {
		t.Errorf("estate's day %+v %+v", all.DayTotals, all.Clerks)
	}
	// The void is on the 11th, the manager's.
	v, err := f.svc.CashierReport(f.ctx, f.alpha, f.manager.Scope, fee.DayQuery{EstateID: f.east.ID, ClerkID: &f.manager.UserID})
	must(t, err)
	if v.Day != "2026-03-11" || v.Voids != 1 || v.VoidedFen != 36033 || v.NetFen != -36033 || v.Receipts != 0 || len(v.ByItem) != 3 || v.ByItem[2].VoidedFen != 5000 {
		t.Errorf("void's day %+v", v.DayTotals)
	}

	// The clerk closes the 11th; nothing more from them there that day.
	_, err = pay(f.clerk, "1-101", fee.Cash, 100, 0)
	must(t, err)
	c, err := f.svc.CloseDay(f.ctx, f.alpha, f.clerk, f.east.ID, "")
	must(t, err)
	if c.ClosedAt == nil || c.Closed == nil || c.Closed.TakenFen != 100 || len(c.Events) != 1 {
		t.Fatalf("closed %+v", c)
	}
	if _, err := pay(f.clerk, "1-101", fee.Cash, 100, 0); !errors.Is(err, fee.ErrDayClosed) {
		t.Errorf("pay after close: %v", err)
	}
	if _, err := f.svc.CloseDay(f.ctx, f.alpha, f.clerk, f.east.ID, "2026-03-11"); !errors.Is(err, fee.ErrDayAlreadyClosed) || !errors.Is(err, database.ErrConflict) {
		t.Errorf("close twice: %v", err)
	}
	if _, err := pay(f.clerk2, "1-101", fee.Cash, 100, 0); err != nil {
		t.Errorf("another clerk: %v", err)
	}
	// The manager closes their own day: their voids are refused after.
	p2, err := pay(f.clerk2, "2-201", fee.Cash, 100, 0)
	must(t, err)
	_, err = f.svc.CloseDay(f.ctx, f.alpha, f.manager, f.east.ID, "2026-03-11")
	must(t, err)
	if _, err := f.svc.Void(f.ctx, f.alpha.ID, f.manager, p2.Payment.ID, "重复"); !errors.Is(err, fee.ErrDayClosed) {
		t.Errorf("void after close: %v", err)
	}
	// The stored totals stay as closed; the report's live ones too.
	c2, err := f.svc.CashierReport(f.ctx, f.alpha, f.clerk.Scope, fee.DayQuery{EstateID: f.east.ID, ClerkID: &f.clerk.UserID})
	must(t, err)
	if c2.Closed == nil || c2.Closed.TakenFen != 100 || c2.TakenFen != 100 {
		t.Errorf("after close %+v", c2)
	}
	// Checks: a future day, another estate, a reopen without a reason or
	// of an open day.
	if _, err := f.svc.CloseDay(f.ctx, f.alpha, f.clerk, f.east.ID, "2026-03-12"); !errors.Is(err, fee.ErrDayInFuture) {
		t.Errorf("future: %v", err)
	}
	if _, err := f.svc.CloseDay(f.ctx, f.alpha, f.clerk, f.west.ID, ""); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("other estate: %v", err)
	}
	if _, err := f.svc.CashierReport(f.ctx, f.alpha, f.westClerk.Scope, fee.DayQuery{EstateID: f.east.ID}); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("report of another estate: %v", err)
	}
	if _, err := f.svc.CashierReport(f.ctx, f.bravo, f.bravoMgr.Scope, fee.DayQuery{EstateID: f.east.ID}); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("another company: %v", err)
	}
	if _, err := f.svc.ReopenDay(f.ctx, f.alpha, f.manager, f.east.ID, f.clerk.UserID, "2026-03-11", " "); !errors.Is(err, fee.ErrInvalidReason) {
		t.Errorf("no reason: %v", err)
	}
	if _, err := f.svc.ReopenDay(f.ctx, f.alpha, f.manager, f.east.ID, f.clerk2.UserID, "2026-03-11", "忘记"); !errors.Is(err, fee.ErrDayNotClosed) {
		t.Errorf("open day: %v", err)
	}
	ro, err := f.svc.ReopenDay(f.ctx, f.alpha, f.manager, f.east.ID, f.clerk.UserID, "2026-03-11", "漏收一笔")
	must(t, err)
	if ro.ClosedAt != nil || len(ro.Events) != 2 || ro.Events[1].Kind != fee.DayReopenedEvent || ro.Events[1].Reason != "漏收一笔" ||
		ro.Events[1].ByID != f.manager.UserID || ro.Events[1].Report.DayTotals == nil || ro.Events[1].Report.TakenFen != 100 {
		t.Errorf("reopened %+v", ro)
	}
	if _, err := pay(f.clerk, "1-101", fee.Cash, 100, 0); err != nil {
		t.Errorf("pay after reopen: %v", err)
	}
	c, err = f.svc.CloseDay(f.ctx, f.alpha, f.clerk, f.east.ID, "2026-03-11")
	must(t, err)
	if c.Closed.TakenFen != 200 || c.Closed.Receipts != 2 || len(c.Events) != 3 {
		t.Errorf("closed again %+v", c.Closed)
	}
}

// A close racing the clerk's payments: every payment either lands before
// the close (and is in its totals) or is refused after it; none is taken
// on the closed day outside the stored totals.
func TestCashierCloseRacesPayments(t *testing.T) {
	f := setup(t)
	u := f.units["1-101"].ID
	var wg sync.WaitGroup
	var mu sync.Mutex
	var paid int64
	for i := range 12 {
		wg.Go(func() {
			_, err := f.svc.Pay(context.Background(), f.alpha, f.clerk, fee.PayInput{UnitID: u, Method: fee.Cash, PrepayFen: int64(100 + i)}, "")
			switch {
			case err == nil:
				mu.Lock()
				paid += int64(100 + i)
				mu.Unlock()
			case !errors.Is(err, fee.ErrDayClosed):
				t.Error(err)
			}
		})
	}
	var closed *fee.DayReport
	wg.Go(func() {
		var err error
		closed, err = f.svc.CloseDay(context.Background(), f.alpha, f.clerk, f.east.ID, "")
		if err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	if closed == nil {
		t.FailNow()
	}
	if closed.Closed.TakenFen != paid {
		t.Errorf("closed with %d, paid %d", closed.Closed.TakenFen, paid)
	}
}
