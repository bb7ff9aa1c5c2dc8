package fee

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

// A statement closes on what the unit owes less its prepaid balance,
// through a payment with a prepayment, a voided payment and waivers
// approved and rejected.
func TestLedgerRunningBalance(t *testing.T) {
	at := func(day int) time.Time { return time.Date(2026, 3, day, 9, 0, 0, 0, time.UTC) }
	ptr := func(t time.Time) *time.Time { return &t }
	b1, b2 := uuid.New(), uuid.New()
	ac := &Account{
		// b1 ¥100 paid by the first payment; b2 ¥80, ¥10 waived, ¥70 open
		// after the second payment was voided.
		Bills: []Bill{{ID: b1, AmountFen: 10000, PaidFen: 10000, CreatedAt: at(1)}, {ID: b2, AmountFen: 8000, WaivedFen: 1000, CreatedAt: at(2)}},
		Payments: []Payment{
			{ID: uuid.New(), AmountFen: 15000, PrepaidFen: 5000, PaidAt: at(3)},
			{ID: uuid.New(), AmountFen: 7000, PaidAt: at(4), VoidedAt: ptr(at(6))},
		},
		Waivers: []Waiver{
			{BillID: b2, AmountFen: 1000, Status: WaiverApproved, DecidedAt: ptr(at(5))},
			{BillID: b2, AmountFen: 500, Status: WaiverRejected, DecidedAt: ptr(at(5))},
		},
		BalanceFen: 5000,
		OpenFen:    7000,
	}
	got := Ledger(ac)
	want := []struct {
		kind    EntryKind
		balance int64
	}{{EntryBill, 10000}, {EntryBill, 18000}, {EntryPayment, 3000}, {EntryPayment, -4000}, {EntryWaiver, -5000}, {EntryVoid, 2000}}
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Kind != w.kind || got[i].BalanceFen != w.balance {
			t.Errorf("entry %d: %s %d, want %s %d", i, got[i].Kind, got[i].BalanceFen, w.kind, w.balance)
		}
	}
	if last := got[len(got)-1].BalanceFen; last != ac.OpenFen-ac.BalanceFen {
		t.Errorf("closing balance %d, want owed − prepaid = %d", last, ac.OpenFen-ac.BalanceFen)
	}
}
