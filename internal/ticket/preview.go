package ticket

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// PreviewIn is what intake knows of a ticket before it is saved that
// decides where it goes and when it is due.
type PreviewIn struct {
	EstateID   uuid.UUID
	Type       Type
	CategoryID *uuid.UUID
	Priority   Priority
}

// Preview is where a ticket would go by the dispatch rules and the
// deadlines it would get, were it saved now.
type Preview struct {
	// Team is the team the rules pick, with its staffing; nil when no
	// rule matches (or the rule's team is archived): the ticket would wait
	// for a dispatcher.
	Team *Staffing `json:"team"`
	Mode Mode      `json:"mode,omitempty"`
	// Fallback: the estate's fallback rule picked the team, not a rule of
	// the category.
	Fallback bool `json:"fallback"`
	// Clock is what the deadlines count; a deadline the policy leaves
	// unset (praise, suggestions) is nil.
	Clock       Clock      `json:"clock"`
	ResponseDue *time.Time `json:"response_due"`
	ResolveDue  *time.Time `json:"resolve_due"`
}

// Preview tells intake, before the ticket is saved, what saving it would
// do: it builds the ticket and routes it exactly as Create does, in a
// transaction that writes nothing.
func (s *Service) Preview(ctx context.Context, t *tenant.Tenant, a Actor, in PreviewIn) (*Preview, error) {
	if in.Priority == "" {
		in.Priority = Normal
	}
	switch {
	case !in.Type.Valid():
		return nil, ErrInvalidType
	case !in.Priority.Valid():
		return nil, ErrInvalidPriority
	}
	// A tenant's first intake seeds the category tree, which a read-only
	// transaction cannot.
	if _, err := s.Categories(ctx, t.ID); err != nil {
		return nil, err
	}
	p := &Preview{}
	now := s.now()
	err := s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		intake := Intake{EstateID: in.EstateID, Channel: Phone, Type: in.Type, CategoryID: in.CategoryID, Priority: in.Priority}
		tk, _, err := s.newTicket(ctx, tx, &intakeRefs{}, t, a, intake, uuid.Nil, "", now)
		if err != nil {
			return err
		}
		p.Clock, p.ResponseDue, p.ResolveDue = tk.Clock, tk.ResponseDue, tk.ResolveDue
		// With turns collected, routing a round-robin ticket takes nobody's
		// turn: nothing is written.
		w := &work{s: s, tx: tx, t: t, tk: tk, now: now, turns: turns{}}
		switch err := w.route(ctx, Assignment{}); {
		case errors.Is(err, ErrNoTeam), errors.Is(err, ErrTeamNotInEstate):
			return nil
		case err != nil:
			return err
		}
		cf, err := w.conf(ctx)
		if err != nil {
			return err
		}
		if r := pickRule(cf.rulesOf(tk.EstateID), cf.ancestry(tk.CategoryID)); r != nil {
			p.Fallback = r.Fallback()
		}
		st, err := staffingOf(ctx, tx, t.ID, []uuid.UUID{*tk.TeamID})
		if err != nil {
			return err
		}
		p.Team, p.Mode = st[*tk.TeamID], tk.DispatchMode
		return nil
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	return p, nil
}
