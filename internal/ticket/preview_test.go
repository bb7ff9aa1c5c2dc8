package ticket_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/team"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// categories maps the paths of the tenant's tree to their IDs.
func (f *fixture) categories() map[string]uuid.UUID {
	f.t.Helper()
	tree, err := f.svc.Categories(f.ctx, f.alpha.ID)
	must(f.t, err)
	out := map[string]uuid.UUID{}
	for _, c := range tree {
		out[c.Path] = c.ID
	}
	return out
}

func ptr(id uuid.UUID) *uuid.UUID { return &id }

// turnsTaken counts the members whose round-robin turn has been stamped.
func (f *fixture) turnsTaken() int {
	f.t.Helper()
	var n int
	must(f.t, f.db.ReadTenant(f.ctx, f.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Table("team_members").ColumnExpr("COUNT(*)").
			Where("tenant_id = ? AND last_assigned_at IS NOT NULL", f.alpha.ID).Scan(ctx, &n)
	}))
	return n
}

// The preview routes and times a ticket as the create that follows it
// does, writes nothing (not even a round-robin turn), and says when no
// rule matches, when the fallback rule does, and what the team lacks.
func TestPreviewTellsWhatCreateWillDo(t *testing.T) {
	f := newFixture(t)
	cat := f.categories()
	all := estate.Scope{All: true}
	in := f.intake()
	in.CategoryID = ptr(cat["邻里 › 噪音"])
	preview := func(in ticket.Intake) *ticket.Preview {
		t.Helper()
		p, err := f.svc.Preview(f.ctx, f.alpha, f.as("clerk"), ticket.PreviewIn{EstateID: in.EstateID, Type: in.Type, CategoryID: in.CategoryID, Priority: in.Priority})
		must(t, err)
		return p
	}
	create := func(in ticket.Intake) *ticket.Ticket {
		t.Helper()
		c, err := f.svc.Create(f.ctx, f.alpha, f.as("clerk"), in, "", true)
		must(t, err)
		return c.Ticket
	}

	// No rule: nobody, and the deadlines the ticket then gets.
	p := preview(in)
	if p.Team != nil || p.Fallback {
		t.Fatalf("no rule, preview %+v", p)
	}
	tk := create(in)
	same := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
	if tk.Status != ticket.Received || p.ResolveDue == nil || !same(p.ResponseDue, tk.ResponseDue) || !same(p.ResolveDue, tk.ResolveDue) || p.Clock != tk.Clock {
		t.Fatalf("previewed %v/%v %s, created %s %v/%v %s", p.ResponseDue, p.ResolveDue, p.Clock, tk.Status, tk.ResponseDue, tk.ResolveDue, tk.Clock)
	}
	// A repair counts business hours, an emergency around the clock: other
	// deadlines, as created; praise gets none.
	for _, c := range []struct {
		typ ticket.Type
		pri ticket.Priority
	}{{ticket.Repair, ticket.Normal}, {ticket.Repair, ticket.Emergency}, {ticket.Praise, ticket.Normal}} {
		in.Type, in.Priority = c.typ, c.pri
		p2, tk2 := preview(in), create(in)
		if !same(p2.ResponseDue, tk2.ResponseDue) || !same(p2.ResolveDue, tk2.ResolveDue) || p2.Clock != tk2.Clock {
			t.Errorf("%s %s previewed %v/%v %s, created %v/%v %s", c.typ, c.pri, p2.ResponseDue, p2.ResolveDue, p2.Clock,
				tk2.ResponseDue, tk2.ResolveDue, tk2.Clock)
		}
		if (c.typ == ticket.Praise) != (p2.ResolveDue == nil) {
			t.Errorf("%s %s: resolution deadline %v", c.typ, c.pri, p2.ResolveDue)
		}
	}
	in.Type, in.Priority = ticket.Repair, ticket.Normal

	// A rule of the category's root, round-robin: the preview names the
	// team and takes nobody's turn; the create that follows does.
	_, err := f.svc.AddRule(f.ctx, f.alpha.ID, all, ticket.Rule{EstateID: f.north, CategoryID: ptr(cat["邻里"]), TeamID: f.team, Mode: ticket.RoundRobin})
	must(t, err)
	p = preview(in)
	if p.Team == nil || p.Team.TeamID != f.team || p.Team.Name != "维修" || p.Mode != ticket.RoundRobin || p.Fallback || p.Team.Short() {
		t.Fatalf("rule of the root: %+v %+v", p, p.Team)
	}
	if n := f.turnsTaken(); n != 0 {
		t.Fatalf("the preview stamped %d turns", n)
	}
	if tk := create(in); tk.TeamID == nil || *tk.TeamID != f.team || tk.DispatchMode != ticket.RoundRobin {
		t.Fatalf("created %+v", tk)
	}

	// Another category falls to the estate's fallback rule, whose team has
	// no leader and nobody on duty.
	teams := team.NewService(f.db)
	empty, err := teams.Create(f.ctx, f.alpha.ID, all, f.north, team.Custom, "客服", nil)
	must(t, err)
	_, err = f.svc.AddRule(f.ctx, f.alpha.ID, all, ticket.Rule{EstateID: f.north, TeamID: empty.ID, Mode: ticket.Grab})
	must(t, err)
	in.CategoryID = ptr(cat["收费 › 物业费"])
	p = preview(in)
	if p.Team == nil || p.Team.TeamID != empty.ID || !p.Fallback || !p.Team.NoLeader || !p.Team.NoneOnDuty || p.Team.Archived {
		t.Fatalf("fallback: %+v %+v", p, p.Team)
	}

	// A rule whose team was archived since sends nothing: the preview says
	// so, and the create keeps the ticket for a dispatcher instead of
	// refusing it.
	_, err = teams.Archive(f.ctx, f.alpha.ID, all, f.north, empty.ID)
	must(t, err)
	if p = preview(in); p.Team != nil {
		t.Fatalf("archived team previewed: %+v", p.Team)
	}
	if tk := create(in); tk.Status != ticket.Received || tk.TeamID != nil {
		t.Fatalf("rule to an archived team: %s %v", tk.Status, tk.TeamID)
	}

	// Refusals: bad type or priority, an estate outside the scope or of
	// another company.
	for _, c := range []struct {
		in   ticket.PreviewIn
		want error
	}{
		{ticket.PreviewIn{EstateID: f.north, Type: "nope"}, ticket.ErrInvalidType},
		{ticket.PreviewIn{EstateID: f.north, Type: ticket.Repair, Priority: "nope"}, ticket.ErrInvalidPriority},
		{ticket.PreviewIn{EstateID: f.north, Type: ticket.Repair, CategoryID: ptr(uuid.New())}, ticket.ErrInvalidCategory},
		{ticket.PreviewIn{EstateID: f.south, Type: ticket.Repair}, database.ErrNotFound},
		{ticket.PreviewIn{EstateID: f.bravoEstate(), Type: ticket.Repair}, database.ErrNotFound},
	} {
		if _, err := f.svc.Preview(f.ctx, f.alpha, f.as("clerk"), c.in); !errors.Is(err, c.want) {
			t.Errorf("preview %+v: %v, want %v", c.in, err, c.want)
		}
	}
}

