package ticket_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
	"github.com/estatedesk/estatedesk/internal/demo"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/mail"
	"github.com/estatedesk/estatedesk/internal/team"
	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// clock is a controllable time shared by the service and the job client.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// outbox keeps the mail sent.
type outbox struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (o *outbox) Send(_ context.Context, m mail.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return nil
}

func (o *outbox) to(addr string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, m := range o.sent {
		if m.To == addr {
			n++
		}
	}
	return n
}

// fixture: tenant alpha (Asia/Shanghai) with estates North and South, a
// maintenance team in North (leader "lead", members "w1" and "w2"), a unit
// with its owner, staff by role; tenant bravo with one estate.
type fixture struct {
	t        *testing.T
	ctx      context.Context
	db       *database.DB
	clock    *clock
	mail     *outbox
	jobs     *job.Client
	svc      *ticket.Service
	accounts *account.Service
	alpha    *tenant.Tenant
	bravo    *tenant.Tenant
	north    uuid.UUID
	south    uuid.UUID
	team     uuid.UUID
	unit     uuid.UUID
	owner    uuid.UUID
	people   map[string]uuid.UUID
	dataDir  string
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// monday9 is Monday 2026-11-23 09:00 in Shanghai: the office is open.
var monday9 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), db: dbtest.New(t), clock: &clock{now: monday9.UTC()}, mail: &outbox{},
		people: map[string]uuid.UUID{}, dataDir: t.TempDir()}
	f.accounts = account.NewService(f.db, account.Settings{}, nil, quiet)
	f.alpha = f.tenant("alpha")
	f.bravo = f.tenant("bravo")
	f.north = f.estate(f.alpha, "North")
	f.south = f.estate(f.alpha, "South")
	f.estate(f.bravo, "Bravo Garden")
	f.member("lead", "team_leader", f.north)
	f.member("w1", "worker", f.north)
	f.member("w2", "worker", f.north)
	f.member("clerk", "clerk", f.north)
	f.member("southclerk", "clerk", f.south)
	f.member("head", "office_head", f.north)
	f.member("boss", "manager")
	teams := team.NewService(f.db)
	tm, err := teams.Create(f.ctx, f.alpha.ID, estate.Scope{All: true}, f.north, team.Maintenance, "维修", f.id("lead"))
	must(t, err)
	_, err = teams.SetMembers(f.ctx, f.alpha.ID, estate.Scope{All: true}, f.north, tm.ID, []uuid.UUID{f.people["w1"], f.people["w2"]})
	must(t, err)
	f.team = tm.ID
	est := estate.NewService(f.db, tenant.DefaultPlanLimits(), 0)
	b, err := est.CreateBuilding(f.ctx, f.alpha.ID, estate.Scope{All: true}, f.north, estate.BuildingInput{Name: "3", Floors: 18})
	must(t, err)
	_, err = est.AddUnits(f.ctx, f.alpha, estate.Scope{All: true}, b.ID, estate.UnitRange{Entrances: []string{"2"}, FromFloor: 15, ToFloor: 15, PerFloor: 2})
	must(t, err)
	_, floors, err := est.Grid(f.ctx, f.alpha.ID, estate.Scope{All: true}, b.ID)
	must(t, err)
	f.unit = floors[0].Units[0].ID
	p, err := est.AddPerson(f.ctx, f.alpha.ID, estate.Scope{All: true}, f.unit, estate.PersonInput{Name: "王芳", Phones: []string{"13800001502"}},
		estate.LinkInput{Relation: estate.OwnerRel, PrimaryContact: true})
	must(t, err)
	f.owner = p.ID
	f.start()
	return f
}

// start builds the job client and service, as a (re)started process does.
func (f *fixture) start() {
	var err error
	f.jobs, err = job.New(f.db, job.Options{Now: f.clock.Now, Logger: quiet})
	must(f.t, err)
	f.svc, err = ticket.NewService(f.db, f.jobs, ticket.Options{Now: f.clock.Now, DataDir: f.dataDir, Mail: f.mail,
		Translate: func(_, id string, data map[string]any) string { return id }})
	must(f.t, err)
}

func (f *fixture) tenant(slug string) *tenant.Tenant {
	tn, err := tenant.New(slug, strings.ToUpper(slug), "growth", "Asia/Shanghai", tenant.Active)
	must(f.t, err)
	must(f.t, f.db.InPlatform(f.ctx, func(ctx context.Context, tx bun.Tx) error { return tenant.Insert(ctx, tx, tn) }))
	return tn
}

func (f *fixture) estate(tn *tenant.Tenant, name string) uuid.UUID {
	e := &estate.Estate{TenantID: tn.ID, Name: name}
	must(f.t, f.db.InTenant(f.ctx, tn.ID, func(ctx context.Context, tx bun.Tx) error { return estate.Insert(ctx, tx, e) }))
	return e.ID
}

func (f *fixture) member(name, role string, estates ...uuid.UUID) {
	u, err := f.accounts.EnsureUser(f.ctx, name+"@alpha.example.com", "Name "+name, func() (string, error) { return "x", nil }, false)
	must(f.t, err)
	must(f.t, f.accounts.AddMember(f.ctx, f.alpha.ID, u.ID, account.Access{Roles: []string{role}, EstateIDs: estates}))
	f.people[name] = u.ID
}

func (f *fixture) id(name string) *uuid.UUID {
	id := f.people[name]
	return &id
}

