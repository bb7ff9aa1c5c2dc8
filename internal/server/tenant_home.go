package server

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// homeEstate is an estate tile line, with its link if the user may open it.
type homeEstate struct {
	Name, Href string
}

// homeRoles are the roles with a home of their own, the most relevant
// first: a user with several roles gets the home of the first they hold.
var homeRoles = []rbac.Role{rbac.Manager, rbac.Assistant, rbac.OfficeHead, rbac.Clerk, rbac.TeamLeader, rbac.Worker}

// tenantHome is the workspace's start page, the work of the user's role:
// the field view for workers and team leaders (their teams' pool to
// assign first), today's work for clerks, the estates' open, overdue and
// major-complaint counts for managers, assistants and office heads; the
// company's estates for anyone else.
func (s *Server) tenantHome(c *fiber.Ctx) error {
	roles := s.Authz.Roles(userOf(c).ID, tenantOf(c).ID)
	i := slices.IndexFunc(homeRoles, func(r rbac.Role) bool { return slices.Contains(roles, r) })
	if i < 0 {
		return s.estatesHome(c)
	}
	switch homeRoles[i] {
	case rbac.TeamLeader, rbac.Worker:
		return s.fieldList(c)
	case rbac.Clerk:
		return s.deskHome(c)
	}
	return s.boardHome(c)
}

// estatesHome lists the company's estates. Everything the page shows is
// worked out here rather than in the template, and rendered once per key:
// it is a page many users open first, so its cost matters.
func (s *Server) estatesHome(c *fiber.Ctx) error {
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	t, u := tenantOf(c), userOf(c)
	estates, err := s.Estates.Visible(c.UserContext(), t.ID, scope)
	if err != nil {
		return err
	}
	// The content shows the company, the user's roles and permissions
	// (fixed by the role version) and the estates: together they key it.
	var key strings.Builder
	key.WriteString(t.ID.String() + t.Name + string(t.Status) + u.ID.String() + strconv.FormatInt(t.RBACVersion, 10))
	for _, e := range estates {
		key.WriteString(e.ID.String() + e.Name)
	}
	return s.renderKeyed(c, "tenant_home", "home.title", key.String(), func() map[string]any {
		return s.estateTile(c, estates, s.homeHead(c))
	})
}

// estateTile adds the tile of the user's estates to a home's data.
func (s *Server) estateTile(c *fiber.Ctx, estates []estate.Estate, data map[string]any) map[string]any {
	t, u := tenantOf(c), userOf(c)
	base := "/t/" + t.Slug + "/"
	canEstates := s.Authz.Can(u.ID, t.ID, rbac.ObjEstate, rbac.ActRead)
	lines := make([]homeEstate, len(estates))
	for i, e := range estates {
		lines[i].Name = e.Name
		if canEstates {
			lines[i].Href = base + "estates/" + e.ID.String()
		}
	}
	data["ShowEstates"], data["CanEstates"], data["Count"], data["Estates"] = true, canEstates, s.Catalog.Number(langOf(c), int64(len(estates))), lines
	return data
}

// homeHead is what every home shows: the company, the user's roles, the
// subscription's state and the staff link.
func (s *Server) homeHead(c *fiber.Ctx) map[string]any {
	t, u, lang := tenantOf(c), userOf(c), langOf(c)
	roles := s.Authz.Roles(u.ID, t.ID)
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = s.Catalog.T(lang, "role."+string(r), nil)
	}
	return map[string]any{
		"Heading":  s.Catalog.T(lang, "home.heading", map[string]any{"Company": t.Name}),
		"Roles":    strings.Join(names, s.Catalog.T(lang, "punct.list_sep", nil)),
		"PastDue":  t.Status == tenant.PastDue,
		"Base":     "/t/" + t.Slug + "/",
		"CanStaff": s.Authz.Can(u.ID, t.ID, "staff", "read"),
	}
}

// homeCount is a number of the day with the queue it counts.
type homeCount struct {
	Key   string
	Count int
	Href  string
}

// homeList is a short list of the day's tickets with the whole queue's
// address.
type homeList struct {
	Key  string
	Rows []queueRow
	Href string
	More bool
}

// homeListSize bounds each list of a home: the queue has the rest.
const homeListSize = 10

