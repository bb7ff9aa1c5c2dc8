package kpi

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/ticket"
)

// Counts are what the figures are made of, for one estate and day in the
// rollups, or summed over days and estates. Each count's day is the local
// day (the company's time zone) of one instant of the ticket:
//
//	received, complaints, majors          created_at
//	completed, first_fix, minor_*,
//	complaint_*, callback_*               completed_at (the latest completion)
//	breached                              resolve_breached_at
//	cb_reached, cb_satisfied              the call-back's at
//	the first-response histogram          responded_at
type Counts struct {
	Received      int64 `bun:"received" json:"received"`
	Complaints    int64 `bun:"complaints" json:"complaints"`
	Majors        int64 `bun:"majors" json:"majors"`
	Completed     int64 `bun:"completed" json:"completed"`
	FirstFix      int64 `bun:"first_fix" json:"first_fix"`
	MinorDone     int64 `bun:"minor_done" json:"minor_done"`
	MinorLate     int64 `bun:"minor_late" json:"minor_late"`
	ComplaintDone int64 `bun:"complaint_done" json:"complaint_done"`
	ComplaintLate int64 `bun:"complaint_late" json:"complaint_late"`
	CallbackDue   int64 `bun:"callback_due" json:"callback_due"`
	CallbackDone  int64 `bun:"callback_done" json:"callback_done"`
	CbReached     int64 `bun:"cb_reached" json:"callbacks_reached"`
	CbSatisfied   int64 `bun:"cb_satisfied" json:"callbacks_satisfied"`
	Breached      int64 `bun:"breached" json:"breached"`
}

func (c *Counts) add(o Counts) {
	c.Received += o.Received
	c.Complaints += o.Complaints
	c.Majors += o.Majors
	c.Completed += o.Completed
	c.FirstFix += o.FirstFix
	c.MinorDone += o.MinorDone
	c.MinorLate += o.MinorLate
	c.ComplaintDone += o.ComplaintDone
	c.ComplaintLate += o.ComplaintLate
	c.CallbackDue += o.CallbackDue
	c.CallbackDone += o.CallbackDone
	c.CbReached += o.CbReached
	c.CbSatisfied += o.CbSatisfied
	c.Breached += o.Breached
}

func (c Counts) zero() bool { return c == Counts{} }

// Satisfied is the lowest overall score (of 5) a satisfied owner gives.
const Satisfied = 4

// Fact is what the figures need of one ticket.
type Fact struct {
	ID                uuid.UUID   `bun:"id"`
	EstateID          uuid.UUID   `bun:"estate_id"`
	Type              ticket.Type `bun:"type"`
	CategoryID        *uuid.UUID  `bun:"category_id"`
	Major             bool        `bun:"major"`
	ReceivedBy        uuid.UUID   `bun:"received_by"`
	CreatedBy         uuid.UUID   `bun:"created_by"`
	TeamID            *uuid.UUID  `bun:"team_id"`
	AssigneeID        *uuid.UUID  `bun:"assignee_id"`
	BuildingID        *uuid.UUID  `bun:"building_id"`
	CreatedAt         time.Time   `bun:"created_at"`
	ResponseDue       *time.Time  `bun:"response_due"`
	RespondedAt       *time.Time  `bun:"responded_at"`
	ResolveDue        *time.Time  `bun:"resolve_due"`
	CompletedAt       *time.Time  `bun:"completed_at"`
	ResolveBreachedAt *time.Time  `bun:"resolve_breached_at"`
	CallbackState     string      `bun:"callback_state"`
	ReopenCount       int         `bun:"reopen_count"`
}

// Late reports whether a completed ticket missed its resolution deadline:
// the breach was recorded, or the completion came after the deadline
// before the sweep noticed.
func (f *Fact) Late() bool {
	return f.ResolveBreachedAt != nil || (f.ResolveDue != nil && f.CompletedAt != nil && f.CompletedAt.After(*f.ResolveDue))
}

// Minor reports whether the ticket is a minor repair (零星维修): a repair
// in a category marked minor, or under one.
func (f *Fact) Minor(tree ticket.Tree) bool {
	return f.Type == ticket.Repair && tree.Minor(f.CategoryID)
}

// ResponseMinutes is the first response time in whole minutes (rounded
// down); false for a ticket without a response deadline (praise,
// suggestions) or not yet responded to.
func (f *Fact) ResponseMinutes() (int, bool) {
	if f.RespondedAt == nil || f.ResponseDue == nil {
		return 0, false
	}
	return max(0, int(f.RespondedAt.Sub(f.CreatedAt)/time.Minute)), true
}

// Percentile is the nearest-rank percentile of a histogram of minutes:
// the smallest value at or below which at least p percent of the counts
// lie. False for an empty histogram.
func Percentile(hist map[int]int64, p int) (int64, bool) {
	var n int64
	keys := make([]int, 0, len(hist))
	for k, c := range hist {
		if c > 0 {
			keys = append(keys, k)
			n += c
		}
	}
	if n == 0 {
		return 0, false
	}
	slices.Sort(keys)
	rank := (n*int64(p) + 99) / 100 // ceil(n·p/100)
	rank = max(rank, 1)
	var seen int64
	for _, k := range keys {
		seen += hist[k]
		if seen >= rank {
			return int64(k), true
		}
	}
	return int64(keys[len(keys)-1]), true
}