// The rules as the settings and the estate page read them carry what
// their teams lack; the categories no rule covers are listed by their
// highest uncovered ancestor.
func TestRuleStaffingAndCoverage(t *testing.T) {
	f := newFixture(t)
	cat := f.categories()
	all := estate.Scope{All: true}
	teams := team.NewService(f.db)
	_, err := f.svc.AddRule(f.ctx, f.alpha.ID, all, ticket.Rule{EstateID: f.north, CategoryID: ptr(cat["维修"]), TeamID: f.team, Mode: ticket.Direct})
	must(t, err)
	guards, err := teams.Create(f.ctx, f.alpha.ID, all, f.north, team.Security, "安管", nil)
	must(t, err)
	_, err = teams.SetMembers(f.ctx, f.alpha.ID, all, f.north, guards.ID, []uuid.UUID{f.people["w1"]})
	must(t, err)
	_, err = f.svc.AddRule(f.ctx, f.alpha.ID, all, ticket.Rule{EstateID: f.north, CategoryID: ptr(cat["安全"]), TeamID: guards.ID, Mode: ticket.Grab})
	must(t, err)
	_, err = f.svc.AddRule(f.ctx, f.alpha.ID, all, ticket.Rule{EstateID: f.north, CategoryID: ptr(cat["邻里 › 噪音"]), TeamID: guards.ID, Mode: ticket.Grab})
	must(t, err)

	staffing := func() map[uuid.UUID]ticket.Staffing {
		t.Helper()
		rules, err := f.svc.EstateRules(f.ctx, f.alpha.ID, all, f.north)
		must(t, err)
		cfg, err := f.svc.Config(f.ctx, f.alpha.ID)
		must(t, err)
		if len(rules) != 3 || len(cfg.Rules) != 3 {
			t.Fatalf("%d estate rules, %d in the settings", len(rules), len(cfg.Rules))
		}
		out := map[uuid.UUID]ticket.Staffing{}
		for i, r := range rules {
			if r.Team == nil || cfg.Rules[i].Team == nil {
				t.Fatalf("rule %+v without staffing", r)
			}
			out[r.TeamID] = *r.Team
		}
		return out
	}
	st := staffing()
	if s := st[f.team]; s.Short() {
		t.Errorf("the maintenance team lacks nothing: %+v", s)
	}
	if s := st[guards.ID]; !s.NoLeader || s.NoneOnDuty || s.Name != "安管" {
		t.Errorf("guards without a leader: %+v", s)
	}
	// The only guard goes off duty.
	_, err = teams.SetOnDuty(f.ctx, f.alpha.ID, all, f.north, guards.ID, f.people["w1"], false)
	must(t, err)
	if s := staffing()[guards.ID]; !s.NoneOnDuty {
		t.Errorf("nobody on duty: %+v", s)
	}
	if _, err := f.svc.EstateRules(f.ctx, f.alpha.ID, estate.Scope{EstateIDs: []uuid.UUID{f.south}}, f.north); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("rules of an estate outside the scope: %v", err)
	}

	rules, err := f.svc.EstateRules(f.ctx, f.alpha.ID, all, f.north)
	must(t, err)
	tree, err := f.svc.Categories(f.ctx, f.alpha.ID)
	must(t, err)
	var uncovered []string
	for _, c := range tree.Uncovered(rules) {
		uncovered = append(uncovered, c.Path)
	}
	// 邻里 itself is uncovered (and stands for 宠物 and 违规装修), 噪音 is
	// covered.
	want := []string{"保洁", "绿化", "邻里", "收费", "服务", "其他"}
	if !slices.Equal(uncovered, want) {
		t.Errorf("uncovered %v, want %v", uncovered, want)
	}
	_, err = f.svc.AddRule(f.ctx, f.alpha.ID, all, ticket.Rule{EstateID: f.north, TeamID: f.team, Mode: ticket.Direct})
	must(t, err)
	rules, err = f.svc.EstateRules(f.ctx, f.alpha.ID, all, f.north)
	must(t, err)
	if got := tree.Uncovered(rules); len(got) != 0 || !rules[0].Fallback() {
		t.Errorf("with a fallback: uncovered %v, first rule %+v", got, rules[0])
	}
}

