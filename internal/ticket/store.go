package ticket

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
)

func byID(ctx context.Context, db bun.IDB, tenantID, id uuid.UUID) (*Ticket, error) {
	tk := new(Ticket)
	err := db.NewSelect().Model(tk).Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx)
	return tk, database.Normalize(err)
}

// visible reads a ticket the actor may see.
func (s *Service) visible(ctx context.Context, db bun.IDB, tenantID uuid.UUID, a Actor, id uuid.UUID) (*Ticket, error) {
	tk, err := byID(ctx, db, tenantID, id)
	if err != nil {
		return nil, err
	}
	return tk, s.allows(ctx, db, a, tk)
}

// allows checks that the actor may see the ticket: it is of an estate of
// theirs; for a worker, theirs or their team's; a complaint about staff
// only with ticket:sensitive, or when it is assigned to them. Any other
// ticket is as unknown as one of another company.
func (s *Service) allows(ctx context.Context, db bun.IDB, a Actor, tk *Ticket) error {
	if !a.Scope.Allows(tk.EstateID) {
		return database.ErrNotFound
	}
	holds := tk.AssigneeID != nil && *tk.AssigneeID == a.UserID
	if holds {
		return nil
	}
	if a.TeamOnly {
		if tk.TeamID == nil {
			return database.ErrNotFound
		}
		n, err := db.NewSelect().TableExpr("tickets AS t").
			Where("t.tenant_id = ? AND t.id = ? AND t.team_id IN ("+myTeams+")", tk.TenantID, tk.ID, a.UserID, a.UserID).Count(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return database.ErrNotFound
		}
	}
	if !a.Sensitive && tk.CategoryID != nil {
		tree, err := s.tree(ctx, db, tk.TenantID)
		if err != nil {
			return err
		}
		if tree.StaffComplaint(tk.CategoryID) {
			return database.ErrNotFound
		}
	}
	return nil
}

// mayCall reports whether the actor sees the caller's phone numbers of a
// ticket: with ticket:sensitive, or as the one holding it, who must
// arrange the visit.
func (a Actor) mayCall(tk *Ticket) bool {
	return a.Sensitive || (tk.AssigneeID != nil && *tk.AssigneeID == a.UserID)
}

// MaskPhone keeps the last four digits of a phone number (and the first
// three of a mobile), which is what the center looks callers up by:
// 13800138000 → 138****8000.
func MaskPhone(p string) string {
	r := []rune(p)
	if len(r) == 0 {
		return p
	}
	keepHead := 0
	if len(r) == 11 {
		keepHead = 3
	}
	for i := keepHead; i < len(r)-4; i++ {
		r[i] = '*'
	}
	if len(r) <= 4 {
		return strings.Repeat("*", len(r))
	}
	return string(r)
}

// lock reads a ticket for change. On PostgreSQL the row stays locked until
// the transaction ends, so two clerks acting at once take turns; SQLite's
// single writer already serializes them.
func lock(ctx context.Context, tx bun.Tx, postgres bool, tenantID, id uuid.UUID) (*Ticket, error) {
	tk := new(Ticket)
	q := tx.NewSelect().Model(tk).Where("tenant_id = ? AND id = ?", tenantID, id)
	if postgres {
		q = q.For("UPDATE")
	}
	return tk, database.Normalize(q.Scan(ctx))
}

func save(ctx context.Context, tx bun.IDB, tk *Ticket) error {
	_, err := tx.NewUpdate().Model(tk).WherePK().Exec(ctx)
	return err
}

func insertEntries(ctx context.Context, db bun.IDB, es ...*Entry) error {
	_, err := db.NewInsert().Model(&es).Exec(ctx)
	return err
}

// activeMember checks that a user is an active member of the tenant.
func activeMember(ctx context.Context, db bun.IDB, tenantID, userID uuid.UUID) error {
	n, err := db.NewSelect().Table("memberships").
		Where("tenant_id = ? AND user_id = ? AND disabled_at IS NULL", tenantID, userID).Count(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return database.ErrNotFound
	}
	return nil
}