// as is the actor of a staff member; clerks and managers dispatch.
func (f *fixture) as(name string) ticket.Actor {
	a := ticket.Actor{UserID: f.people[name], Scope: estate.Scope{EstateIDs: []uuid.UUID{f.north}}}
	switch name {
	case "clerk", "head":
		a.Dispatcher, a.Sensitive = true, true
	case "southclerk":
		a.Dispatcher, a.Sensitive, a.Scope = true, true, estate.Scope{EstateIDs: []uuid.UUID{f.south}}
	case "boss":
		a.Dispatcher, a.Sensitive, a.Scope = true, true, estate.Scope{All: true}
	case "w1", "w2":
		a.TeamOnly = true
	}
	return a
}

func (f *fixture) intake() ticket.Intake {
	return ticket.Intake{EstateID: f.north, UnitID: &f.unit, PersonID: &f.owner, Channel: ticket.Phone, Type: ticket.Repair,
		Priority: ticket.Normal, Description: "厨房水管漏水，楼下天花板渗水"}
}

func (f *fixture) create(in ticket.Intake) *ticket.Ticket {
	f.t.Helper()
	c, err := f.svc.Create(f.ctx, f.alpha, f.as("clerk"), in, "", false)
	must(f.t, err)
	return c.Ticket
}

func (f *fixture) get(id uuid.UUID) *ticket.Detail {
	f.t.Helper()
	d, err := f.svc.Get(f.ctx, f.alpha.ID, f.as("boss"), id)
	must(f.t, err)
	return d
}

// run fires the deadline timers and works every job that is due at the
// clock's time, as the periodic sweep and the job workers do.
func (f *fixture) run() {
	f.t.Helper()
	_, err := f.svc.FireDue(f.ctx)
	must(f.t, err)
	must(f.t, f.jobs.RunPending(f.ctx))
}

func kinds(d *ticket.Detail) map[string]int {
	out := map[string]int{}
	for _, e := range d.Timeline {
		out[e.Kind]++
	}
	return out
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestLifecycleFromIntakeToDissatisfiedCallback(t *testing.T) {
	f := newFixture(t)
	tk := f.create(f.intake())
	if !regexp.MustCompile(`^GD202611230001$`).MatchString(tk.Number) {
		t.Fatalf("number %q", tk.Number)
	}
	if tk.Status != ticket.Received || tk.CallerName != "王芳" || tk.ReceivedBy != f.people["clerk"] {
		t.Fatalf("created %+v", tk)
	}
	// Normal priority: 24 open hours to resolve. The office is open 7.5 h a
	// day (08:30–12:00, 13:30–17:30): Monday from 9:00 gives 7 h, Tuesday
	// and Wednesday 7.5 h each, so the deadline is Thursday 10:30.
	if got := tk.ResolveDue; !got.Equal(time.Date(2026, 11, 26, 10, 30, 0, 0, monday9.Location())) {
		t.Fatalf("resolve due %v", got)
	}
	// Not yet their team's: a worker does not see it.
	if _, err := f.svc.Accept(f.ctx, f.alpha, f.as("w1"), tk.ID, ""); !errors.Is(err, database.ErrNotFound) {
		t.Fatalf("accepting a received ticket: %v", err)
	}
	if _, err := f.svc.Accept(f.ctx, f.alpha, f.as("clerk"), tk.ID, ""); !errors.Is(err, ticket.ErrIllegalMove) {
		t.Fatalf("accepting a received ticket: %v", err)
	}
	w1 := f.people["w1"]
	_, err := f.svc.Dispatch(f.ctx, f.alpha, f.as("clerk"), tk.ID, ticket.Assignment{TeamID: &f.team, WorkerID: &w1})
	must(t, err)
	if _, err := f.svc.Accept(f.ctx, f.alpha, f.as("w2"), tk.ID, ""); !errors.Is(err, ticket.ErrNotAssignee) {
		t.Fatalf("another worker accepting: %v", err)
	}
	for _, step := range []func() (*ticket.Ticket, error){
		func() (*ticket.Ticket, error) { return f.svc.Accept(f.ctx, f.alpha, f.as("w1"), tk.ID, "") },
		func() (*ticket.Ticket, error) { return f.svc.Start(f.ctx, f.alpha, f.as("w1"), tk.ID, "") },
		func() (*ticket.Ticket, error) { return f.svc.Hold(f.ctx, f.alpha, f.as("w1"), tk.ID, "等配件") },
	} {
		_, err := step()
		must(t, err)
		f.clock.advance(time.Hour)
	}
	before := f.get(tk.ID).Ticket.ResolveDue
	_, err = f.svc.Resume(f.ctx, f.alpha, f.as("w1"), tk.ID, "")
	must(t, err)
	after := f.get(tk.ID).Ticket.ResolveDue
	if got := after.Sub(*before); got != time.Hour {
		t.Fatalf("an hour's hold in office hours moved the deadline by %v", got)
	}
	got, err := f.svc.Complete(f.ctx, f.alpha, f.as("w1"), tk.ID, "换了三通")
	must(t, err)
	if got.CallbackState != ticket.CallbackDue || got.CompletedAt == nil {
		t.Fatalf("completed: %+v", got)
	}
	got, err = f.svc.RecordCallback(f.ctx, f.alpha, f.as("clerk"), tk.ID, ticket.Outcome{Reached: true, Overall: 2, Speed: 3, Attitude: 4, Comment: "还在漏"})
	must(t, err)
	if got.Status != ticket.Reopened || got.ReopenCount != 1 || got.Satisfaction != 2 || got.TeamID != nil {
		t.Fatalf("after a dissatisfied call-back: %+v", got)
	}
	d := f.get(tk.ID)
	k := kinds(d)
	for _, want := range []string{"created", "dispatch", "accept", "start", "hold", "resume", "complete", "follow_up", "reopen"} {
		if k[want] != 1 {
			t.Errorf("timeline %v lacks %s", k, want)
		}
	}
	if len(d.Callbacks) != 1 || d.Callbacks[0].Overall != 2 {
		t.Fatalf("callbacks %+v", d.Callbacks)
	}
	notes, unread, err := f.svc.Notifications(f.ctx, f.alpha.ID, f.people["head"], 10)
	must(t, err)
	if unread != 1 || notes[0].Kind != ticket.NoteReopened {
		t.Fatalf("office head notified: %d %+v", unread, notes)
	}
	// The reopened ticket goes round again.
	_, err = f.svc.Dispatch(f.ctx, f.alpha, f.as("clerk"), tk.ID, ticket.Assignment{TeamID: &f.team, WorkerID: &w1})
	must(t, err)
}

func TestIdempotentCreate(t *testing.T) {
	f := newFixture(t)
	in := f.intake()
	in.Channel = ticket.API
	first, err := f.svc.Create(f.ctx, f.alpha, f.as("clerk"), in, "key-1", false)
	must(t, err)
	again, err := f.svc.Create(f.ctx, f.alpha, f.as("clerk"), in, "key-1", false)
	must(t, err)
	if !again.Replayed || again.Ticket.ID != first.Ticket.ID {
		t.Fatalf("retry made another ticket: %+v", again)
	}
	in.Description = "another request"
	if _, err := f.svc.Create(f.ctx, f.alpha, f.as("clerk"), in, "key-1", false); !errors.Is(err, ticket.ErrIdempotencyMismatch) {
		t.Fatalf("key reused for another request: %v", err)
	}
	// Clients retrying at once: one ticket.
	var wg sync.WaitGroup
	ids := make([]uuid.UUID, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := f.svc.Create(f.ctx, f.alpha, f.as("clerk"), f.intake(), "key-2", false)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = c.Ticket.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent retries made several tickets: %v", ids)
		}
	}
	page, err := f.svc.List(f.ctx, f.alpha.ID, f.as("boss"), ticket.Filter{})
	must(t, err)
	if len(page.Rows) != 2 {
		t.Fatalf("%d tickets, want 2", len(page.Rows))
	}
}