// deskHome is the clerk's day: tickets received today, due today, overdue
// and call-backs due, each counted with a link to its queue and listed.
func (s *Server) deskHome(c *fiber.Ctx) error {
	ctx, t := c.UserContext(), tenantOf(c)
	a, err := s.ticketActor(c)
	if err != nil {
		return err
	}
	start, end := today(t.Location())
	day, err := s.Tickets.Day(ctx, t.ID, a, start, end)
	if err != nil {
		return err
	}
	queue := "/t/" + t.Slug + "/tickets"
	date := start.Format(time.DateOnly)
	parts := []struct {
		key    string
		count  int
		query  string
		filter ticket.Filter
	}{
		{"new", day.New, "?from=" + date + "&to=" + date, ticket.Filter{From: start, To: end}},
		{"due_today", day.DueToday, "?view=open&due=today&sort=due", ticket.Filter{View: ticket.ViewOpen, DueBefore: end, Sort: ticket.DueSoonest}},
		{"overdue", day.Overdue, "?view=overdue&sort=due", ticket.Filter{View: ticket.ViewOverdue, Sort: ticket.DueSoonest}},
		{"callback", day.Callback, "?view=callback&sort=oldest", ticket.Filter{View: ticket.ViewCallback, Sort: ticket.Oldest}},
	}
	counts := make([]homeCount, len(parts))
	lists := make([]homeList, 0, len(parts))
	for i, p := range parts {
		counts[i] = homeCount{Key: p.key, Count: p.count, Href: queue + p.query}
		if p.count == 0 {
			continue
		}
		p.filter.Limit = homeListSize
		page, err := s.Tickets.List(ctx, t.ID, a, p.filter)
		if err != nil {
			return err
		}
		lists = append(lists, homeList{Key: p.key, Rows: s.queueRows(c, page.Rows), Href: queue + p.query, More: page.Next != ""})
	}
	estates, err := s.Estates.Visible(ctx, t.ID, a.Scope)
	if err != nil {
		return err
	}
	data := s.estateTile(c, estates, s.homeHead(c))
	data["Desk"], data["Lists"] = counts, lists
	return s.render(c, "tenant_home", "home.title", data)
}

// boardLine is an estate's open, overdue and major-complaint tickets
// with the queues that list them.
type boardLine struct {
	Name, Href                        string
	Open, Overdue, Majors             int
	OpenHref, OverdueHref, MajorsHref string
}

// boardHome is the home of managers, assistants and office heads: this
// month's figures of the company and each estate of theirs side by side
// with their twelve months and hot spots (kpi_dash.go), then each estate's
// open, overdue and major-complaint tickets, each count a link to its
// queue.
func (s *Server) boardHome(c *fiber.Ctx) error {
	ctx, t, u := c.UserContext(), tenantOf(c), userOf(c)
	a, err := s.ticketActor(c)
	if err != nil {
		return err
	}
	estates, err := s.Estates.Visible(ctx, t.ID, a.Scope)
	if err != nil {
		return err
	}
	loads, err := s.Tickets.Loads(ctx, t.ID, a)
	if err != nil {
		return err
	}
	byEstate := map[uuid.UUID]ticket.Load{}
	for _, l := range loads {
		byEstate[l.EstateID] = l
	}
	base := "/t/" + t.Slug + "/"
	canEstates := s.Authz.Can(u.ID, t.ID, rbac.ObjEstate, rbac.ActRead)
	lines := make([]boardLine, 0, len(estates)+1)
	total := boardLine{Name: s.Catalog.T(langOf(c), "home.board.total", nil)}
	queue := func(estate, rest string) string {
		q := base + "tickets?" + rest
		if estate != "" {
			q += "&estate=" + estate
		}
		return q
	}
	for _, e := range estates {
		l := byEstate[e.ID]
		line := boardLine{Name: e.Name, Open: l.Open, Overdue: l.Overdue, Majors: l.Majors,
			OpenHref: queue(e.ID.String(), "view=open"), OverdueHref: queue(e.ID.String(), "view=overdue"),
			MajorsHref: queue(e.ID.String(), "view=open&type=complaint&major=true")}
		if canEstates {
			line.Href = base + "estates/" + e.ID.String()
		}
		lines = append(lines, line)
		total.Open, total.Overdue, total.Majors = total.Open+l.Open, total.Overdue+l.Overdue, total.Majors+l.Majors
	}
	total.OpenHref, total.OverdueHref, total.MajorsHref = queue("", "view=open"), queue("", "view=overdue"), queue("", "view=open&type=complaint&major=true")
	data := s.homeHead(c)
	data["Board"], data["Total"] = lines, total
	// The figures of this month above the open work, for those who read
	// them (report:read: every role with this home today).
	if s.KPIs != nil && s.Authz.Can(u.ID, t.ID, rbac.ObjReport, rbac.ActRead) {
		d, err := s.loadDashboard(c, a.Scope, kpiMonth(c), nil)
		if err != nil {
			return err
		}
		data["Dash"] = s.dashView(c, d, nil)
	}
	return s.render(c, "tenant_home", "home.title", data)
}
