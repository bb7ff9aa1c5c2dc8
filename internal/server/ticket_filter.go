package server

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/kpi"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// queueQuery is a queue's filters as they came in the address, kept to
// fill the form again and to carry into the tabs, the next-page link and
// the export links.
type queueQuery struct {
	View     string
	Estate   string
	Unit     string
	Person   string
	Statuses []string
	Type     string
	Category string
	Team     string
	Priority string
	Channel  string
	From, To string
	Q        string
	Sort     string
	Limit    string
	// Major is "true" for major complaints only; Due is "today" for open
	// tickets due from now to midnight (the homes link to both).
	Major, Due string
	// KPI and Month are a figure's drill-down (?kpi=minor_late&month=
	// 2026-11): the tickets behind a count of the dashboards.
	KPI, Month string
}

// values are the filters without the view and the cursor.
func (q queueQuery) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("estate", q.Estate)
	set("unit", q.Unit)
	set("person", q.Person)
	for _, st := range q.Statuses {
		v.Add("status", st)
	}
	set("type", q.Type)
	set("category", q.Category)
	set("team", q.Team)
	set("priority", q.Priority)
	set("channel", q.Channel)
	set("from", q.From)
	set("to", q.To)
	set("q", q.Q)
	set("sort", q.Sort)
	set("limit", q.Limit)
	set("major", q.Major)
	set("due", q.Due)
	set("kpi", q.KPI)
	set("month", q.Month)
	return v
}

// With is the query string of the same filters in another view ("" keeps
// this one), for the tabs and the exports.
func (q queueQuery) With(view string) string {
	v := q.values()
	if view == "." {
		view = q.View
	}
	if view != "" {
		v.Set("view", view)
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// Here is the query string of the current view and filters.
func (q queueQuery) Here() string { return q.With(".") }

// Next is the query string of the page after cursor.
func (q queueQuery) Next(cursor string) string {
	v := q.values()
	if q.View != "" {
		v.Set("view", q.View)
	}
	v.Set("cursor", cursor)
	return "?" + v.Encode()
}

// Filtered reports whether any filter beyond the view is set.
func (q queueQuery) Filtered() bool {
	v := q.values()
	v.Del("sort")
	v.Del("limit")
	return len(v) > 0
}

// HasStatus is for the status checkboxes.
func (q queueQuery) HasStatus(s ticket.State) bool { return slices.Contains(q.Statuses, string(s)) }

// estateVisible checks that an estate of the tenant is in the scope; an
// archived one counts, since its tickets stay on record.
func (s *Server) estateVisible(c *fiber.Ctx, sc estate.Scope, id uuid.UUID) error {
	if !sc.Allows(id) {
		return database.ErrNotFound
	}
	t := tenantOf(c)
	// Usually an active estate, which the estate cache holds; an archived
	// one keeps its tickets and is looked up.
	if active, err := s.Estates.Visible(c.UserContext(), t.ID, sc); err == nil {
		for _, e := range active {
			if e.ID == id {
				return nil
			}
		}
	}
	return s.DB.ReadTenant(c.UserContext(), t.ID, func(ctx context.Context, tx bun.Tx) error {
		_, err := estate.ByID(ctx, tx, t.ID, id)
		return err
	})
}

// queueFilter reads a queue's filters from the query string. Dates are
// days in the tenant's time zone, "to" included. An estate outside the
// caller's scope is not found, as everywhere else; other malformed input
// is an invalid filter.
func (s *Server) queueFilter(c *fiber.Ctx, sc estate.Scope) (ticket.Filter, queueQuery, error) {
	args := c.Context().QueryArgs()
	one := func(k string) string { return strings.TrimSpace(string(args.Peek(k))) }
	q := queueQuery{View: one("view"), Estate: one("estate"), Unit: one("unit"), Person: one("person"),
		Type: one("type"), Category: one("category"), Team: one("team"), Priority: one("priority"),
		Channel: one("channel"), From: one("from"), To: one("to"), Q: one("q"), Sort: one("sort"), Limit: one("limit"),
		Major: one("major"), Due: one("due"), KPI: one("kpi"), Month: one("month")}
	for _, v := range args.PeekMulti("status") {
		for _, st := range strings.Split(string(v), ",") {
			if st = strings.TrimSpace(st); st != "" && !slices.Contains(q.Statuses, st) {
				q.Statuses = append(q.Statuses, st)
			}
		}
	}
	f := ticket.Filter{View: ticket.View(q.View), Type: ticket.Type(q.Type), Priority: ticket.Priority(q.Priority),
		Channel: ticket.Channel(q.Channel), Query: q.Q, Sort: ticket.Sort(q.Sort), Cursor: one("cursor")}
	if f.Sort != ticket.Newest && f.Sort != ticket.Oldest && f.Sort != ticket.DueSoonest {
		return f, q, ticket.ErrInvalidFilter
	}
	for _, st := range q.Statuses {
		f.Statuses = append(f.Statuses, ticket.State(st))
	}
	for _, id := range []struct {
		text string
		dst  **uuid.UUID
	}{{q.Estate, &f.EstateID}, {q.Unit, &f.UnitID}, {q.Person, &f.PersonID}, {q.Category, &f.CategoryID}, {q.Team, &f.TeamID}} {
		if id.text == "" {
			continue
		}
		v, err := uuid.Parse(id.text)
		if err != nil {
			return f, q, ticket.ErrInvalidFilter
		}
		*id.dst = &v
	}
	if f.EstateID != nil {
		if err := s.estateVisible(c, sc, *f.EstateID); err != nil {
			return f, q, err
		}
	}
	loc := tenantOf(c).Location()
	for _, d := range []struct {
		text string
		dst  *time.Time
		next int
	}{{q.From, &f.From, 0}, {q.To, &f.To, 1}} {
		if d.text == "" {
			continue
		}
		day, err := time.ParseInLocation(time.DateOnly, d.text, loc)
		if err != nil {
			return f, q, ticket.ErrInvalidFilter
		}
		*d.dst = day.AddDate(0, 0, d.next)
	}
	switch q.Major {
	case "":
	case "true":
		f.Major = true
	default:
		return f, q, ticket.ErrInvalidFilter
	}
	switch q.Due {
	case "":
	case "today":
		_, f.DueBefore = today(loc)
	default:
		return f, q, ticket.ErrInvalidFilter
	}
	if q.KPI != "" || q.Month != "" {
		if q.KPI == "" || s.KPIs == nil {
			return f, q, ticket.ErrInvalidFilter
		}
		if q.Month == "" {
			q.Month = kpiMonth(c)
		}
		narrow, err := s.KPIs.Narrow(c.UserContext(), tenantOf(c), kpi.Drill(q.KPI), q.Month)
		if err != nil {
			return f, q, ticket.ErrInvalidFilter
		}
		f.Narrow = narrow
	}
	if q.Limit != "" {
		n, err := strconv.Atoi(q.Limit)
		if err != nil || n < 1 || n > ticket.MaxPage {
			return f, q, ticket.ErrInvalidFilter
		}
		f.Limit = n
	}
	return f, q, nil
}

// today is the tenant's day now: its midnight and the next.
func today(loc *time.Location) (time.Time, time.Time) {
	y, m, d := time.Now().In(loc).Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, loc)
	return start, start.AddDate(0, 0, 1)
}