func TestNumbersIncreaseAndSurviveRestart(t *testing.T) {
	f := newFixture(t)
	// Consecutive across a restart, and a create that fails takes none.
	bad := f.intake()
	stranger := uuid.New()
	bad.UnitID = &stranger
	for i := range 7 {
		if i == 3 {
			f.start()
		}
		if _, err := f.svc.Create(f.ctx, f.alpha, f.as("clerk"), bad, "", false); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("unknown unit: %v", err)
		}
		tk := f.create(f.intake())
		if want := fmt.Sprintf("GD2026112300%02d", i+1); tk.Number != want {
			t.Fatalf("number %s, want %s", tk.Number, want)
		}
	}
	// Bravo counts on its own.
	c, err := f.svc.Create(f.ctx, f.bravo, ticket.Actor{UserID: uuid.New(), Scope: estate.Scope{All: true}},
		ticket.Intake{EstateID: f.bravoEstate(), Channel: ticket.Phone, Type: ticket.Inquiry, Description: "x", CallerPhone: "13900000000"}, "", false)
	must(t, err)
	if c.Ticket.Number != "GD202611230001" {
		t.Fatalf("bravo's first number %s", c.Ticket.Number)
	}
}

func (f *fixture) bravoEstate() uuid.UUID {
	var id uuid.UUID
	must(f.t, f.db.ReadTenant(f.ctx, f.bravo.ID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Table("estates").Column("id").Where("tenant_id = ?", f.bravo.ID).Scan(ctx, &id)
	}))
	return id
}

