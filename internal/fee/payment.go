package fee

import (
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Method is how the money was taken; it moves outside the system.
type Method string

const (
	Cash     Method = "cash"
	WeChat   Method = "wechat"
	Alipay   Method = "alipay"
	Card     Method = "card"
	Transfer Method = "transfer"
)

// Methods lists the methods in display order.
var Methods = []Method{Cash, WeChat, Alipay, Card, Transfer}

// Valid reports whether m is known.
func (m Method) Valid() bool { return slices.Contains(Methods, m) }

// Payment is money taken at the counter for a unit's bills and/or as a
// prepayment, with its receipt number. A wrong payment is voided, never
// deleted.
type Payment struct {
	bun.BaseModel `bun:"table:payments"`

	TenantID uuid.UUID `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID       uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	// ReceiptNo is NULL from a payment's commit to its number's on
	// PostgreSQL (paybatch.go): a few milliseconds, or until the company's
	// next payment after a crash in between.
	ReceiptNo string    `bun:"receipt_no,nullzero" json:"receipt_no"`
	EstateID  uuid.UUID `bun:"estate_id,notnull,type:uuid" json:"estate_id"`
	UnitID    uuid.UUID `bun:"unit_id,notnull,type:uuid" json:"unit_id"`
	Method    Method    `bun:"method,notnull" json:"method"`
	// AmountFen is all the money taken; PrepaidFen of it went to the
	// unit's prepaid balance, LateFeeFen to late fees, the rest to bills.
	AmountFen      int64      `bun:"amount_fen,notnull" json:"amount_fen"`
	PrepaidFen     int64      `bun:"prepaid_fen,notnull" json:"prepaid_fen"`
	LateFeeFen     int64      `bun:"late_fee_fen,notnull" json:"late_fee_fen"`
	ClerkID        uuid.UUID  `bun:"clerk_id,notnull,type:uuid" json:"clerk_id"`
	IdempotencyKey *string    `bun:"idempotency_key" json:"-"`
	RequestHash    string     `bun:"request_hash,notnull" json:"-"`
	PaidAt         time.Time  `bun:"paid_at,notnull" json:"paid_at"`
	VoidedAt       *time.Time `bun:"voided_at" json:"voided_at,omitempty"`
	VoidedBy       *uuid.UUID `bun:"voided_by,type:uuid" json:"voided_by,omitempty"`
	VoidReason     string     `bun:"void_reason,notnull" json:"void_reason,omitempty"`
}

// Source is where the money that settled a bill came from.
type Source string

const (
	FromPayment Source = "payment"
	FromBalance Source = "balance" // the unit's prepaid balance
)

// Allocation is the part of a bill settled by a payment or by the prepaid
// balance.
type Allocation struct {
	bun.BaseModel `bun:"table:payment_allocations"`

	TenantID  uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID        uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	BillID    uuid.UUID  `bun:"bill_id,notnull,type:uuid" json:"bill_id"`
	PaymentID *uuid.UUID `bun:"payment_id,type:uuid" json:"payment_id,omitempty"`
	Source    Source     `bun:"source,notnull" json:"source"`
	AmountFen int64      `bun:"amount_fen,notnull" json:"amount_fen"`
	At        time.Time  `bun:"at,notnull" json:"at"`
	VoidedAt  *time.Time `bun:"voided_at" json:"voided_at,omitempty"`
}

// balance is a unit's prepaid balance (预存款); its row is also the lock of
// the unit's money: payments, voids and runs take it first.
type balance struct {
	bun.BaseModel `bun:"table:unit_balances"`

	TenantID   uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	UnitID     uuid.UUID `bun:"unit_id,pk,type:uuid"`
	BalanceFen int64     `bun:"balance_fen,notnull"`
	UpdatedAt  time.Time `bun:"updated_at,notnull"`
}

// MovementKind is why a prepaid balance changed.
type MovementKind string

const (
	Deposit MovementKind = "deposit" // a payment's prepayment
	Apply   MovementKind = "apply"   // used for a new bill
	Reverse MovementKind = "reverse" // the deposit of a voided payment taken back
	Restore MovementKind = "restore" // an application undone, so a void can take its deposit back
)

// Movement is one change of a unit's prepaid balance.
type Movement struct {
	bun.BaseModel `bun:"table:balance_movements"`

	TenantID  uuid.UUID    `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID        uuid.UUID    `bun:"id,pk,type:uuid" json:"id"`
	UnitID    uuid.UUID    `bun:"unit_id,notnull,type:uuid" json:"unit_id"`
	Kind      MovementKind `bun:"kind,notnull" json:"kind"`
	AmountFen int64        `bun:"amount_fen,notnull" json:"amount_fen"`
	// BalanceFen is the balance after the movement.
	BalanceFen int64      `bun:"balance_fen,notnull" json:"balance_fen"`
	PaymentID  *uuid.UUID `bun:"payment_id,type:uuid" json:"payment_id,omitempty"`
	BillID     *uuid.UUID `bun:"bill_id,type:uuid" json:"bill_id,omitempty"`
	ByID       *uuid.UUID `bun:"by_id,type:uuid" json:"by_id,omitempty"`
	At         time.Time  `bun:"at,notnull" json:"at"`
}

// WaiverStatus is where a waiver request is.
type WaiverStatus string

const (
	WaiverRequested WaiverStatus = "requested"
	WaiverApproved  WaiverStatus = "approved"
	WaiverRejected  WaiverStatus = "rejected"
)

// Waiver is a waiver or discount (减免) of part of a bill: requested with a
// reason, decided by someone else.
type Waiver struct {
	bun.BaseModel `bun:"table:waivers"`

	TenantID    uuid.UUID    `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID          uuid.UUID    `bun:"id,pk,type:uuid" json:"id"`
	BillID      uuid.UUID    `bun:"bill_id,notnull,type:uuid" json:"bill_id"`
	AmountFen   int64        `bun:"amount_fen,notnull" json:"amount_fen"`
	Reason      string       `bun:"reason,notnull" json:"reason"`
	Status      WaiverStatus `bun:"status,notnull" json:"status"`
	RequestedBy uuid.UUID    `bun:"requested_by,notnull,type:uuid" json:"requested_by"`
	RequestedAt time.Time    `bun:"requested_at,notnull" json:"requested_at"`
	// LateFee: the waiver is of the bill's late fee (滞纳金), not of the
	// bill; approved, it takes its amount off the late fees charged on
	// the bill from then on.
	LateFee bool `bun:"late_fee,notnull" json:"late_fee"`
	// ApprovedBy is who decided: approved, or rejected.
	ApprovedBy *uuid.UUID `bun:"approved_by,type:uuid" json:"approved_by,omitempty"`
	DecidedAt  *time.Time `bun:"decided_at" json:"decided_at,omitempty"`
}

// receiptCounter is the next receipt number of a tenant and year.
type receiptCounter struct {
	bun.BaseModel `bun:"table:fee_receipt_counters"`

	TenantID uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	Year     string    `bun:"year,pk"`
	NextSeq  int64     `bun:"next_seq,notnull"`
}
