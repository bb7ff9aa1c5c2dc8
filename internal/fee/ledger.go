package fee

import (
	"cmp"
	"slices"
	"time"

	"github.com/google/uuid"
)

// EntryKind is what moved a unit's account on its statement.
type EntryKind string

const (
	EntryBill    EntryKind = "bill"    // a bill charged
	EntryPayment EntryKind = "payment" // money taken, to bills or the prepaid balance
	EntryVoid    EntryKind = "void"    // a payment voided (红冲): its money counts again as owed
	EntryWaiver  EntryKind = "waiver"  // a waiver approved
	// EntryLateFee is a late fee (滞纳金) charged with a payment, or
	// given back (a credit) when the payment is voided.
	EntryLateFee EntryKind = "late_fee"
)

// Entry is one line of a unit's statement (对账单). BalanceFen is the
// account after it: what the unit owes less its prepaid balance, so
// positive is owed and negative is credit.
type Entry struct {
	At         time.Time  `json:"at"`
	Kind       EntryKind  `json:"kind"`
	BillID     *uuid.UUID `json:"bill_id,omitempty"`
	PaymentID  *uuid.UUID `json:"payment_id,omitempty"`
	ChargeFen  int64      `json:"charge_fen"`
	CreditFen  int64      `json:"credit_fen"`
	BalanceFen int64      `json:"balance_fen"`
}

// Ledger is an account's statement in time order with the running
// balance. Prepaid balance applied to a bill moves nothing (the unit owes
// less and holds less), so its closing balance is always the account's
// OpenFen − BalanceFen.
func Ledger(ac *Account) []Entry {
	var out []Entry
	for i := range ac.Bills {
		b := &ac.Bills[i]
		out = append(out, Entry{At: b.CreatedAt, Kind: EntryBill, BillID: &b.ID, ChargeFen: b.AmountFen})
	}
	for i := range ac.Payments {
		p := &ac.Payments[i]
		if p.LateFeeFen != 0 {
			out = append(out, Entry{At: p.PaidAt, Kind: EntryLateFee, PaymentID: &p.ID, ChargeFen: p.LateFeeFen})
		}
		out = append(out, Entry{At: p.PaidAt, Kind: EntryPayment, PaymentID: &p.ID, CreditFen: p.AmountFen})
		if p.VoidedAt != nil {
			out = append(out, Entry{At: *p.VoidedAt, Kind: EntryVoid, PaymentID: &p.ID, ChargeFen: p.AmountFen})
			if p.LateFeeFen != 0 {
				out = append(out, Entry{At: *p.VoidedAt, Kind: EntryLateFee, PaymentID: &p.ID, CreditFen: p.LateFeeFen})
			}
		}
	}
	for i := range ac.Waivers {
		w := &ac.Waivers[i]
		// A late-fee waiver lowers a late fee before it is charged: the
		// charge is already net of it.
		if w.Status == WaiverApproved && w.DecidedAt != nil && !w.LateFee {
			out = append(out, Entry{At: *w.DecidedAt, Kind: EntryWaiver, BillID: &w.BillID, CreditFen: w.AmountFen})
		}
	}
	// A charge before a credit of the same instant: a bill charged and paid
	// from the balance at once reads in that order.
	slices.SortStableFunc(out, func(a, b Entry) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(b.ChargeFen, a.ChargeFen))
	})
	var bal int64
	for i := range out {
		bal += out[i].ChargeFen - out[i].CreditFen
		out[i].BalanceFen = bal
	}
	return out
}
