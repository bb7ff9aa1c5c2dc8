package fee

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Receipt numbers are SK + the tenant-local year + a six-digit sequence
// (SK2026-000123), per company. The year's counter row advances in the
// same transaction that writes the numbers onto the payments (the
// payment's own, or on PostgreSQL the sequencer's right after it: see
// paybatch.go); the row stays locked until that commits, so numbers follow
// the order of commits, and a transaction that rolls back (or a process
// killed before its commit) gives its numbers back: no gaps, none used
// twice.
func formatReceipt(year string, seq int64) string { return fmt.Sprintf("SK%s-%06d", year, seq) }

// receiptYear is the year of a receipt number: the company's local one.
func receiptYear(at time.Time, t *tenant.Tenant) string {
	return localDay(at, t.Location()).Format("2006")
}

// takeReceipts takes the tenant's next n receipt numbers of the year in
// tx and returns the first.
func takeReceipts(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, year string, n int64) (int64, error) {
	var next int64
	err := tx.NewRaw(`INSERT INTO fee_receipt_counters (tenant_id, year, next_seq) VALUES (?, ?, 1 + ?)
		ON CONFLICT (tenant_id, year) DO UPDATE SET next_seq = fee_receipt_counters.next_seq + ?
		RETURNING next_seq`, tenantID, year, n, n).Scan(ctx, &next)
	return next - n, err
}

// PayInput is a payment at the counter for one unit.
type PayInput struct {
	UnitID uuid.UUID `json:"unit_id"`
	// BillIDs are the bills ticked; none means all the unit's open bills.
	// They are settled oldest first.
	BillIDs []uuid.UUID `json:"bill_ids,omitempty"`
	Method  Method      `json:"method"`
	// AmountFen is the money for the bills: at most their open total; less
	// pays the oldest first and leaves the last partly open.
	AmountFen int64 `json:"amount_fen"`
	// PrepayFen is taken on top, into the unit's prepaid balance (预存款).
	PrepayFen int64 `json:"prepay_fen"`
	// ExpectedFen, when set, is the open total the clerk was shown: if the
	// bills changed meanwhile the payment is refused (ErrDueChanged).
	ExpectedFen int64 `json:"expected_fen,omitempty"`
	// LateFeeFen, when set, is the late fees (滞纳金) the clerk was shown
	// for the bills: if they differ from what the payment charges (a new
	// day, a waiver approved meanwhile), it is refused (ErrLateFeeChanged).
	// The late fees are taken on top of AmountFen either way.
	LateFeeFen *int64 `json:"late_fee_fen,omitempty"`
}

// MaxIdempotencyKey bounds an Idempotency-Key.
const MaxIdempotencyKey = 200

// Receipt is a payment with what it settled.
type Receipt struct {
	Payment     *Payment     `json:"payment"`
	Allocations []Allocation `json:"allocations"`
	Bills       []Bill       `json:"bills"`
	// LateFees are the late fees (滞纳金) charged with the payment, one
	// per bill it settled late.
	LateFees []LateCharge `json:"late_fees"`
	// Replayed: an Idempotency-Key matched an earlier payment, returned
	// instead of taking the money twice.
	Replayed bool `json:"-"`
}

