package fee

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// BillStatus is how far a bill is settled.
type BillStatus string

const (
	Open    BillStatus = "open"    // nothing paid or waived
	Partial BillStatus = "partial" // some paid or waived
	Paid    BillStatus = "paid"    // paid and waived make the amount
)

// Bill is a receivable (应收) of a unit for an item and period.
type Bill struct {
	bun.BaseModel `bun:"table:bills"`

	TenantID    uuid.UUID `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID          uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	EstateID    uuid.UUID `bun:"estate_id,notnull,type:uuid" json:"estate_id"`
	BuildingID  uuid.UUID `bun:"building_id,notnull,type:uuid" json:"building_id"`
	UnitID      uuid.UUID `bun:"unit_id,notnull,type:uuid" json:"unit_id"`
	ItemID      uuid.UUID `bun:"item_id,notnull,type:uuid" json:"item_id"`
	Period      string    `bun:"period,notnull" json:"period"`
	PeriodStart string    `bun:"period_start,notnull" json:"period_start"`
	PeriodEnd   string    `bun:"period_end,notnull" json:"period_end"`
	// Quantity (hundredths of the unit of measure) and Price (hundredths
	// of a fen) the amount was calculated from, for the bill's page.
	Quantity  int64      `bun:"quantity_centi,notnull" json:"quantity"`
	Price     int64      `bun:"price_centi,notnull" json:"price"`
	AmountFen int64      `bun:"amount_fen,notnull" json:"amount_fen"`
	PaidFen   int64      `bun:"paid_fen,notnull" json:"paid_fen"`
	WaivedFen int64      `bun:"waived_fen,notnull" json:"waived_fen"`
	DueDate   string     `bun:"due_date,notnull" json:"due_date"`
	Status    BillStatus `bun:"status,notnull" json:"status"`
	RunID     *uuid.UUID `bun:"run_id,type:uuid" json:"run_id,omitempty"`
	CreatedAt time.Time  `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt time.Time  `bun:"updated_at,notnull" json:"updated_at"`
}

// OpenFen is what is still to pay.
func (b *Bill) OpenFen() int64 { return b.AmountFen - b.PaidFen - b.WaivedFen }

// settle records fen more paid (negative: reopened by a void) and the
// status that follows.
func (b *Bill) settle(paid, waived int64, at time.Time) {
	b.PaidFen += paid
	b.WaivedFen += waived
	b.UpdatedAt = at
	switch {
	case b.OpenFen() <= 0:
		b.Status = Paid
	case b.PaidFen+b.WaivedFen > 0:
		b.Status = Partial
	default:
		b.Status = Open
	}
}

// RunStatus is where a billing run is.
type RunStatus string

const (
	RunQueued  RunStatus = "queued"
	RunRunning RunStatus = "running"
	RunDone    RunStatus = "done"
	RunFailed  RunStatus = "failed"
)

// Run is a billing run of an estate and period.
type Run struct {
	bun.BaseModel `bun:"table:billing_runs"`

	TenantID uuid.UUID `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID       uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	EstateID uuid.UUID `bun:"estate_id,notnull,type:uuid" json:"estate_id"`
	Period   string    `bun:"period,notnull" json:"period"`
	Status   RunStatus `bun:"status,notnull" json:"status"`
	// Planned bills the run computed; Done of them written (progress);
	// Created new, Existing already there from an earlier run.
	Planned  int   `bun:"planned,notnull" json:"planned"`
	Done     int   `bun:"done,notnull" json:"done"`
	Created  int   `bun:"created,notnull" json:"created"`
	Existing int   `bun:"existing,notnull" json:"existing"`
	TotalFen int64 `bun:"total_fen,notnull" json:"total_fen"`
	// Summary is the created bills by building and item, with the skipped
	// units by reason.
	Summary    Summary    `bun:"summary,notnull" json:"summary"`
	Error      string     `bun:"error,notnull" json:"error,omitempty"`
	CreatedBy  *uuid.UUID `bun:"created_by,type:uuid" json:"created_by,omitempty"`
	CreatedAt  time.Time  `bun:"created_at,notnull" json:"created_at"`
	FinishedAt *time.Time `bun:"finished_at" json:"finished_at,omitempty"`
}

// Line is the bills of one building and item.
type Line struct {
	BuildingID uuid.UUID `json:"building_id"`
	Building   string    `json:"building"`
	ItemID     uuid.UUID `json:"item_id"`
	Item       string    `json:"item"`
	Bills      int       `json:"bills"`
	TotalFen   int64     `json:"total_fen"`
	// Existing counts bills of the period that exist already (preview):
	// a run will not make them again.
	Existing int `json:"existing,omitempty"`
}

// Summary is counts and totals by building and item (in the estate's
// building order, then the item order), and the units left out by reason.
type Summary struct {
	Lines    []Line       `json:"lines"`
	Bills    int          `json:"bills"`
	TotalFen int64        `json:"total_fen"`
	Existing int          `json:"existing"`
	Skipped  map[Skip]int `json:"skipped,omitempty"`
}

// Value stores a summary as JSON text.
func (s Summary) Value() (any, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

// Scan reads a summary stored by Value.
func (s *Summary) Scan(src any) error {
	*s = Summary{}
	return scanJSON(src, s)
}
