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

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// gate holds the first payment's transaction until the others have
// queued behind it, so that they are written as one batch, and fails the
// payments of the units in fail after their numbers are taken.
type gate struct {
	f    *fixture
	want int
	once sync.Once
	// batched: the others queued while the first was written.
	batched bool
	failMu  sync.Mutex
	fail    map[uuid.UUID]bool
	// calls counts each unit's payments published: a batch written again
	// payment by payment would publish some twice.
	calls map[uuid.UUID]int
}

func (g *gate) PublishTx(_ context.Context, _ bun.Tx, _ uuid.UUID, event string, data any) error {
	if event != fee.EventPaymentRecorded {
		return nil
	}
	g.once.Do(func() {
		for end := time.Now().Add(10 * time.Second); time.Now().Before(end) && fee.QueuedPayments(g.f.svc, g.f.alpha.ID) < g.want; {
			time.Sleep(time.Millisecond)
		}
		g.batched = fee.QueuedPayments(g.f.svc, g.f.alpha.ID) >= g.want
	})
	g.failMu.Lock()
	defer g.failMu.Unlock()
	g.calls[data.(*fee.Receipt).Payment.UnitID]++
	if g.fail[data.(*fee.Receipt).Payment.UnitID] {
		return errors.New("boom")
	}
	return nil
}

// Payments that arrive together are written together: a payment of the
// batch that fails (after taking its number) or is refused takes nothing
// with it, the others are recorded, and the numbers stay consecutive.
func TestPaymentBatchIsolatesFailures(t *testing.T) {
	f := setup(t)
	fee.PayMode(f.svc, "batched") // PostgreSQL's way: TestPaymentsSequenced
	units := owing(t, f, 24)
	g := &gate{f: f, want: len(units) - 1, fail: map[uuid.UUID]bool{}, calls: map[uuid.UUID]int{}}
	for i, u := range units {
		if i%4 == 1 {
			g.fail[u.ID] = true
		}
	}
	f.svc.SetPublisher(g)
	first := make(chan struct{})
	errs := make([]error, len(units))
	nums := make([]string, len(units))
	var wg sync.WaitGroup
	for i, u := range units {
		wg.Go(func() {
			if i > 0 {
				<-first
			} else {
				close(first)
			}
			in := fee.PayInput{UnitID: u.ID, Method: fee.Cash, AmountFen: 5000}
			if i%4 == 2 {
				in.AmountFen = 6000 // more than owed: refused before its number
			}
			rc, err := f.svc.Pay(context.Background(), f.alpha, f.clerk, in, fmt.Sprintf("batch-%d", i))
			errs[i] = err
			if err == nil {
				nums[i] = rc.Payment.ReceiptNo
			}
		})
		if i == 0 {
			<-first
			time.Sleep(20 * time.Millisecond) // the first is in its transaction
		}
	}
	wg.Wait()
	if !g.batched {
		t.Fatal("the payments did not queue behind the first")
	}
	var got []string
	for i, u := range units {
		ac, err := f.svc.Account(f.ctx, f.alpha.ID, f.manager.Scope, u.ID)
		must(t, err)
		switch i % 4 {
		case 1:
			if errs[i] == nil || errors.Is(errs[i], fee.ErrTooMuch) {
				t.Errorf("payment %d: %v, want the publisher's failure", i, errs[i])
			}
		case 2:
			if !errors.Is(errs[i], fee.ErrTooMuch) {
				t.Errorf("payment %d: %v, want ErrTooMuch", i, errs[i])
			}
		default:
			if errs[i] != nil {
				t.Fatalf("payment %d: %v", i, errs[i])
			}
			got = append(got, nums[i])
			if g.calls[u.ID] != 1 {
				t.Errorf("payment %d written %d times", i, g.calls[u.ID])
			}
			if len(ac.Payments) != 1 || ac.OpenFen != 0 {
				t.Errorf("payment %d: %d payments, %d open", i, len(ac.Payments), ac.OpenFen)
			}
			continue
		}
		if len(ac.Payments) != 0 || ac.OpenFen != 5000 {
			t.Errorf("failed payment %d left %d payments, %d open", i, len(ac.Payments), ac.OpenFen)
		}
	}
	slices.Sort(got)
	for i, n := range got {
		if want := fmt.Sprintf("SK2026-%06d", i+1); n != want {
			t.Fatalf("numbers %v", got)
		}
	}
	if len(got) != len(units)/2 {
		t.Fatalf("%d payments recorded, want %d", len(got), len(units)/2)
	}
	// The next payment follows on.
	g.fail = nil
	rc, err := f.svc.Pay(f.ctx, f.alpha, f.clerk, fee.PayInput{UnitID: units[1].ID, Method: fee.Cash, AmountFen: 5000}, "")
	must(t, err)
	if want := fmt.Sprintf("SK2026-%06d", len(got)+1); rc.Payment.ReceiptNo != want {
		t.Errorf("next number %s, want %s", rc.Payment.ReceiptNo, want)
	}
}