func (in *PayInput) hash() string {
	ids := slices.Clone(in.BillIDs)
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	c := *in
	c.BillIDs = ids
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// errReplay ends a payment's transaction that found its key already used.
var errReplay = errors.New("fee: idempotency key already used")

// Pay records a payment in one transaction: it locks the unit and the
// bills, refuses a bill another payment settled meanwhile (ErrAlreadyPaid:
// of two clerks on one bill, one pays and the other is told), settles the
// bills oldest first, puts the prepayment on the unit's balance and takes
// the next receipt number. With idemKey, a retry of the same request
// returns the first payment.
func (s *Service) Pay(ctx context.Context, t *tenant.Tenant, a Actor, in PayInput, idemKey string) (*Receipt, error) {
	if !in.Method.Valid() {
		return nil, ErrInvalidMethod
	}
	if !validFen(in.AmountFen) || !validFen(in.PrepayFen) || !validFen(in.ExpectedFen) || (in.LateFeeFen != nil && !validFen(*in.LateFeeFen)) {
		return nil, ErrInvalidAmount
	}
	if in.AmountFen+in.PrepayFen <= 0 {
		return nil, ErrNothingToPay
	}
	var hash string
	if idemKey != "" {
		if len(idemKey) > MaxIdempotencyKey || !utf8.ValidString(idemKey) ||
			strings.IndexFunc(idemKey, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
			return nil, ErrInvalidIdempotency
		}
		hash = in.hash()
	}
	// The company's concurrent payments share transactions (paybatch.go).
	r := &payReq{t: t, a: a, in: in, key: idemKey, hash: hash}
	if err := s.payments.do(ctx, r); err != nil {
		return nil, err
	}
	rc, err := r.out, database.Normalize(r.err)
	if idemKey != "" && err != nil {
		// A retry, or a twin racing the first (a double click), finds the
		// key's payment on its way, or is refused by what it changed:
		// answer with that payment, or with the mismatch. Looked for only
		// now, so a payment's first try costs no read of its own.
		if prev, rerr := s.replay(ctx, t, a, idemKey, hash); prev != nil || rerr != nil {
			return prev, rerr
		}
	}
	if err != nil {
		return nil, database.Normalize(err)
	}
	return rc, nil
}

// pay records a payment in tx. With number it takes the receipt number
// and publishes the payment; without, both are left to the sequencer
// (paybatch.go) and the payment is written without a number.
func (s *Service) pay(ctx context.Context, tx bun.Tx, t *tenant.Tenant, a Actor, in PayInput, key, hash string, number bool) (*Receipt, error) {
	u, err := unitInScope(ctx, tx, t.ID, a.Scope, in.UnitID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	bal, err := lockUnit(ctx, tx, t.ID, u.ID, now)
	if err != nil {
		return nil, err
	}
	// Payments of one unit follow one another from here: a twin request
	// that committed first is visible now.
	if err := keyUnused(ctx, tx, t.ID, a.UserID, key); err != nil {
		return nil, err
	}
	if err := s.holdDay(ctx, tx, t, u.EstateID, a.UserID, now); err != nil {
		return nil, err
	}
	var bills []*Bill
	q := tx.NewSelect().Model(&bills).Where("tenant_id = ?", t.ID)
	if len(in.BillIDs) == 0 {
		q = q.Where("unit_id = ? AND status <> ?", u.ID, Paid)
	} else {
		q = q.Where("id IN (?)", bun.In(in.BillIDs))
	}
	if s.db.Postgres() {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	if len(in.BillIDs) > 0 && len(bills) != len(slices.Compact(sortedIDs(in.BillIDs))) {
		return nil, database.ErrNotFound
	}
	slices.SortFunc(bills, func(x, y *Bill) int {
		return cmp.Or(cmp.Compare(x.PeriodStart, y.PeriodStart), cmp.Compare(x.DueDate, y.DueDate), slices.Compare(x.ID[:], y.ID[:]))
	})
	open := int64(0)
	for _, b := range bills {
		if b.UnitID != u.ID {
			return nil, ErrBillNotOfUnit
		}
		if b.OpenFen() <= 0 {
			return nil, ErrAlreadyPaid
		}
		open += b.OpenFen()
	}
	if in.ExpectedFen > 0 && in.ExpectedFen != open {
		return nil, ErrDueChanged
	}
	if in.AmountFen > open {
		return nil, ErrTooMuch
	}
	p := &Payment{TenantID: t.ID, ID: uuid.Must(uuid.NewV7()), EstateID: u.EstateID, UnitID: u.ID, Method: in.Method,
		AmountFen: in.AmountFen + in.PrepayFen, PrepaidFen: in.PrepayFen, ClerkID: a.UserID, RequestHash: hash, PaidAt: now}
	if key != "" {
		p.IdempotencyKey = &key
	}
	rc := &Receipt{Payment: p, Allocations: []Allocation{}, Bills: []Bill{}, LateFees: []LateCharge{}}
	var touched []*Bill
	left := in.AmountFen
	for _, b := range bills {
		if left == 0 {
			break
		}
		use := min(left, b.OpenFen())
		left -= use
		b.settle(use, 0, now)
		touched = append(touched, b)
		rc.Allocations = append(rc.Allocations, Allocation{TenantID: t.ID, ID: uuid.Must(uuid.NewV7()), BillID: b.ID, PaymentID: &p.ID,
			Source: FromPayment, AmountFen: use, At: now})
		rc.Bills = append(rc.Bills, *b)
	}
	if rc.LateFees, err = s.chargeLate(ctx, tx, t, u.EstateID, p, touched, rc.Allocations); err != nil {
		return nil, err
	}
	if in.LateFeeFen != nil && *in.LateFeeFen != p.LateFeeFen {
		return nil, ErrLateFeeChanged
	}
	if number {
		// The counter last: its row is held until the commit, as briefly
		// as possible.
		year := receiptYear(now, t)
		seq, err := takeReceipts(ctx, tx, t.ID, year, 1)
		if err != nil {
			return nil, err
		}
		p.ReceiptNo = formatReceipt(year, seq)
	}
	if err := s.writePayment(ctx, tx, p, rc.Allocations, rc.LateFees, touched); err != nil {
		return nil, err
	}
	if in.PrepayFen > 0 {
		bal += in.PrepayFen
		if err := setBalance(ctx, tx, t.ID, u.ID, bal, now); err != nil {
			return nil, err
		}
		m := &Movement{TenantID: t.ID, ID: uuid.Must(uuid.NewV7()), UnitID: u.ID, Kind: Deposit, AmountFen: in.PrepayFen, BalanceFen: bal,
			PaymentID: &p.ID, ByID: &a.UserID, At: now}
		if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
			return nil, err
		}
	}
	if number {
		if err := s.publish(ctx, tx, t.ID, EventPaymentRecorded, rc); err != nil {
			return nil, err
		}
	}
	return rc, nil
}

// writePayment inserts the payment, its allocations and late fees and
// saves the bills they settle: on PostgreSQL in one statement (the inserts
// as its WITH queries), one round trip instead of four.
func (s *Service) writePayment(ctx context.Context, tx bun.Tx, p *Payment, allocs []Allocation, late []LateCharge, bills []*Bill) error {
	insert := tx.NewInsert().Model(p)
	if len(allocs) == 0 {
		_, err := insert.Exec(ctx)
		return err
	}
	if s.db.Postgres() {
		q := tx.NewUpdate().With("p", insert).With("a", tx.NewInsert().Model(&allocs))
		if len(late) > 0 {
			q = q.With("l", tx.NewInsert().Model(&late))
		}
		_, err := q.Model(&bills).Column(billSaved...).Bulk().Exec(ctx)
		return err
	}
	if _, err := insert.Exec(ctx); err != nil {
		return err
	}
	if _, err := tx.NewInsert().Model(&allocs).Exec(ctx); err != nil {
		return err
	}
	if len(late) > 0 {
		if _, err := tx.NewInsert().Model(&late).Exec(ctx); err != nil {
			return err
		}
	}
	return saveBills(ctx, tx, bills...)
}

// keyUnused is errReplay when the clerk's Idempotency-Key has a payment.
func keyUnused(ctx context.Context, tx bun.Tx, tenantID, clerkID uuid.UUID, key string) error {
	if key == "" {
		return nil
	}
	n, err := tx.NewSelect().Model((*Payment)(nil)).Where("tenant_id = ? AND clerk_id = ? AND idempotency_key = ?", tenantID, clerkID, key).Count(ctx)
	if err == nil && n > 0 {
		err = errReplay
	}
	return err
}

func sortedIDs(ids []uuid.UUID) []uuid.UUID {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	return out
}

// replay finds the payment an earlier request with the same key made. One
// recorded but not numbered yet (its request is still at the sequencer, or
// its process died in between) is numbered first.
func (s *Service) replay(ctx context.Context, t *tenant.Tenant, a Actor, key, hash string) (*Receipt, error) {
	rc, err := s.findReplay(ctx, t.ID, a, key, hash)
	if rc == nil || err != nil || rc.Payment.ReceiptNo != "" {
		return rc, err
	}
	r := &payReq{t: t}
	if err := s.payments.queue(ctx, r); err != nil {
		return nil, err
	}
	if r.err != nil {
		return nil, database.Normalize(r.err)
	}
	return s.findReplay(ctx, t.ID, a, key, hash)
}

func (s *Service) findReplay(ctx context.Context, tenantID uuid.UUID, a Actor, key, hash string) (*Receipt, error) {
	var rc *Receipt
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		p := new(Payment)
		err := tx.NewSelect().Model(p).Where("tenant_id = ? AND clerk_id = ? AND idempotency_key = ?", tenantID, a.UserID, key).Scan(ctx)
		if errors.Is(database.Normalize(err), database.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if p.RequestHash != hash {
			return ErrIdempotencyMismatch
		}
		if rc, err = receipt(ctx, tx, p); err != nil {
			return err
		}
		rc.Replayed = true
		return nil
	})
	return rc, database.Normalize(err)
}

// receipt loads what a payment settled.
func receipt(ctx context.Context, db bun.IDB, p *Payment) (*Receipt, error) {
	rc := &Receipt{Payment: p, Allocations: []Allocation{}, Bills: []Bill{}, LateFees: []LateCharge{}}
	if err := db.NewSelect().Model(&rc.LateFees).Where("tenant_id = ? AND payment_id = ?", p.TenantID, p.ID).OrderExpr("id").Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	if err := db.NewSelect().Model(&rc.Allocations).Where("tenant_id = ? AND payment_id = ?", p.TenantID, p.ID).OrderExpr("id").Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	if len(rc.Allocations) > 0 {
		ids := make([]uuid.UUID, len(rc.Allocations))
		for i, al := range rc.Allocations {
			ids[i] = al.BillID
		}
		if err := db.NewSelect().Model(&rc.Bills).Where("tenant_id = ? AND id IN (?)", p.TenantID, bun.In(ids)).
			OrderExpr("period_start, due_date, id").Scan(ctx); err != nil {
			return nil, database.Normalize(err)
		}
	}
	return rc, nil
}

// Payment reads a payment in scope with what it settled (the receipt).
func (s *Service) Payment(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID) (*Receipt, error) {
	var rc *Receipt
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		p, err := paymentInScope(ctx, tx, false, tenantID, scope, id)
		if err != nil {
			return err
		}
		rc, err = receipt(ctx, tx, p)
		return err
	})
	return rc, database.Normalize(err)
}

