package server

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/team"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// queueTab is one named queue above the table.
type queueTab struct {
	View  string
	Count int
	Shown bool // a count is shown; "all" has none
}

// queueRow is a line of a queue as the page shows it: times in the
// tenant's zone, the deadline as words and a tone.
type queueRow struct {
	ticket.Row
	Received time.Time
	Left     string
	// Tone of the time left: ok, warn, late, paused or "" (no deadline).
	Tone string
}

// ticketList: the queues of the center — the tabs with their counts, the
// filters, and a page of tickets with a cursor to the next one. The API
// answers the page alone.
func (s *Server) ticketList(c *fiber.Ctx) error {
	ctx, t := c.UserContext(), tenantOf(c)
	a, err := s.ticketActor(c)
	if err != nil {
		return err
	}
	f, q, err := s.queueFilter(c, a.Scope)
	if err != nil {
		return err
	}
	page, err := s.Tickets.List(ctx, t.ID, a, f)
	if err != nil {
		return err
	}
	if isAPI(c) {
		if page.Rows == nil {
			page.Rows = []ticket.Row{}
		}
		return c.JSON(page)
	}
	counts, err := s.Tickets.Counts(ctx, t.ID, a)
	if err != nil {
		return err
	}
	estates, err := s.Estates.Visible(ctx, t.ID, a.Scope)
	if err != nil {
		return err
	}
	tree, err := s.Tickets.Categories(ctx, t.ID)
	if err != nil {
		return err
	}
	teams, err := s.filterTeams(ctx, t.ID, a.Scope, f.EstateID, estates)
	if err != nil {
		return err
	}
	u := userOf(c)
	return s.render(c, "tickets", "queue.title", map[string]any{
		"Query": q, "Rows": s.queueRows(c, page.Rows), "Next": page.Next, "FirstPage": f.Cursor == "",
		"Tabs": []queueTab{
			{View: string(ticket.ViewMine), Count: counts.Mine, Shown: true},
			{View: string(ticket.ViewTeam), Count: counts.Team, Shown: true},
			{View: string(ticket.ViewOpen), Count: counts.Open, Shown: true},
			{View: string(ticket.ViewOverdue), Count: counts.Overdue, Shown: true},
			{View: string(ticket.ViewCallback), Count: counts.Callback, Shown: true},
			{View: string(ticket.ViewUndispatched), Count: counts.Undispatched, Shown: true},
			{View: string(ticket.ViewAll)},
		},
		"Estates": estates, "Categories": tree, "Teams": teams,
		"States": ticket.States, "Types": ticket.Types(), "Priorities": ticket.Priorities(), "Channels": ticket.Channels(),
		"CanExport": s.Authz.Can(u.ID, t.ID, rbac.ObjTicket, rbac.ActExport),
	})
}

// filterTeams are the teams the team filter offers: the chosen estate's,
// or the only estate's; with many estates, choosing one comes first.
func (s *Server) filterTeams(ctx context.Context, tenantID uuid.UUID, sc estate.Scope, estateID *uuid.UUID, estates []estate.Estate) ([]team.Team, error) {
	id := estateID
	if id == nil && len(estates) == 1 {
		id = &estates[0].ID
	}
	if id == nil {
		return nil, nil
	}
	return s.teams().List(ctx, tenantID, sc, *id)
}

// queueRows dresses a page of rows for a page.
func (s *Server) queueRows(c *fiber.Ctx, rows []ticket.Row) []queueRow {
	lang, loc, now := langOf(c), tenantOf(c).Location(), time.Now()
	out := make([]queueRow, len(rows))
	for i, r := range rows {
		out[i] = queueRow{Row: r, Received: r.CreatedAt.In(loc)}
		out[i].Left, out[i].Tone = s.timeLeft(lang, &r, now)
	}
	return out
}

// timeLeft says how long until the resolution deadline, or how long past
// it. The tone turns amber in the last fifth of the window (the default
// warning point) or the last hour.
func (s *Server) timeLeft(lang string, r *ticket.Row, now time.Time) (string, string) {
	left, ok := r.Left(now)
	switch {
	case !ok && r.HoldSince != nil && r.Status.Open():
		return s.Catalog.T(lang, "queue.left.paused", nil), "paused"
	case !ok:
		return "", ""
	case left < 0:
		return s.Catalog.T(lang, "queue.left.overdue", map[string]any{"Span": s.span(lang, -left)}), "late"
	}
	tone := "ok"
	if window := r.ResolveDue.Sub(r.CreatedAt); left < time.Hour || left*5 < window {
		tone = "warn"
	}
	return s.Catalog.T(lang, "queue.left.remaining", map[string]any{"Span": s.span(lang, left)}), tone
}

// span words a duration to the minute under a day, to the hour above.
func (s *Server) span(lang string, d time.Duration) string {
	m := int(d / time.Minute)
	days, hours, mins := m/(24*60), m/60%24, m%60
	switch {
	case days > 0 && hours > 0:
		return s.Catalog.T(lang, "queue.span.dh", map[string]any{"D": days, "H": hours})
	case days > 0:
		return s.Catalog.T(lang, "queue.span.d", map[string]any{"D": days})
	case hours > 0 && mins > 0:
		return s.Catalog.T(lang, "queue.span.hm", map[string]any{"H": hours, "M": mins})
	case hours > 0:
		return s.Catalog.T(lang, "queue.span.h", map[string]any{"H": hours})
	}
	return s.Catalog.T(lang, "queue.span.m", map[string]any{"M": max(mins, 1)})
}