func TestDispatchModes(t *testing.T) {
	f := newFixture(t)
	tree, err := f.svc.Categories(f.ctx, f.alpha.ID)
	must(t, err)
	var repair, leak uuid.UUID
	for _, c := range tree {
		switch c.Path {
		case "维修":
			repair = c.ID
		case "维修 › 漏水":
			leak = c.ID
		}
	}
	// A rule on 维修 covers 漏水; round-robin alternates the workers.
	_, err = f.svc.AddRule(f.ctx, f.alpha.ID, estate.Scope{All: true}, ticket.Rule{EstateID: f.north, CategoryID: &repair, TeamID: f.team, Mode: ticket.RoundRobin})
	must(t, err)
	in := f.intake()
	in.CategoryID = &leak
	var got []uuid.UUID
	for range 4 {
		c, err := f.svc.Create(f.ctx, f.alpha, f.as("clerk"), in, "", true)
		must(t, err)
		if c.Ticket.Status != ticket.Dispatched || c.Ticket.TeamID == nil || *c.Ticket.TeamID != f.team || c.Ticket.AssigneeID == nil {
			t.Fatalf("auto-dispatch: %+v", c.Ticket)
		}
		got = append(got, *c.Ticket.AssigneeID)
		f.clock.advance(time.Second)
	}
	if got[0] == got[1] || got[0] != got[2] || got[1] != got[3] {
		t.Fatalf("round robin gave %v", got)
	}
	// Grab: the pool ticket goes to the first claimant.
	_, err = f.svc.AddRule(f.ctx, f.alpha.ID, estate.Scope{All: true}, ticket.Rule{EstateID: f.north, CategoryID: &repair, TeamID: f.team, Mode: ticket.Grab})
	must(t, err)
	c, err := f.svc.Create(f.ctx, f.alpha, f.as("clerk"), in, "", true)
	must(t, err)
	if c.Ticket.AssigneeID != nil || c.Ticket.DispatchMode != ticket.Grab {
		t.Fatalf("grab ticket assigned: %+v", c.Ticket)
	}
	pool, err := f.svc.List(f.ctx, f.alpha.ID, f.as("w2"), ticket.Filter{View: ticket.ViewTeam})
	must(t, err)
	if len(pool.Rows) != 5 {
		t.Fatalf("team queue has %d", len(pool.Rows))
	}
	claimed, err := f.svc.Claim(f.ctx, f.alpha, f.as("w2"), c.Ticket.ID)
	must(t, err)
	if claimed.Status != ticket.Accepted || *claimed.AssigneeID != f.people["w2"] || claimed.RespondedAt == nil {
		t.Fatalf("claimed: %+v", claimed)
	}
	if _, err := f.svc.Claim(f.ctx, f.alpha, f.as("w1"), c.Ticket.ID); !errors.Is(err, ticket.ErrIllegalMove) {
		t.Fatalf("second claim: %v", err)
	}
	// A ticket without a matching rule stays received.
	in.CategoryID = nil
	c, err = f.svc.Create(f.ctx, f.alpha, f.as("clerk"), in, "", true)
	must(t, err)
	if c.Ticket.Status != ticket.Received {
		t.Fatalf("no rule: %s", c.Ticket.Status)
	}
	// Transfer needs a reason; return hands it back to the center.
	w1 := f.people["w1"]
	_, err = f.svc.Dispatch(f.ctx, f.alpha, f.as("clerk"), c.Ticket.ID, ticket.Assignment{TeamID: &f.team, WorkerID: &w1})
	must(t, err)
	if _, err := f.svc.Transfer(f.ctx, f.alpha, f.as("clerk"), c.Ticket.ID, ticket.Assignment{TeamID: &f.team}); !errors.Is(err, ticket.ErrInvalidReason) {
		t.Fatalf("transfer without reason: %v", err)
	}
	back, err := f.svc.Return(f.ctx, f.alpha, f.as("w1"), c.Ticket.ID, "不是维修问题")
	must(t, err)
	if back.Status != ticket.Received || back.TeamID != nil {
		t.Fatalf("returned: %+v", back)
	}
	// A worker outside the team cannot be assigned.
	southworker := uuid.New()
	if _, err := f.svc.Dispatch(f.ctx, f.alpha, f.as("clerk"), c.Ticket.ID, ticket.Assignment{TeamID: &f.team, WorkerID: &southworker}); !errors.Is(err, ticket.ErrNotTeamMember) {
		t.Fatalf("outsider: %v", err)
	}
}

func TestDeadlinesWarnBreachAndEscalateOnceAcrossRestart(t *testing.T) {
	f := newFixture(t)
	tk := f.create(f.intake())
	w1 := f.people["w1"]
	_, err := f.svc.Dispatch(f.ctx, f.alpha, f.as("clerk"), tk.ID, ticket.Assignment{TeamID: &f.team, WorkerID: &w1})
	must(t, err)

	// 40 minutes on, nobody accepted: the response deadline (30 open
	// minutes) is breached.
	f.clock.advance(40 * time.Minute)
	f.run()
	d := f.get(tk.ID)
	if d.Ticket.ResponseBreachedAt == nil || kinds(d)[ticket.KindResponseBreach] != 1 {
		t.Fatalf("response breach: %+v", kinds(d))
	}
	// The process restarts before the warning (80% of 24 open hours =
	// 19.2 h: Wednesday 14:42).
	f.start()
	f.clock.now = time.Date(2026, 11, 25, 16, 0, 0, 0, monday9.Location()).UTC()
	f.run()
	d = f.get(tk.ID)
	if d.Ticket.WarnedAt == nil || kinds(d)[ticket.KindWarning] != 1 || kinds(d)[ticket.KindEscalated] != 1 {
		t.Fatalf("warning: %+v", kinds(d))
	}
	if f.mail.to("lead@alpha.example.com") != 1 {
		t.Fatalf("team leader mailed %d times", f.mail.to("lead@alpha.example.com"))
	}
	// Thursday 10:30 passes: breached, the office head is told; 4 hours
	// later the manager.
	f.clock.now = time.Date(2026, 11, 26, 12, 30, 0, 0, monday9.Location()).UTC()
	f.run()
	f.start()
	f.run()
	d = f.get(tk.ID)
	if d.Ticket.ResolveBreachedAt == nil || kinds(d)[ticket.KindResolveBreach] != 1 || kinds(d)[ticket.KindEscalated] != 2 {
		t.Fatalf("breach: %+v", kinds(d))
	}
	if f.mail.to("head@alpha.example.com") != 1 || f.mail.to("boss@alpha.example.com") != 0 {
		t.Fatalf("office head %d, manager %d", f.mail.to("head@alpha.example.com"), f.mail.to("boss@alpha.example.com"))
	}
	f.clock.advance(4 * time.Hour)
	f.run()
	f.run()
	d = f.get(tk.ID)
	if kinds(d)[ticket.KindEscalated] != 3 || f.mail.to("boss@alpha.example.com") != 1 {
		t.Fatalf("manager level: %+v, mails %d", kinds(d), f.mail.to("boss@alpha.example.com"))
	}
	overdue, err := f.svc.List(f.ctx, f.alpha.ID, f.as("clerk"), ticket.Filter{View: ticket.ViewOverdue})
	must(t, err)
	if len(overdue.Rows) != 1 || !overdue.Rows[0].Breached {
		t.Fatalf("overdue queue: %+v", overdue.Rows)
	}
}