// Tickets waiting for a dispatcher — received with no team, returned,
// reopened — make the undispatched queue and its count, in scope.
func TestUndispatchedQueueAndCount(t *testing.T) {
	f := newFixture(t)
	w1 := f.people["w1"]
	received := f.create(f.intake())
	returned := f.create(f.intake())
	_, err := f.svc.Dispatch(f.ctx, f.alpha, f.as("clerk"), returned.ID, ticket.Assignment{TeamID: &f.team, WorkerID: &w1})
	must(t, err)
	_, err = f.svc.Return(f.ctx, f.alpha, f.as("w1"), returned.ID, "不是维修问题")
	must(t, err)
	sent := f.create(f.intake())
	_, err = f.svc.Dispatch(f.ctx, f.alpha, f.as("clerk"), sent.ID, ticket.Assignment{TeamID: &f.team, WorkerID: &w1})
	must(t, err)
	south := f.intake()
	south.EstateID, south.UnitID, south.PersonID, south.CallerName = f.south, nil, nil, "南区来电"
	c, err := f.svc.Create(f.ctx, f.alpha, f.as("boss"), south, "", false)
	must(t, err)
	southTk := c.Ticket

	list := func(a ticket.Actor) []uuid.UUID {
		t.Helper()
		page, err := f.svc.List(f.ctx, f.alpha.ID, a, ticket.Filter{View: ticket.ViewUndispatched, Sort: ticket.Oldest})
		must(t, err)
		var ids []uuid.UUID
		for _, r := range page.Rows {
			ids = append(ids, r.ID)
		}
		return ids
	}
	count := func(a ticket.Actor) (int, int) {
		t.Helper()
		n, err := f.svc.Undispatched(f.ctx, f.alpha.ID, a.Scope)
		must(t, err)
		cs, err := f.svc.Counts(f.ctx, f.alpha.ID, a)
		must(t, err)
		return n, cs.Undispatched
	}
	if got, want := list(f.as("clerk")), []uuid.UUID{received.ID, returned.ID}; !slices.Equal(got, want) {
		t.Errorf("clerk's undispatched %v, want %v", got, want)
	}
	if got, want := list(f.as("boss")), []uuid.UUID{received.ID, returned.ID, southTk.ID}; !slices.Equal(got, want) {
		t.Errorf("manager's undispatched %v, want %v", got, want)
	}
	if n, tab := count(f.as("clerk")); n != 2 || tab != 2 {
		t.Errorf("clerk's count %d, tab %d, want 2", n, tab)
	}
	if n, tab := count(f.as("boss")); n != 3 || tab != 3 {
		t.Errorf("manager's count %d, tab %d, want 3", n, tab)
	}
	if n, _ := count(ticket.Actor{Scope: estate.Scope{}}); n != 0 {
		t.Errorf("no estates, count %d", n)
	}
}
