package fee_test

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// Prints of a receipt are numbered 1, 2, 3… however many are asked for at
// once: one original, never two. Another estate's clerk and another
// company print nothing.
func TestPrintReceiptNumbers(t *testing.T) {
	f := setup(t)
	it := f.item(t, fee.ItemInput{Name: "物业费", Kind: fee.FixedUnit})
	f.rate(t, it, "", "2026-01-01", "100")
	f.run(t, "2026-03")
	b := f.bill(t, "1-101", "2026-03")
	rc, err := f.svc.Pay(f.ctx, f.alpha, f.clerk, fee.PayInput{UnitID: b.UnitID, BillIDs: []uuid.UUID{b.ID}, Method: fee.Cash, AmountFen: 10000}, "")
	must(t, err)
	const n = 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seqs []int
	)
	for range n {
		wg.Go(func() {
			got, seq, err := f.svc.PrintReceipt(f.ctx, f.alpha.ID, f.clerk, rc.Payment.ID)
			if err != nil {
				t.Error(err)
				return
			}
			if got.Payment.ReceiptNo != rc.Payment.ReceiptNo || len(got.Allocations) != 1 {
				t.Errorf("printed %+v", got.Payment)
			}
			mu.Lock()
			seqs = append(seqs, seq)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(seqs)
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8}; !slices.Equal(seqs, want) {
		t.Errorf("prints %v, want %v", seqs, want)
	}
	if _, _, err := f.svc.PrintReceipt(f.ctx, f.alpha.ID, f.westClerk, rc.Payment.ID); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("west clerk: %v", err)
	}
	if _, _, err := f.svc.PrintReceipt(f.ctx, f.bravo.ID, f.bravoMgr, rc.Payment.ID); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("another company: %v", err)
	}
	if _, seq, err := f.svc.PrintReceipt(f.ctx, f.alpha.ID, f.manager, rc.Payment.ID); err != nil || seq != n+1 {
		t.Errorf("after the refused ones: %d %v", seq, err)
	}
}

// The letters' bills: a unit's bills past due and not paid, narrowed by
// item, in due order; never another estate's.
func TestOverdueBills(t *testing.T) {
	f := setup(t)
	area := f.item(t, fee.ItemInput{Name: "物业费", Kind: fee.FixedUnit})
	f.rate(t, area, "", "2026-01-01", "100")
	f.at("2026-01-01", 9)
	for _, p := range []string{"2026-01", "2026-02", "2026-03"} {
		f.run(t, p)
	}
	f.at("2026-03-20", 10)
	f.payBill(t, "1-101", "2026-02", 10000)
	u1, u2 := f.units["1-101"].ID, f.units["2-201"].ID
	q := fee.AgingQuery{EstateID: f.east.ID}
	bills, err := f.svc.OverdueBills(f.ctx, f.alpha, f.clerk.Scope, q, []uuid.UUID{u1, u2})
	must(t, err)
	got := map[uuid.UUID][]string{}
	for _, b := range bills {
		got[b.UnitID] = append(got[b.UnitID], b.Period)
	}
	// Due on the 15th: March is overdue on the 20th; 1-101 paid February.
	if !slices.Equal(got[u1], []string{"2026-01", "2026-03"}) || !slices.Equal(got[u2], []string{"2026-01", "2026-02", "2026-03"}) || len(bills) != 5 {
		t.Errorf("periods by unit %v", got)
	}
	asOf, err := f.svc.AsOf(f.alpha, "")
	must(t, err)
	if d := fee.DaysOverdue("2026-01-15", asOf); d != 64 {
		t.Errorf("January's bill %d days overdue on %s, want 64", d, asOf.Format("2006-01-02"))
	}
	q.AsOf = "2026-02-20"
	bills, err = f.svc.OverdueBills(f.ctx, f.alpha, f.clerk.Scope, q, []uuid.UUID{u1})
	must(t, err)
	if len(bills) != 1 || bills[0].Period != "2026-01" {
		t.Errorf("as of 20 February: %+v", bills)
	}
	if _, err := f.svc.OverdueBills(f.ctx, f.alpha, f.westClerk.Scope, q, []uuid.UUID{u1}); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("west clerk: %v", err)
	}
	if _, err := f.svc.OverdueBills(f.ctx, f.alpha, f.clerk.Scope, q, make([]uuid.UUID, fee.MaxOverdueUnits+1)); !errors.Is(err, fee.ErrTooManyUnits) {
		t.Errorf("too many: %v", err)
	}
}