// On PostgreSQL each payment is written in its own transaction and
// numbered right after by the company's sequencer. Payments made at once,
// some refused, get consecutive numbers; payments a killed process left
// without a number are numbered by the next step, oldest first and in
// their own (local) year, and published once, with their numbers; a retry
// of one with its Idempotency-Key gets it numbered and answered.
func TestPaymentsSequenced(t *testing.T) {
	f := setup(t)
	if !fee.PaysSequenced(f.svc) {
		t.Skip("SQLite writes the number with the payment (TestPaymentBatchIsolatesFailures)")
	}
	ev := &events{got: map[string]int{}}
	f.svc.SetPublisher(ev)
	units := owing(t, f, 26)
	f.at("2026-12-31", 23)
	pay := fee.PayInput{UnitID: units[24].ID, Method: fee.Cash, AmountFen: 5000}
	left, err := fee.RecordUnnumbered(f.svc, f.alpha, f.clerk, pay, "left")
	must(t, err)
	if left.Payment.ReceiptNo != "" {
		t.Fatalf("recorded with number %s", left.Payment.ReceiptNo)
	}
	f.at("2027-01-01", 1)
	errs := make([]error, 24)
	nums := make([]string, 24)
	var wg sync.WaitGroup
	for i, u := range units[:24] {
		wg.Go(func() {
			in := fee.PayInput{UnitID: u.ID, Method: fee.Cash, AmountFen: 5000}
			if i%4 == 2 {
				in.AmountFen = 6000 // refused
			}
			rc, err := f.svc.Pay(context.Background(), f.alpha, f.clerk, in, fmt.Sprintf("seq-%d", i))
			errs[i] = err
			if err == nil {
				nums[i] = rc.Payment.ReceiptNo
			}
		})
	}
	wg.Wait()
	var got []string
	for i := range units[:24] {
		if i%4 == 2 {
			if !errors.Is(errs[i], fee.ErrTooMuch) {
				t.Errorf("payment %d: %v, want ErrTooMuch", i, errs[i])
			}
			continue
		}
		must(t, errs[i])
		got = append(got, nums[i])
	}
	slices.Sort(got)
	for i, n := range got {
		if want := fmt.Sprintf("SK2027-%06d", i+1); n != want {
			t.Fatalf("numbers %v", got)
		}
	}
	// The payment left before the year's end was numbered in its year.
	ac, err := f.svc.Account(f.ctx, f.alpha.ID, f.manager.Scope, units[24].ID)
	must(t, err)
	if len(ac.Payments) != 1 || ac.Payments[0].ReceiptNo != "SK2026-000001" {
		t.Fatalf("left payment: %+v", ac.Payments)
	}
	// Left again, then retried with its key.
	pay.UnitID = units[25].ID
	_, err = fee.RecordUnnumbered(f.svc, f.alpha, f.clerk, pay, "again")
	must(t, err)
	rc, err := f.svc.Pay(f.ctx, f.alpha, f.clerk, pay, "again")
	must(t, err)
	if want := fmt.Sprintf("SK2027-%06d", len(got)+1); !rc.Replayed || rc.Payment.ReceiptNo != want || len(rc.Bills) != 1 {
		t.Fatalf("retry: replayed %v, number %s, want %s", rc.Replayed, rc.Payment.ReceiptNo, want)
	}
	if n := ev.got[fee.EventPaymentRecorded]; n != len(got)+2 {
		t.Errorf("%d payments published, want %d", n, len(got)+2)
	}
}

// owing makes n units that owe one bill of ¥50 each.
func owing(t *testing.T, f *fixture, n int) []*estate.Unit {
	item := f.item(t, fee.ItemInput{Name: "物业费", Kind: fee.FixedUnit})
	f.rate(t, item, "", "2026-01-01", "50")
	var units []*estate.Unit
	for i := range n {
		units = append(units, f.unit(t, f.alpha, f.b2, fmt.Sprintf("5%02d", i), estate.Home, 9000, estate.Occupied))
	}
	f.run(t, "2026-03")
	return units
}