func TestHoldPausesTimers(t *testing.T) {
	f := newFixture(t)
	tk := f.create(f.intake())
	w1 := f.people["w1"]
	_, err := f.svc.Dispatch(f.ctx, f.alpha, f.as("clerk"), tk.ID, ticket.Assignment{TeamID: &f.team, WorkerID: &w1})
	must(t, err)
	_, err = f.svc.Accept(f.ctx, f.alpha, f.as("w1"), tk.ID, "")
	must(t, err)
	_, err = f.svc.Hold(f.ctx, f.alpha, f.as("w1"), tk.ID, "业主出差")
	must(t, err)
	// A week on hold: no warning, no breach.
	f.clock.advance(7 * 24 * time.Hour)
	f.run()
	d := f.get(tk.ID)
	if d.Ticket.WarnedAt != nil || d.Ticket.ResolveBreachedAt != nil {
		t.Fatalf("timers fired on hold: %+v", kinds(d))
	}
	_, err = f.svc.Resume(f.ctx, f.alpha, f.as("w1"), tk.ID, "")
	must(t, err)
	d = f.get(tk.ID)
	if !d.Ticket.ResolveDue.After(f.clock.Now()) {
		t.Fatalf("deadline %v not moved past now %v", d.Ticket.ResolveDue, f.clock.Now())
	}
}

func TestMajorComplaintNotifiesQualityDepartment(t *testing.T) {
	f := newFixture(t)
	must(t, f.svc.SetLadder(f.ctx, f.alpha.ID, []ticket.Level{
		{Trigger: ticket.OnMajor, NotifyEmails: "quality@alpha.example.com, qa2@alpha.example.com"},
		{Trigger: ticket.OnMajor, AfterMinutes: 60, NotifyRole: "manager"},
	}))
	in := f.intake()
	in.Type, in.Major = ticket.Complaint, true
	tk := f.create(in)
	f.run()
	if f.mail.to("quality@alpha.example.com") != 1 || f.mail.to("qa2@alpha.example.com") != 1 {
		t.Fatal("quality department not mailed")
	}
	f.start()
	f.clock.advance(61 * time.Minute)
	f.run()
	if f.mail.to("boss@alpha.example.com") != 1 || kinds(f.get(tk.ID))[ticket.KindEscalated] != 2 {
		t.Fatalf("manager after an hour: %d", f.mail.to("boss@alpha.example.com"))
	}
}

func TestCallbackRetriesAcrossRestartThenGivesUp(t *testing.T) {
	f := newFixture(t)
	// Hourly retries from Monday 09:00 stay in the morning's open hours.
	must(t, f.svc.SetSettings(f.ctx, f.alpha.ID, ticket.Settings{CallbackTypes: "complaint,repair", CallbackMaxAttempts: 3,
		CallbackRetryMinutes: 60, FollowupDays: 3, WarnPercent: 80}))
	tk := f.create(f.intake())
	w1 := f.people["w1"]
	_, err := f.svc.Dispatch(f.ctx, f.alpha, f.as("clerk"), tk.ID, ticket.Assignment{TeamID: &f.team, WorkerID: &w1})
	must(t, err)
	_, err = f.svc.Accept(f.ctx, f.alpha, f.as("w1"), tk.ID, "")
	must(t, err)
	_, err = f.svc.Start(f.ctx, f.alpha, f.as("w1"), tk.ID, "")
	must(t, err)
	_, err = f.svc.Complete(f.ctx, f.alpha, f.as("w1"), tk.ID, "")
	must(t, err)
	due := func() int {
		p, err := f.svc.List(f.ctx, f.alpha.ID, f.as("clerk"), ticket.Filter{View: ticket.ViewCallback})
		must(t, err)
		return len(p.Rows)
	}
	if due() != 1 {
		t.Fatal("completed repair not in the call-back queue")
	}
	for attempt := 1; attempt <= 2; attempt++ {
		got, err := f.svc.RecordCallback(f.ctx, f.alpha, f.as("clerk"), tk.ID, ticket.Outcome{Reached: false})
		must(t, err)
		if got.CallbackState != ticket.CallbackRetry || due() != 0 {
			t.Fatalf("attempt %d: %s, %d due", attempt, got.CallbackState, due())
		}
		f.clock.advance(30 * time.Minute)
		f.run()
		if due() != 0 {
			t.Fatal("retry came back early")
		}
		f.start() // the process restarts while the retry waits
		f.clock.advance(31 * time.Minute)
		f.run()
		if due() != 1 || kinds(f.get(tk.ID))[ticket.KindCallbackRetry] != attempt {
			t.Fatalf("attempt %d: retry not back in the queue", attempt)
		}
	}
	got, err := f.svc.RecordCallback(f.ctx, f.alpha, f.as("clerk"), tk.ID, ticket.Outcome{Reached: false})
	must(t, err)
	if got.CallbackState != ticket.CallbackUnreachable || got.CallbackAttempts != 3 {
		t.Fatalf("after the last attempt: %+v", got)
	}
	// Three days after completion without a call-back: not followed up.
	f.clock.advance(3 * 24 * time.Hour)
	f.run()
	if d := f.get(tk.ID); !d.Ticket.FollowupMissed || len(d.Callbacks) != 3 {
		t.Fatalf("follow-up check: missed=%v, %d callbacks", d.Ticket.FollowupMissed, len(d.Callbacks))
	}
}

