package fee_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// openBills are a unit's bills with something to pay, oldest first.
func (f *fixture) openBills(t *testing.T, code string) []fee.Bill {
	t.Helper()
	ac, err := f.svc.Account(f.ctx, f.alpha.ID, f.manager.Scope, f.units[code].ID)
	must(t, err)
	var out []fee.Bill
	for _, b := range ac.Bills {
		if b.OpenFen() > 0 {
			out = append(out, b)
		}
	}
	return out
}

func (f *fixture) account(t *testing.T, code string) *fee.Account {
	t.Helper()
	ac, err := f.svc.Account(f.ctx, f.alpha.ID, f.manager.Scope, f.units[code].ID)
	must(t, err)
	return ac
}

// Two months of bills paid at once, oldest first, with a prepayment that
// pays the next month's bill when it is made.
func TestPaySeveralBillsWithPrepayment(t *testing.T) {
	f := setup(t)
	area := f.item(t, fee.ItemInput{Name: "物业费", Kind: fee.ByArea})
	f.rate(t, area, "", "2026-01-01", "2.35")
	f.run(t, "2026-02")
	f.run(t, "2026-03")
	open := f.openBills(t, "1-101")
	if len(open) != 2 || open[0].Period != "2026-02" {
		t.Fatalf("open %+v", open)
	}
	rc, err := f.svc.Pay(f.ctx, f.alpha, f.clerk, fee.PayInput{UnitID: f.units["1-101"].ID, Method: fee.Cash, AmountFen: 2 * 21033,
		PrepayFen: 30000, ExpectedFen: 2 * 21033}, "")
	must(t, err)
	p := rc.Payment
	if p.ReceiptNo != "SK2026-000001" || p.AmountFen != 2*21033+30000 || p.PrepaidFen != 30000 || len(rc.Allocations) != 2 || len(rc.Bills) != 2 || rc.Replayed {
		t.Fatalf("receipt %+v %+v", p, rc.Allocations)
	}
	for _, b := range rc.Bills {
		if b.Status != fee.Paid || b.PaidFen != 21033 {
			t.Errorf("bill %+v", b)
		}
	}
	ac := f.account(t, "1-101")
	if ac.BalanceFen != 30000 || ac.OpenFen != 0 || len(ac.Payments) != 1 || len(ac.Movements) != 1 || ac.Movements[0].Kind != fee.Deposit {
		t.Fatalf("account %+v", ac)
	}
	// Part of the next bills: the oldest first, the last partly.
	rc, err = f.svc.Pay(f.ctx, f.alpha, f.clerk, fee.PayInput{UnitID: f.units["2-201"].ID, Method: fee.WeChat, AmountFen: 23500 + 100}, "")
	must(t, err)
	if rc.Payment.ReceiptNo != "SK2026-000002" || len(rc.Bills) != 2 || rc.Bills[0].Status != fee.Paid || rc.Bills[1].Status != fee.Partial || rc.Bills[1].PaidFen != 100 {
		t.Errorf("partial %+v", rc.Bills)
	}
	// The prepaid balance pays April's bill when the run makes it.
	f.run(t, "2026-04")
	ac = f.account(t, "1-101")
	apr := ac.Bills[2]
	if apr.Period != "2026-04" || apr.Status != fee.Paid || apr.PaidFen != 21033 || ac.BalanceFen != 30000-21033 {
		t.Fatalf("april %+v balance %d", apr, ac.BalanceFen)
	}
	if m := ac.Movements[1]; m.Kind != fee.Apply || m.AmountFen != -21033 || m.BalanceFen != 30000-21033 || *m.BillID != apr.ID {
		t.Errorf("movement %+v", m)
	}

	// Refusals.
	u := f.units["1-101"].ID
	for name, c := range map[string]struct {
		in   fee.PayInput
		want error
	}{
		"paid bill":    {fee.PayInput{UnitID: u, BillIDs: []uuid.UUID{open[0].ID}, Method: fee.Cash, AmountFen: 1}, fee.ErrAlreadyPaid},
		"too much":     {fee.PayInput{UnitID: u, Method: fee.Cash, AmountFen: 999999}, fee.ErrTooMuch},
		"nothing":      {fee.PayInput{UnitID: u, Method: fee.Cash}, fee.ErrNothingToPay},
		"method":       {fee.PayInput{UnitID: u, Method: "bitcoin", AmountFen: 1}, fee.ErrInvalidMethod},
		"negative":     {fee.PayInput{UnitID: u, Method: fee.Cash, AmountFen: -1, PrepayFen: 5}, fee.ErrInvalidAmount},
		"huge prepay":  {fee.PayInput{UnitID: u, Method: fee.Cash, PrepayFen: fee.MaxFen + 1}, fee.ErrInvalidAmount},
		"overflowing":  {fee.PayInput{UnitID: u, Method: fee.Cash, AmountFen: 1<<62 + 1<<61, PrepayFen: 1 << 62}, fee.ErrInvalidAmount},
		"changed":      {fee.PayInput{UnitID: u, Method: fee.Cash, AmountFen: 1, ExpectedFen: 21033}, fee.ErrDueChanged},
		"other unit":   {fee.PayInput{UnitID: f.units["1-102"].ID, BillIDs: []uuid.UUID{apr.ID}, Method: fee.Cash, AmountFen: 1}, fee.ErrBillNotOfUnit},
		"unknown bill": {fee.PayInput{UnitID: u, BillIDs: []uuid.UUID{uuid.Must(uuid.NewV7())}, Method: fee.Cash, AmountFen: 1}, database.ErrNotFound},
		"out of scope": {fee.PayInput{UnitID: u, Method: fee.Cash, AmountFen: 1}, database.ErrNotFound},
	} {
		a := f.clerk
		if name == "out of scope" {
			a = f.westClerk
		}
		if _, err := f.svc.Pay(f.ctx, f.alpha, a, c.in, ""); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	if _, err := f.svc.Pay(f.ctx, f.alpha, f.clerk, fee.PayInput{UnitID: u, BillIDs: []uuid.UUID{open[0].ID}, Method: fee.Cash, AmountFen: 1}, ""); !errors.Is(err, database.ErrConflict) {
		t.Errorf("a paid bill is a conflict: %v", err)
	}
	// Refusals took no receipt number.
	rc, err = f.svc.Pay(f.ctx, f.alpha, f.clerk, fee.PayInput{UnitID: u, Method: fee.Alipay, PrepayFen: 100}, "")
	must(t, err)
	if rc.Payment.ReceiptNo != "SK2026-000003" {
		t.Errorf("receipt after refusals %s", rc.Payment.ReceiptNo)
	}
}

// A void keeps the payment and its allocations, marked; reopens the bills
// and takes the prepayment back — undoing what of it paid a new bill.
func TestVoidRestoresBills(t *testing.T) {
	f := setup(t)
	area := f.item(t, fee.ItemInput{Name: "物业费", Kind: fee.ByArea})
	f.rate(t, area, "", "2026-01-01", "2.35")
	f.run(t, "2026-02")
	f.run(t, "2026-03")
	u := f.units["1-101"].ID
	rc, err := f.svc.Pay(f.ctx, f.alpha, f.clerk, fee.PayInput{UnitID: u, Method: fee.Cash, AmountFen: 2 * 21033, PrepayFen: 30000}, "")
	must(t, err)
	f.run(t, "2026-04") // 210.33 of the prepayment pays April
	if _, err := f.svc.Void(f.ctx, f.alpha.ID, f.manager, rc.Payment.ID, " "); !errors.Is(err, fee.ErrInvalidReason) {
		t.Errorf("no reason: %v", err)
	}
	if _, err := f.svc.Void(f.ctx, f.alpha.ID, f.westClerk, rc.Payment.ID, "wrong unit"); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("out of scope: %v", err)
	}
	v, err := f.svc.Void(f.ctx, f.alpha.ID, f.manager, rc.Payment.ID, "收错房号")
	must(t, err)
	if v.Payment.VoidedAt == nil || *v.Payment.VoidedBy != f.manager.UserID || v.Payment.VoidReason != "收错房号" || v.Payment.ReceiptNo != "SK2026-000001" {
		t.Errorf("voided %+v", v.Payment)
	}
	for _, al := range v.Allocations {
		if al.VoidedAt == nil {
			t.Errorf("allocation not voided %+v", al)
		}
	}
	ac := f.account(t, "1-101")
	if len(ac.Payments) != 1 || ac.BalanceFen != 0 || ac.OpenFen != 3*21033 {
		t.Fatalf("after void: payments %d balance %d open %d", len(ac.Payments), ac.BalanceFen, ac.OpenFen)
	}
	for _, b := range ac.Bills {
		if b.Status != fee.Open || b.PaidFen != 0 {
			t.Errorf("bill %s %+v", b.Period, b)
		}
	}
	var kinds []fee.MovementKind
	for _, m := range ac.Movements {
		kinds = append(kinds, m.Kind)
	}
	if !slices.Equal(kinds, []fee.MovementKind{fee.Deposit, fee.Apply, fee.Restore, fee.Reverse}) || ac.Movements[3].BalanceFen != 0 {
		t.Errorf("movements %+v", ac.Movements)
	}
	if _, err := f.svc.Void(f.ctx, f.alpha.ID, f.manager, rc.Payment.ID, "again"); !errors.Is(err, fee.ErrAlreadyVoided) {
		t.Errorf("second void: %v", err)
	}
	// The reopened bills can be paid again, with the next number.
	rc, err = f.svc.Pay(f.ctx, f.alpha, f.clerk, fee.PayInput{UnitID: u, Method: fee.Cash, AmountFen: 3 * 21033}, "")
	must(t, err)
	if rc.Payment.ReceiptNo != "SK2026-000002" || len(rc.Bills) != 3 {
		t.Errorf("repaid %+v", rc.Payment)
	}
}