func paymentInScope(ctx context.Context, tx bun.Tx, lock bool, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID) (*Payment, error) {
	p := new(Payment)
	q := tx.NewSelect().Model(p).Where("tenant_id = ? AND id = ?", tenantID, id)
	if lock {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	if !scope.Allows(p.EstateID) {
		return nil, database.ErrNotFound
	}
	return p, nil
}

// Void voids a wrong payment (红冲) with a reason: the payment and its
// allocations stay, marked void; its bills reopen; its prepayment is
// taken back off the unit's balance. When some of that prepayment has
// already paid new bills, those applications are undone first (newest
// first), reopening those bills: money that was never taken pays nothing.
func (s *Service) Void(ctx context.Context, tenantID uuid.UUID, a Actor, id uuid.UUID, reason string) (*Receipt, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		return nil, ErrInvalidReason
	}
	var rc *Receipt
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		p, err := paymentInScope(ctx, tx, false, tenantID, a.Scope, id)
		if err != nil {
			return err
		}
		now := s.now()
		bal, err := lockUnit(ctx, tx, tenantID, p.UnitID, now)
		if err != nil {
			return err
		}
		if err := s.holdVoidDay(ctx, tx, tenantID, p.EstateID, a.UserID, now); err != nil {
			return err
		}
		// Read again under the unit's lock: a concurrent void has finished.
		if p, err = paymentInScope(ctx, tx, s.db.Postgres(), tenantID, a.Scope, id); err != nil {
			return err
		}
		if p.VoidedAt != nil {
			return ErrAlreadyVoided
		}
		var allocs []Allocation
		if err := tx.NewSelect().Model(&allocs).Where("tenant_id = ? AND payment_id = ? AND voided_at IS NULL", tenantID, p.ID).Scan(ctx); err != nil {
			return err
		}
		if err := s.unsettle(ctx, tx, tenantID, allocs, now); err != nil {
			return err
		}
		if p.PrepaidFen > 0 {
			if bal < p.PrepaidFen {
				if bal, err = s.restore(ctx, tx, tenantID, p.UnitID, bal, p.PrepaidFen, a.UserID, now); err != nil {
					return err
				}
			}
			bal -= p.PrepaidFen
			if err := setBalance(ctx, tx, tenantID, p.UnitID, bal, now); err != nil {
				return err
			}
			m := &Movement{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), UnitID: p.UnitID, Kind: Reverse, AmountFen: -p.PrepaidFen,
				BalanceFen: bal, PaymentID: &p.ID, ByID: &a.UserID, At: now}
			if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
				return err
			}
		}
		// Its late fees were never owed without the money: voided too.
		if _, err := tx.NewUpdate().Model((*LateCharge)(nil)).Set("voided_at = ?", now).
			Where("tenant_id = ? AND payment_id = ? AND voided_at IS NULL", tenantID, p.ID).Exec(ctx); err != nil {
			return err
		}
		p.VoidedAt, p.VoidedBy, p.VoidReason = &now, &a.UserID, reason
		if _, err := tx.NewUpdate().Model(p).Column("voided_at", "voided_by", "void_reason").WherePK().Exec(ctx); err != nil {
			return err
		}
		if rc, err = receipt(ctx, tx, p); err != nil {
			return err
		}
		return s.publish(ctx, tx, tenantID, EventPaymentVoided, rc)
	})
	return rc, database.Normalize(err)
}

