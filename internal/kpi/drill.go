package kpi

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// Drill names the tickets behind a count of a month, which the queue lists
// (?kpi=minor_late&month=2026-11): each is the same condition the rollups
// count by (rollup.go's add), dated by the same instant, so that the
// queue's count equals the figure's. Call-backs are counted per call-back,
// the queue per ticket: a ticket called back twice in a month is one line.
type Drill string

const (
	DrillReceived       Drill = "received"        // received in the month
	DrillComplaints     Drill = "complaints"      // complaints received
	DrillMajors         Drill = "majors"          // major complaints received
	DrillCompleted      Drill = "completed"       // completed in the month
	DrillReopened       Drill = "reopened"        // completed, and reopened at some time
	DrillMinorDone      Drill = "minor_done"      // minor repairs completed
	DrillMinorLate      Drill = "minor_late"      // of those, late
	DrillComplaintDone  Drill = "complaint_done"  // complaints completed
	DrillComplaintLate  Drill = "complaint_late"  // of those, late
	DrillCallbackDue    Drill = "callback_due"    // completed, due a call-back
	DrillCallbackMissed Drill = "callback_missed" // of those, no owner reached yet
	DrillReached        Drill = "cb_reached"      // a call-back reached the owner in the month
	DrillUnsatisfied    Drill = "cb_unsatisfied"  // of those, scored below satisfied
	DrillResponded      Drill = "responded"       // first response in the month
	DrillBreached       Drill = "breached"        // resolution deadline missed in the month
)

// ErrInvalidDrill is a drill-down that is not one of the Drill names.
var ErrInvalidDrill = errors.New("kpi: unknown drill-down")

var drills = map[Drill]bool{DrillReceived: true, DrillComplaints: true, DrillMajors: true, DrillCompleted: true,
	DrillReopened: true, DrillMinorDone: true, DrillMinorLate: true, DrillComplaintDone: true, DrillComplaintLate: true,
	DrillCallbackDue: true, DrillCallbackMissed: true, DrillReached: true, DrillUnsatisfied: true, DrillResponded: true,
	DrillBreached: true}

// Valid reports whether d is a known drill-down.
func (d Drill) Valid() bool { return drills[d] }

// Drills are a figure's drill-downs: all the tickets it counts (the
// denominator), and those that fall short (the denominator less the
// numerator: the late, the reopened, the unsatisfied); "" for none. The fee
// figures have none here: the fee pages list their units.
func (f Figure) Drills() (all, short Drill) {
	switch f {
	case Satisfaction:
		return DrillReached, DrillUnsatisfied
	case CallbackRate:
		return DrillCallbackDue, DrillCallbackMissed
	case MinorOnTime:
		return DrillMinorDone, DrillMinorLate
	case ComplaintOnTime:
		return DrillComplaintDone, DrillComplaintLate
	case FirstFix:
		return DrillCompleted, DrillReopened
	case ResponseMedian, ResponseP90:
		return DrillResponded, ""
	case ComplaintsPer100:
		return DrillComplaints, ""
	case Majors:
		return DrillMajors, ""
	}
	return "", ""
}

// lateSQL is Fact.Late in SQL.
const lateSQL = "(t.resolve_breached_at IS NOT NULL OR (t.resolve_due IS NOT NULL AND t.completed_at > t.resolve_due))"

// Narrow is the condition on the queue's tickets (alias t) of a drill-down
// in a month of the company's time zone, for ticket.Filter.Narrow. The
// queue applies the tenant, the estate scope and the other filters.
func (s *Service) Narrow(ctx context.Context, t *tenant.Tenant, d Drill, month string) (func(*bun.SelectQuery) *bun.SelectQuery, error) {
	if !d.Valid() {
		return nil, ErrInvalidDrill
	}
	m, err := ParseMonth(month)
	if err != nil {
		return nil, err
	}
	from, to := m.Bounds(t.Location())
	var minor []uuid.UUID
	if d == DrillMinorDone || d == DrillMinorLate {
		tree, err := s.tickets.Categories(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		for i := range tree {
			if tree.Minor(&tree[i].ID) {
				minor = append(minor, tree[i].ID)
			}
		}
	}
	return func(q *bun.SelectQuery) *bun.SelectQuery { return narrow(q, t.ID, d, from, to, minor) }, nil
}

func narrow(q *bun.SelectQuery, tenantID uuid.UUID, d Drill, from, to time.Time, minor []uuid.UUID) *bun.SelectQuery {
	in := func(col string) *bun.SelectQuery { return q.Where(col+" >= ? AND "+col+" < ?", from, to) }
	reached := "EXISTS (SELECT 1 FROM ticket_callbacks AS c WHERE c.tenant_id = ? AND c.ticket_id = t.id AND c.reached AND c.at >= ? AND c.at < ?"
	switch d {
	case DrillReceived:
		return in("t.created_at")
	case DrillComplaints:
		return in("t.created_at").Where("t.type = ?", ticket.Complaint)
	case DrillMajors:
		return in("t.created_at").Where("t.type = ? AND t.major", ticket.Complaint)
	case DrillCompleted:
		return in("t.completed_at")
	case DrillReopened:
		return in("t.completed_at").Where("t.reopen_count > 0")
	case DrillMinorDone, DrillMinorLate:
		if len(minor) == 0 {
			return q.Where("1 = 0")
		}
		q = in("t.completed_at").Where("t.type = ? AND t.category_id IN (?)", ticket.Repair, bun.In(minor))
		if d == DrillMinorLate {
			q = q.Where(lateSQL)
		}
		return q
	case DrillComplaintDone:
		return in("t.completed_at").Where("t.type = ?", ticket.Complaint)
	case DrillComplaintLate:
		return in("t.completed_at").Where("t.type = ?", ticket.Complaint).Where(lateSQL)
	case DrillCallbackDue:
		return in("t.completed_at").Where("t.callback_state <> ''")
	case DrillCallbackMissed:
		return in("t.completed_at").Where("t.callback_state <> '' AND t.callback_state <> ?", ticket.CallbackDone)
	case DrillReached:
		return q.Where(reached+")", tenantID, from, to)
	case DrillUnsatisfied:
		return q.Where(reached+" AND c.overall < ?)", tenantID, from, to, Satisfied)
	case DrillResponded:
		return in("t.responded_at").Where("t.response_due IS NOT NULL")
	case DrillBreached:
		return in("t.resolve_breached_at")
	}
	return q.Where("1 = 0")
}