// 32 payments at once, of different units: 32 consecutive receipt
// numbers, none missing, none twice.
func TestConcurrentReceiptNumbers(t *testing.T) {
	f := setup(t)
	area := f.item(t, fee.ItemInput{Name: "物业费", Kind: fee.FixedUnit})
	f.rate(t, area, "", "2026-01-01", "50")
	var codes []string
	for i := range 32 {
		u := f.unit(t, f.alpha, f.b2, fmt.Sprintf("3%02d", i), estate.Home, 9000, estate.Occupied)
		codes = append(codes, u.Code)
	}
	f.run(t, "2026-03")
	var wg sync.WaitGroup
	nums := make([]string, len(codes))
	errs := make([]error, len(codes))
	for i, code := range codes {
		wg.Go(func() {
			a := fee.Actor{UserID: uuid.Must(uuid.NewV7()), Scope: f.clerk.Scope}
			rc, err := f.svc.Pay(context.Background(), f.alpha, a, fee.PayInput{UnitID: f.units[code].ID, Method: fee.Cash, AmountFen: 5000}, "k")
			errs[i] = err
			if err == nil {
				nums[i] = rc.Payment.ReceiptNo
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		must(t, err)
	}
	slices.Sort(nums)
	for i, n := range nums {
		if want := fmt.Sprintf("SK2026-%06d", i+1); n != want {
			t.Fatalf("numbers %v", nums)
		}
	}
}

// The same Idempotency-Key twice, one after the other or at once: one
// payment; the key with another payment is refused.
func TestPayIdempotencyKey(t *testing.T) {
	f := setup(t)
	area := f.item(t, fee.ItemInput{Name: "物业费", Kind: fee.ByArea})
	f.rate(t, area, "", "2026-01-01", "2.35")
	f.run(t, "2026-03")
	in := fee.PayInput{UnitID: f.units["1-101"].ID, Method: fee.Card, AmountFen: 21033, PrepayFen: 500}
	first, err := f.svc.Pay(f.ctx, f.alpha, f.clerk, in, "submit-1")
	must(t, err)
	again, err := f.svc.Pay(f.ctx, f.alpha, f.clerk, in, "submit-1")
	must(t, err)
	if !again.Replayed || again.Payment.ID != first.Payment.ID || len(again.Bills) != 1 {
		t.Errorf("replay %+v", again)
	}
	if _, err := f.svc.Pay(f.ctx, f.alpha, f.clerk, fee.PayInput{UnitID: in.UnitID, Method: fee.Card, PrepayFen: 1}, "submit-1"); !errors.Is(err, fee.ErrIdempotencyMismatch) {
		t.Errorf("other body: %v", err)
	}
	// Racing twins: a pure prepayment has no bill to collide on, only the key.
	twin := fee.PayInput{UnitID: f.units["2-201"].ID, Method: fee.Cash, PrepayFen: 10000}
	var wg sync.WaitGroup
	ids := make([]uuid.UUID, 2)
	for i := range ids {
		wg.Go(func() {
			rc, err := f.svc.Pay(context.Background(), f.alpha, f.clerk, twin, "double-click")
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = rc.Payment.ID
		})
	}
	wg.Wait()
	ac := f.account(t, "2-201")
	if ids[0] != ids[1] || len(ac.Payments) != 1 || ac.BalanceFen != 10000 {
		t.Errorf("twins %v, %d payments, balance %d", ids, len(ac.Payments), ac.BalanceFen)
	}
	if _, err := f.svc.Pay(f.ctx, f.alpha, f.clerk, twin, string([]byte{'a', 0})); !errors.Is(err, fee.ErrInvalidIdempotency) {
		t.Errorf("bad key: %v", err)
	}
}

// Two clerks paying the same bill at the same moment: one pays, the other
// is told the bill is paid; it is paid once.
func TestTwoClerksOneBill(t *testing.T) {
	f := setup(t)
	area := f.item(t, fee.ItemInput{Name: "物业费", Kind: fee.ByArea})
	f.rate(t, area, "", "2026-01-01", "2.35")
	f.run(t, "2026-03")
	bill := f.openBills(t, "1-101")[0]
	for round := range 5 {
		if round > 0 {
			f.clock.set(f.clock.Now().Add(time.Hour))
			ac := f.account(t, "1-101")
			_, err := f.svc.Void(f.ctx, f.alpha.ID, f.manager, ac.Payments[len(ac.Payments)-1].ID, "test again")
			must(t, err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, a := range []fee.Actor{f.clerk, f.clerk2} {
			wg.Go(func() {
				_, errs[i] = f.svc.Pay(context.Background(), f.alpha, a, fee.PayInput{UnitID: bill.UnitID, BillIDs: []uuid.UUID{bill.ID},
					Method: fee.Cash, AmountFen: bill.AmountFen}, fmt.Sprintf("clerk-%d-%d", i, round))
			})
		}
		wg.Wait()
		ok, conflicts := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, fee.ErrAlreadyPaid):
				conflicts++
			default:
				t.Fatal(err)
			}
		}
		ac := f.account(t, "1-101")
		live := 0
		for _, p := range ac.Payments {
			if p.VoidedAt == nil {
				live++
			}
		}
		if ok != 1 || conflicts != 1 || live != 1 || ac.Bills[0].PaidFen != bill.AmountFen {
			t.Fatalf("round %d: %d paid, %d conflicts, %d live payments, paid %d", round, ok, conflicts, live, ac.Bills[0].PaidFen)
		}
	}
}

// events records what the service publishes, as the webhooks would.
type events struct {
	mu  sync.Mutex
	got map[string]int
}

func (e *events) PublishTx(_ context.Context, _ bun.Tx, _ uuid.UUID, event string, _ any) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got[event]++
	return nil
}

// Bills made, payments recorded and voided are published in their
// transactions; a rerun publishes nothing.
func TestEventsPublished(t *testing.T) {
	f := setup(t)
	ev := &events{got: map[string]int{}}
	f.svc.SetPublisher(ev)
	f.standard(t)
	f.run(t, "2026-03")
	f.run(t, "2026-03")
	rc, err := f.svc.Pay(f.ctx, f.alpha, f.clerk, fee.PayInput{UnitID: f.units["2-201"].ID, Method: fee.Cash, AmountFen: 100}, "")
	must(t, err)
	_, err = f.svc.Void(f.ctx, f.alpha.ID, f.manager, rc.Payment.ID, "试收")
	must(t, err)
	want := map[string]int{fee.EventBillCreated: 6, fee.EventPaymentRecorded: 1, fee.EventPaymentVoided: 1}
	if fmt.Sprint(ev.got) != fmt.Sprint(want) {
		t.Errorf("events %v, want %v", ev.got, want)
	}
}

// failing fails the next PublishTx it is asked for, as a crash between
// taking the receipt number and the commit would.
type failing struct{ fail bool }

func (p *failing) PublishTx(context.Context, bun.Tx, uuid.UUID, string, any) error {
	if p.fail {
		p.fail = false
		return errors.New("boom")
	}
	return nil
}

// A payment that rolls back after taking its number gives it back; the
// year of a number is the tenant's local year.
func TestReceiptNumbersAfterFailureAndAcrossYears(t *testing.T) {
	f := setup(t)
	// A payment in the sequencer's step is recorded before its number:
	// TestPaymentsSequenced.
	fee.PayMode(f.svc, "batched")
	pub := &failing{fail: true}
	f.svc.SetPublisher(pub)
	u := f.units["1-101"].ID
	pay := func() (string, error) {
		rc, err := f.svc.Pay(f.ctx, f.alpha, f.clerk, fee.PayInput{UnitID: u, Method: fee.Cash, PrepayFen: 100}, "")
		if err != nil {
			return "", err
		}
		return rc.Payment.ReceiptNo, nil
	}
	if _, err := pay(); err == nil {
		t.Fatal("the failing payment succeeded")
	}
	if ac := f.account(t, "1-101"); len(ac.Payments) != 0 || ac.BalanceFen != 0 {
		t.Fatalf("the failed payment left %+v", ac)
	}
	f.at("2026-12-31", 23) // 15:00 UTC
	for _, want := range []string{"SK2026-000001", "SK2026-000002"} {
		if n, err := pay(); err != nil || n != want {
			t.Errorf("%s, %v; want %s", n, err, want)
		}
	}
	f.clock.set(time.Date(2027, 1, 1, 0, 30, 0, 0, shanghai)) // still 2026 in UTC
	if n, err := pay(); err != nil || n != "SK2027-000001" {
		t.Errorf("new year: %s, %v", n, err)
	}
}