func TestScopeAndTenantIsolation(t *testing.T) {
	f := newFixture(t)
	tk := f.create(f.intake())
	if _, err := f.svc.Get(f.ctx, f.alpha.ID, f.as("southclerk"), tk.ID); !errors.Is(err, database.ErrNotFound) {
		t.Fatalf("south clerk reads a north ticket: %v", err)
	}
	if _, err := f.svc.Cancel(f.ctx, f.alpha, f.as("southclerk"), tk.ID, "x"); !errors.Is(err, database.ErrNotFound) {
		t.Fatalf("south clerk cancels a north ticket: %v", err)
	}
	if _, err := f.svc.Get(f.ctx, f.bravo.ID, f.as("boss"), tk.ID); !errors.Is(err, database.ErrNotFound) {
		t.Fatalf("bravo reads alpha's ticket: %v", err)
	}
	in := f.intake()
	in.EstateID = f.south
	if _, err := f.svc.Create(f.ctx, f.alpha, f.as("clerk"), in, "", false); !errors.Is(err, database.ErrNotFound) {
		t.Fatalf("north clerk files into south: %v", err)
	}
	in.EstateID = f.south
	if _, err := f.svc.Create(f.ctx, f.alpha, f.as("boss"), in, "", false); !errors.Is(err, ticket.ErrUnitNotInEstate) {
		t.Fatalf("a north unit on a south ticket: %v", err)
	}
	p, err := f.svc.List(f.ctx, f.alpha.ID, f.as("southclerk"), ticket.Filter{})
	must(t, err)
	if len(p.Rows) != 0 {
		t.Fatal("south clerk lists north tickets")
	}
}