// unsettle voids allocations and reopens their bills by their amounts.
func (s *Service) unsettle(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, allocs []Allocation, now time.Time) error {
	if len(allocs) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(allocs))
	for i, al := range allocs {
		ids[i] = al.BillID
	}
	var bills []*Bill
	q := tx.NewSelect().Model(&bills).Where("tenant_id = ? AND id IN (?)", tenantID, bun.In(ids)).OrderExpr("id")
	if s.db.Postgres() {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return err
	}
	byID := make(map[uuid.UUID]*Bill, len(bills))
	for _, b := range bills {
		byID[b.ID] = b
	}
	for _, al := range allocs {
		byID[al.BillID].settle(-al.AmountFen, 0, now)
		if _, err := tx.NewUpdate().Model((*Allocation)(nil)).Set("voided_at = ?", now).
			Where("tenant_id = ? AND id = ?", tenantID, al.ID).Exec(ctx); err != nil {
			return err
		}
	}
	return saveBills(ctx, tx, bills...)
}

// restore undoes the unit's newest balance applications until the
// balance covers need, and returns the balance.
func (s *Service) restore(ctx context.Context, tx bun.Tx, tenantID, unitID uuid.UUID, bal, need int64, by uuid.UUID, now time.Time) (int64, error) {
	var allocs []Allocation
	if err := tx.NewSelect().Model(&allocs).
		Where("tenant_id = ? AND source = ? AND voided_at IS NULL AND bill_id IN (SELECT id FROM bills WHERE tenant_id = ? AND unit_id = ?)",
			tenantID, FromBalance, tenantID, unitID).OrderExpr("at DESC, id DESC").Scan(ctx); err != nil {
		return 0, err
	}
	var undo []Allocation
	var moves []Movement
	for _, al := range allocs {
		if bal >= need {
			break
		}
		bal += al.AmountFen
		undo = append(undo, al)
		moves = append(moves, Movement{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), UnitID: unitID, Kind: Restore, AmountFen: al.AmountFen,
			BalanceFen: bal, BillID: &al.BillID, ByID: &by, At: now})
	}
	if err := s.unsettle(ctx, tx, tenantID, undo, now); err != nil {
		return 0, err
	}
	if len(moves) > 0 {
		if _, err := tx.NewInsert().Model(&moves).Exec(ctx); err != nil {
			return 0, err
		}
	}
	return bal, nil
}