// userNames maps user IDs to display names (the email when unnamed).
func userNames(ctx context.Context, db bun.IDB, ids []uuid.UUID) (map[uuid.UUID]string, error) {
	out := map[uuid.UUID]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID    uuid.UUID `bun:"id"`
		Name  string    `bun:"name"`
		Email string    `bun:"email"`
	}
	if err := db.NewSelect().Table("users").Column("id", "name", "email").Where("id IN (?)", bun.In(ids)).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ID] = r.Name
		if r.Name == "" {
			out[r.ID] = r.Email
		}
	}
	return out, nil
}

// detail fills a ticket's page.
func detail(ctx context.Context, db bun.IDB, tk *Ticket) (*Detail, error) {
	d := &Detail{Ticket: tk}
	est, err := estate.ByID(ctx, db, tk.TenantID, tk.EstateID)
	if err != nil {
		return nil, err
	}
	d.Estate = est.Name
	if tk.UnitID != nil {
		u, err := estate.UnitByID(ctx, db, tk.TenantID, *tk.UnitID)
		if err != nil {
			return nil, err
		}
		d.UnitCode = u.Code
	}
	if tk.PersonID != nil {
		p, err := estate.PersonByID(ctx, db, tk.TenantID, *tk.PersonID)
		if err != nil {
			return nil, err
		}
		d.PersonName, d.Phones = p.Name, p.Phones
	}
	if tk.CategoryID != nil {
		tr, err := loadTree(ctx, db, tk.TenantID)
		if err != nil {
			return nil, err
		}
		if c := tr.ByID(*tk.CategoryID); c != nil {
			d.Category = c.Path
		}
		d.StaffComplaint = tr.StaffComplaint(tk.CategoryID)
	}
	if tk.TeamID != nil {
		var team struct {
			Name     string     `bun:"name"`
			LeaderID *uuid.UUID `bun:"leader_id"`
		}
		if err := db.NewSelect().Table("teams").Column("name", "leader_id").
			Where("tenant_id = ? AND id = ?", tk.TenantID, *tk.TeamID).Scan(ctx, &team); err != nil {
			return nil, err
		}
		d.TeamName, d.TeamLeader = team.Name, team.LeaderID
	}
	if err := db.NewSelect().Model(&d.Timeline).Where("tenant_id = ? AND ticket_id = ?", tk.TenantID, tk.ID).
		Order("at", "id").Scan(ctx); err != nil {
		return nil, err
	}
	if err := db.NewSelect().Model(&d.Attachments).Where("tenant_id = ? AND ticket_id = ?", tk.TenantID, tk.ID).
		Order("created_at").Scan(ctx); err != nil {
		return nil, err
	}
	// By time: attempt numbers start again with each round after a reopen.
	if err := db.NewSelect().Model(&d.Callbacks).Where("tenant_id = ? AND ticket_id = ?", tk.TenantID, tk.ID).
		Order("at", "attempt").Scan(ctx); err != nil {
		return nil, err
	}
	ids := []uuid.UUID{tk.ReceivedBy}
	if tk.AssigneeID != nil {
		ids = append(ids, *tk.AssigneeID)
	}
	for _, e := range d.Timeline {
		if e.ActorID != nil {
			ids = append(ids, *e.ActorID)
		}
	}
	names, err := userNames(ctx, db, ids)
	if err != nil {
		return nil, err
	}
	d.ReceivedBy = names[tk.ReceivedBy]
	if tk.AssigneeID != nil {
		d.Assignee = names[*tk.AssigneeID]
	}
	for i := range d.Timeline {
		e := &d.Timeline[i]
		if e.ActorID != nil {
			e.ActorName = names[*e.ActorID]
		}
		if e.Kind == string(Dispatch) || e.Kind == string(Transfer) {
			d.DispatchNote = e.Body
		}
	}
	return d, nil
}