func TestQueueFiltersSearchAndKeysetPages(t *testing.T) {
	f := newFixture(t)
	var numbers []string
	for i := range 23 {
		in := f.intake()
		if i%3 == 0 {
			in.Type, in.Description = ticket.Complaint, "楼上噪音扰民"
		}
		if i%5 == 0 {
			in.UnitID, in.PersonID, in.CallerName, in.CallerPhone = nil, nil, "路人", "13912345678"
		}
		numbers = append(numbers, f.create(in).Number)
		if i%4 != 3 { // several tickets share a timestamp
			f.clock.advance(time.Minute)
		}
	}
	boss := f.as("boss")
	seen := map[string]int{}
	cursor := ""
	pages := 0
	for {
		p, err := f.svc.List(f.ctx, f.alpha.ID, boss, ticket.Filter{Limit: 5, Cursor: cursor})
		must(t, err)
		pages++
		for _, r := range p.Rows {
			seen[r.Number]++
		}
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	if len(seen) != 23 || pages != 5 {
		t.Fatalf("keyset walk saw %d tickets in %d pages", len(seen), pages)
	}
	for n, c := range seen {
		if c != 1 {
			t.Fatalf("%s seen %d times", n, c)
		}
	}
	count := func(fl ticket.Filter) int {
		fl.Limit = 500
		p, err := f.svc.List(f.ctx, f.alpha.ID, boss, fl)
		must(t, err)
		return len(p.Rows)
	}
	for name, c := range map[string]struct {
		f    ticket.Filter
		want int
	}{
		"type":         {ticket.Filter{Type: ticket.Complaint}, 8},
		"number":       {ticket.Filter{Query: numbers[4]}, 1},
		"text":         {ticket.Filter{Query: "噪音"}, 8},
		"owner phone":  {ticket.Filter{Query: "13800001502"}, 18},
		"last four":    {ticket.Filter{Query: "5678"}, 5},
		"owner name":   {ticket.Filter{Query: "王"}, 18},
		"unit":         {ticket.Filter{UnitID: &f.unit}, 18},
		"estate south": {ticket.Filter{EstateID: &f.south}, 0},
		"status":       {ticket.Filter{Statuses: []ticket.State{ticket.Received}}, 23},
		"dates":        {ticket.Filter{From: monday9.Add(5 * time.Minute), To: monday9.Add(10 * time.Minute)}, 7},
		"due sort":     {ticket.Filter{Sort: ticket.DueSoonest}, 23},
	} {
		if got := count(c.f); got != c.want {
			t.Errorf("%s: %d, want %d", name, got, c.want)
		}
	}
	if _, err := f.svc.List(f.ctx, f.alpha.ID, boss, ticket.Filter{Cursor: "garbage"}); !errors.Is(err, ticket.ErrInvalidCursor) {
		t.Fatalf("bad cursor: %v", err)
	}
}

func TestAttachmentsCheckTypeAndSize(t *testing.T) {
	f := newFixture(t)
	tk := f.create(f.intake())
	png := "\x89PNG\r\n\x1a\n" + strings.Repeat("\x00", 100)
	ats, err := f.svc.Attach(f.ctx, f.alpha, f.as("clerk"), tk.ID, []ticket.Upload{{Filename: `C:\photos\漏水.png`, Body: strings.NewReader(png), Note: "现场"}})
	must(t, err)
	if len(ats) != 1 || ats[0].ContentType != "image/png" || ats[0].Filename != "漏水.png" || ats[0].Size != int64(len(png)) {
		t.Fatalf("attached %+v", ats)
	}
	at, file, err := f.svc.OpenAttachment(f.ctx, f.alpha.ID, f.as("clerk"), ats[0].ID)
	must(t, err)
	b, _ := io.ReadAll(file)
	file.Close()
	if string(b) != png || at.TicketID != tk.ID {
		t.Fatal("stored bytes differ")
	}
	if _, _, err := f.svc.OpenAttachment(f.ctx, f.alpha.ID, f.as("southclerk"), ats[0].ID); !errors.Is(err, database.ErrNotFound) {
		t.Fatalf("south clerk opens: %v", err)
	}
	if _, err := f.svc.Attach(f.ctx, f.alpha, f.as("clerk"), tk.ID, []ticket.Upload{{Filename: "x.exe", Body: strings.NewReader("MZ\x90\x00\x03binary\x00\x01")}}); !errors.Is(err, ticket.ErrAttachmentType) {
		t.Fatalf("exe: %v", err)
	}
	big := "\xff\xd8\xff\xe0" + strings.Repeat("a", 11<<20)
	if _, err := f.svc.Attach(f.ctx, f.alpha, f.as("clerk"), tk.ID, []ticket.Upload{{Filename: "big.jpg", Body: strings.NewReader(big)}}); !errors.Is(err, ticket.ErrAttachmentSize) {
		t.Fatalf("11 MiB: %v", err)
	}
	if d := f.get(tk.ID); len(d.Attachments) != 1 || kinds(d)[ticket.KindAttachment] != 1 {
		t.Fatalf("after refusals: %d attachments", len(d.Attachments))
	}
}

func TestRoundRobinSkipsMembersOffDuty(t *testing.T) {
	f := newFixture(t)
	_, err := f.svc.AddRule(f.ctx, f.alpha.ID, estate.Scope{All: true}, ticket.Rule{EstateID: f.north, TeamID: f.team, Mode: ticket.RoundRobin})
	must(t, err)
	teams := team.NewService(f.db)
	_, err = teams.SetOnDuty(f.ctx, f.alpha.ID, estate.Scope{All: true}, f.north, f.team, f.people["w2"], false)
	must(t, err)
	for range 3 {
		c, err := f.svc.Create(f.ctx, f.alpha, f.as("clerk"), f.intake(), "", true)
		must(t, err)
		if *c.Ticket.AssigneeID != f.people["w1"] {
			t.Fatal("a member off duty was given a ticket")
		}
	}
	// Changing the members keeps who is off duty.
	tm, err := teams.SetMembers(f.ctx, f.alpha.ID, estate.Scope{All: true}, f.north, f.team, []uuid.UUID{f.people["w1"], f.people["w2"]})
	must(t, err)
	for _, m := range tm.Members {
		if m.OnDuty != (m.UserID == f.people["w1"]) {
			t.Fatalf("duty after a member change: %+v", tm.Members)
		}
	}
}

func TestScheduleOpenSetsTimersOfHistoryOnce(t *testing.T) {
	f := newFixture(t)
	n, err := demo.TicketHistory(f.ctx, f.db, f.alpha.ID, demo.TicketOptions{Now: f.clock.Now(), Months: 2, Count: 150, Seed: 7, Location: f.alpha.Location()})
	must(t, err)
	if n != 150 {
		t.Fatalf("generated %d", n)
	}
	open, err := f.svc.ScheduleOpen(f.ctx, f.alpha)
	must(t, err)
	if open == 0 {
		t.Fatal("no open tickets in the history")
	}
	if _, err := f.svc.ScheduleOpen(f.ctx, f.alpha); err != nil { // twice is harmless
		t.Fatal(err)
	}
	f.clock.advance(10 * 24 * time.Hour)
	f.run()
	p, err := f.svc.List(f.ctx, f.alpha.ID, f.as("boss"), ticket.Filter{Limit: 500})
	must(t, err)
	breached := 0
	for _, r := range p.Rows {
		d := f.get(r.ID)
		k := kinds(d)
		if k[ticket.KindResolveBreach] > 1 || k[ticket.KindResponseBreach] > 1 || k[ticket.KindWarning] > 1 {
			t.Fatalf("%s: a timer fired twice: %v", r.Number, k)
		}
		if d.Ticket.Status.Open() && d.Ticket.CompletedAt == nil && d.Ticket.HoldSince == nil && d.Ticket.ResolveBreachedAt == nil {
			t.Fatalf("%s: open for 10 more days and not breached", r.Number)
		}
		if d.Ticket.ResolveBreachedAt != nil {
			breached++
		}
	}
	if breached == 0 {
		t.Fatal("no breaches")
	}
}

func TestPersonMustBelongToTheEstate(t *testing.T) {
	f := newFixture(t)
	in := f.intake()
	in.EstateID, in.UnitID = f.south, nil
	// The owner lives in North: a South ticket cannot name them.
	if _, err := f.svc.Create(f.ctx, f.alpha, f.as("boss"), in, "", false); !errors.Is(err, database.ErrNotFound) {
		t.Fatalf("a North owner on a South ticket: %v", err)
	}
}

func TestCachedConfigurationSeesNewEstates(t *testing.T) {
	f := newFixture(t)
	jobs, err := job.New(f.db, job.Options{Now: f.clock.Now, Logger: quiet})
	must(t, err)
	svc, err := ticket.NewService(f.db, jobs, ticket.Options{Now: f.clock.Now, DataDir: f.dataDir, Mail: f.mail, CacheTTL: time.Minute})
	must(t, err)
	_, err = svc.Create(f.ctx, f.alpha, f.as("boss"), f.intake(), "", false)
	must(t, err)
	east := f.estate(f.alpha, "East")
	in := ticket.Intake{EstateID: east, Channel: ticket.Phone, Type: ticket.Inquiry, Description: "新楼盘咨询", CallerPhone: "13900000001"}
	if _, err := svc.Create(f.ctx, f.alpha, f.as("boss"), in, "", false); err != nil {
		t.Fatalf("an estate newer than the cache: %v", err)
	}
}

// A ticket waits on one timer at a time: each sets the next, so a create
// inserts one job, not one per deadline.
// A ticket's deadline timer is a column, not a job: it points at the
// earliest pending deadline, moves on as each fires, and stops with the
// ticket.
func TestTimerFollowsTheDeadlines(t *testing.T) {
	f := newFixture(t)
	tk := f.create(f.intake())
	jobs := func() int {
		var n int
		must(t, f.db.Bun.NewSelect().Table("river_job").ColumnExpr("COUNT(*)").
			Where("kind = 'ticket_timer'").Scan(f.ctx, &n))
		return n
	}
	if jobs() != 0 || tk.TimerAt == nil || !tk.TimerAt.Equal(*tk.ResponseDue) {
		t.Fatalf("after a create: %d timer jobs, timer at %v, response due %v", jobs(), tk.TimerAt, tk.ResponseDue)
	}
	f.clock.advance(40 * time.Minute) // the response deadline passes
	f.run()
	d := f.get(tk.ID)
	if d.Ticket.ResponseBreachedAt == nil || d.Ticket.TimerAt == nil || !d.Ticket.TimerAt.Equal(*d.Ticket.WarnDue) {
		t.Fatalf("after the response deadline: breached %v, timer %v, warning due %v", d.Ticket.ResponseBreachedAt, d.Ticket.TimerAt, d.Ticket.WarnDue)
	}
	// A second sweep at the same time finds nothing to do.
	n, err := f.svc.FireDue(f.ctx)
	must(t, err)
	if n != 0 {
		t.Fatalf("a second sweep fired %d", n)
	}
	_, err = f.svc.Cancel(f.ctx, f.alpha, f.as("clerk"), tk.ID, "重复")
	must(t, err)
	f.clock.advance(10 * 24 * time.Hour)
	f.run()
	d = f.get(tk.ID)
	if d.Ticket.TimerAt != nil || kinds(d)[ticket.KindWarning] != 0 || jobs() != 0 {
		t.Fatalf("a cancelled ticket: timer %v, %v", d.Ticket.TimerAt, kinds(d))
	}
}

// A dispatcher who names the worker dispatches directly, whatever the
// rule's mode; so does a leader who assigns a pool ticket. The timeline
// records the mode the ticket got, not the rule's.
func TestNamedWorkerIsDirectDispatch(t *testing.T) {
	f := newFixture(t)
	_, err := f.svc.AddRule(f.ctx, f.alpha.ID, estate.Scope{All: true}, ticket.Rule{EstateID: f.north, TeamID: f.team, Mode: ticket.RoundRobin})
	must(t, err)
	mode := func(id uuid.UUID, kind string) string {
		t.Helper()
		d := f.get(id)
		for i := len(d.Timeline) - 1; i >= 0; i-- {
			if e := d.Timeline[i]; e.Kind == kind {
				var data map[string]any
				must(t, json.Unmarshal([]byte(e.Data), &data))
				if string(d.Ticket.DispatchMode) != data["mode"] {
					t.Fatalf("ticket mode %s, timeline %v", d.Ticket.DispatchMode, data["mode"])
				}
				return string(d.Ticket.DispatchMode)
			}
		}
		t.Fatalf("no %s entry", kind)
		return ""
	}
	tk := f.create(f.intake())
	w2 := f.people["w2"]
	_, err = f.svc.Dispatch(f.ctx, f.alpha, f.as("clerk"), tk.ID, ticket.Assignment{WorkerID: &w2})
	must(t, err)
	if m := mode(tk.ID, string(ticket.Dispatch)); m != string(ticket.Direct) {
		t.Errorf("named worker under a round-robin rule: mode %s", m)
	}
	tk = f.create(f.intake())
	_, err = f.svc.Dispatch(f.ctx, f.alpha, f.as("clerk"), tk.ID, ticket.Assignment{TeamID: &f.team, Mode: ticket.Grab})
	must(t, err)
	_, err = f.svc.Assign(f.ctx, f.alpha, f.as("lead"), tk.ID, w2)
	must(t, err)
	if m := mode(tk.ID, ticket.KindAssign); m != string(ticket.Direct) {
		t.Errorf("pool ticket assigned by the leader: mode %s", m)
	}
	// Nobody named: the rule deals it by turns.
	tk = f.create(f.intake())
	_, err = f.svc.Dispatch(f.ctx, f.alpha, f.as("clerk"), tk.ID, ticket.Assignment{})
	must(t, err)
	if m := mode(tk.ID, string(ticket.Dispatch)); m != string(ticket.RoundRobin) {
		t.Errorf("by the rule: mode %s", m)
	}
}

// The worker's accept note is kept in the timeline.
func TestAcceptKeepsItsNote(t *testing.T) {
	f := newFixture(t)
	tk := f.create(f.intake())
	w1 := f.people["w1"]
	_, err := f.svc.Dispatch(f.ctx, f.alpha, f.as("clerk"), tk.ID, ticket.Assignment{TeamID: &f.team, WorkerID: &w1})
	must(t, err)
	_, err = f.svc.Accept(f.ctx, f.alpha, f.as("w1"), tk.ID, "  下午三点上门  ")
	must(t, err)
	d := f.get(tk.ID)
	last := d.Timeline[len(d.Timeline)-1]
	if last.Kind != string(ticket.Accept) || last.Body != "下午三点上门" {
		t.Fatalf("accept entry: %+v", last)
	}
}
