package kpi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/kpi"
	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fixture: company alpha with estates 东区 (two buildings, four units, two
// teams) and 西区 (one building); company bravo with one estate. Staff are
// bare IDs: the figures read no user rows.
type fixture struct {
	ctx          context.Context
	db           *database.DB
	clock        *clock
	tickets      *ticket.Service
	svc          *kpi.Service
	alpha, bravo *tenant.Tenant
	east, west   *estate.Estate
	units        []*estate.Unit // alpha's
	teams        []uuid.UUID    // alpha's, by estate: east, east, west
	tree         ticket.Tree
	minor        uuid.UUID // 维修 › 水电, marked minor
	staff        []uuid.UUID
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{ctx: ctx, db: dbtest.New(t), clock: &clock{now: time.Date(2026, 12, 5, 10, 0, 0, 0, shanghai)}}
	jobs, err := job.New(f.db, job.Options{Now: f.clock.Now, Logger: quiet})
	must(t, err)
	f.tickets, err = ticket.NewService(f.db, jobs, ticket.Options{Now: f.clock.Now, Log: quiet})
	must(t, err)
	f.svc, err = kpi.NewService(f.db, jobs, f.tickets, nil, kpi.Options{Now: f.clock.Now, Log: quiet})
	must(t, err)
	f.alpha, f.bravo = f.tenant(t, "alpha"), f.tenant(t, "bravo")
	f.east, f.west = f.estate(t, f.alpha, "东区"), f.estate(t, f.alpha, "西区")
	for i, e := range []*estate.Estate{f.east, f.east, f.west} {
		b := f.building(t, f.alpha, e, fmt.Sprint(i+1))
		f.units = append(f.units, f.unit(t, f.alpha, b, "101"), f.unit(t, f.alpha, b, "102"))
		f.teams = append(f.teams, f.team(t, f.alpha, e, fmt.Sprintf("班组%d", i)))
	}
	for range 5 {
		f.staff = append(f.staff, uuid.Must(uuid.NewV7()))
	}
	f.tree, err = f.tickets.Categories(ctx, f.alpha.ID)
	must(t, err)
	for _, c := range f.tree {
		if c.Path == "维修 › 水电" {
			f.minor = c.ID
		}
	}
	must(t, f.tickets.SetCategoryMinor(ctx, f.alpha.ID, f.minor, true))
	f.tree, err = f.tickets.Categories(ctx, f.alpha.ID)
	must(t, err)
	return f
}

func (f *fixture) tenant(t *testing.T, slug string) *tenant.Tenant {
	tn, err := tenant.New(slug, slug+" 物业", "growth", "Asia/Shanghai", tenant.Active)
	must(t, err)
	must(t, f.db.InPlatform(f.ctx, func(ctx context.Context, tx bun.Tx) error { return tenant.Insert(ctx, tx, tn) }))
	return tn
}

func (f *fixture) estate(t *testing.T, tn *tenant.Tenant, name string) *estate.Estate {
	e := &estate.Estate{TenantID: tn.ID, Name: name}
	must(t, f.db.InTenant(f.ctx, tn.ID, func(ctx context.Context, tx bun.Tx) error { return estate.Insert(ctx, tx, e) }))
	return e
}

func (f *fixture) insert(t *testing.T, tn *tenant.Tenant, model any) {
	t.Helper()
	must(t, f.db.InTenant(f.ctx, tn.ID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(model).Exec(ctx)
		return err
	}))
}

func (f *fixture) building(t *testing.T, tn *tenant.Tenant, e *estate.Estate, name string) *estate.Building {
	now := time.Now().UTC()
	b := &estate.Building{TenantID: tn.ID, ID: uuid.Must(uuid.NewV7()), EstateID: e.ID, Name: name, Floors: 10, CreatedAt: now, UpdatedAt: now}
	f.insert(t, tn, b)
	return b
}

func (f *fixture) unit(t *testing.T, tn *tenant.Tenant, b *estate.Building, number string) *estate.Unit {
	now := time.Now().UTC()
	u := &estate.Unit{TenantID: tn.ID, ID: uuid.Must(uuid.NewV7()), EstateID: b.EstateID, BuildingID: b.ID, Floor: 1, Number: number,
		Code: estate.UnitCode(b.Name, "", number), Kind: estate.Home, Status: estate.Occupied, CreatedAt: now, UpdatedAt: now}
	f.insert(t, tn, u)
	return u
}

func (f *fixture) team(t *testing.T, tn *tenant.Tenant, e *estate.Estate, name string) uuid.UUID {
	id := uuid.Must(uuid.NewV7())
	now := time.Now().UTC()
	must(t, f.db.InTenant(f.ctx, tn.ID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO teams (tenant_id, id, estate_id, kind, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			tn.ID, id, e.ID, "maintenance", name, now, now)
		return err
	}))
	return id
}

// seed writes n tickets of alpha spread over October to early December
// 2026 (Shanghai), with their timelines and call-backs, drawn from a fixed
// seed: every kind of fact a figure counts, and instants on both sides of
// midnight and of a month's end.
func (f *fixture) seed(t *testing.T, n int) []*ticket.Ticket {
	rng := rand.New(rand.NewPCG(12, 34))
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, shanghai)
	types := ticket.Types()
	var cats []uuid.UUID
	for _, c := range f.tree {
		cats = append(cats, c.ID)
	}
	var tks []*ticket.Ticket
	var events []*ticket.Entry
	var cbs []*ticket.Callback
	for i := range n {
		// Every tenth ticket lands in the last half hour of a Shanghai day.
		created := start.Add(time.Duration(rng.IntN(64*24*60)) * time.Minute)
		if i%10 == 0 {
			created = time.Date(created.Year(), created.Month(), created.Day(), 23, 30+rng.IntN(30), 0, 0, shanghai)
		}
		u := f.units[rng.IntN(len(f.units))]
		tk := &ticket.Ticket{TenantID: f.alpha.ID, ID: uuid.Must(uuid.NewV7()), Number: fmt.Sprintf("GD%08d", i), EstateID: u.EstateID,
			Channel: ticket.Phone, Type: types[rng.IntN(len(types))], Priority: ticket.Normal, Status: ticket.Received,
			Description: "x", ReceivedBy: f.staff[rng.IntN(len(f.staff))], CreatedBy: f.staff[0], CreatedAt: created.UTC()}
		if rng.IntN(5) > 0 {
			tk.UnitID = &u.ID
		}
		switch rng.IntN(4) {
		case 0:
			tk.CategoryID = &f.minor
		case 1:
		default:
			tk.CategoryID = &cats[rng.IntN(len(cats))]
		}
		if tk.Type == ticket.Complaint && rng.IntN(4) == 0 {
			tk.Major = true
		}
		if rng.IntN(4) > 0 {
			team := f.teams[2]
			if u.EstateID == f.east.ID {
				team = f.teams[rng.IntN(2)]
			}
			tk.TeamID = &team
			if rng.IntN(3) > 0 {
				tk.AssigneeID = &f.staff[1+rng.IntN(4)]
			}
		}
		ev := func(at time.Time, kind string) {
			events = append(events, &ticket.Entry{TenantID: f.alpha.ID, ID: uuid.Must(uuid.NewV7()), TicketID: tk.ID, At: at, Kind: kind})
		}
		ev(tk.CreatedAt, ticket.KindCreated)
		if tk.Type != ticket.Praise {
			rd := tk.CreatedAt.Add(30 * time.Minute)
			tk.ResponseDue = &rd
			due := tk.CreatedAt.Add(24 * time.Hour)
			tk.ResolveDue = &due
		}
		if tk.ResponseDue != nil && rng.IntN(6) > 0 {
			at := tk.CreatedAt.Add(time.Duration(rng.IntN(90*60)) * time.Second)
			tk.RespondedAt = &at
			ev(at, "accept")
		}
		if rng.IntN(4) > 0 {
			at := tk.CreatedAt.Add(time.Duration(rng.IntN(48*60)) * time.Minute)
			if tk.RespondedAt != nil && at.Before(*tk.RespondedAt) {
				at = *tk.RespondedAt
			}
			tk.CompletedAt, tk.Status = &at, ticket.Completed
			ev(at, "complete")
			if tk.ResolveDue != nil && at.After(*tk.ResolveDue) && rng.IntN(2) == 0 {
				b := *tk.ResolveDue
				tk.ResolveBreachedAt = &b
				ev(b, ticket.KindResolveBreach)
			}
			if tk.Type == ticket.Complaint || tk.Type == ticket.Repair {
				tk.CallbackState = ticket.CallbackDue
				if rng.IntN(3) > 0 {
					cbAt := at.Add(time.Duration(1+rng.IntN(72)) * time.Hour)
					reached := rng.IntN(4) > 0
					cb := &ticket.Callback{TenantID: f.alpha.ID, ID: uuid.Must(uuid.NewV7()), TicketID: tk.ID, Attempt: 1, Reached: reached, ByID: f.staff[0], At: cbAt}
					if reached {
						cb.Overall = 1 + rng.IntN(5)
						tk.CallbackState, tk.Satisfaction = ticket.CallbackDone, cb.Overall
					}
					cbs = append(cbs, cb)
					ev(cbAt, ticket.KindCallback)
				}
			}
			if rng.IntN(8) == 0 {
				tk.ReopenCount = 1
			}
		} else if tk.ResolveDue != nil && rng.IntN(3) == 0 {
			b := *tk.ResolveDue
			tk.ResolveBreachedAt = &b
			ev(b, ticket.KindResolveBreach)
		}
		tk.UpdatedAt = tk.CreatedAt
		for _, e := range events {
			if e.TicketID == tk.ID && e.At.After(tk.UpdatedAt) {
				tk.UpdatedAt = e.At
			}
		}
		tks = append(tks, tk)
	}
	must(t, f.db.InTenant(f.ctx, f.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		for _, m := range []any{&tks, &events, &cbs} {
			if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}))
	return tks
}

// expected is a month's counts of an estate computed straight from the
// tickets and call-backs, without the rollups: the reference they must
// equal.
type expected struct {
	counts kpi.Counts
	resp   []int // first-response minutes
}

func (f *fixture) direct(t *testing.T, estateID uuid.UUID, month string) expected {
	t.Helper()
	var tks []ticket.Ticket
	var cbs []ticket.Callback
	must(t, f.db.ReadTenant(f.ctx, f.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&tks).Where("tenant_id = ? AND estate_id = ?", f.alpha.ID, estateID).Scan(ctx); err != nil {
			return err
		}
		return tx.NewSelect().Model(&cbs).Where("tenant_id = ?", f.alpha.ID).Scan(ctx)
	}))
	in := func(at *time.Time) bool { return at != nil && at.In(shanghai).Format("2006-01") == month }
	minor := func(id *uuid.UUID) bool {
		for id != nil {
			c := f.tree.ByID(*id)
			if c.Minor {
				return true
			}
			id = c.ParentID
		}
		return false
	}
	var e expected
	c := &e.counts
	byID := map[uuid.UUID]*ticket.Ticket{}
	for i := range tks {
		tk := &tks[i]
		byID[tk.ID] = tk
		if in(&tk.CreatedAt) {
			c.Received++
			if tk.Type == ticket.Complaint {
				c.Complaints++
				if tk.Major {
					c.Majors++
				}
			}
		}
		if in(tk.RespondedAt) && tk.ResponseDue != nil {
			e.resp = append(e.resp, int(tk.RespondedAt.Sub(tk.CreatedAt).Minutes()))
		}
		if in(tk.ResolveBreachedAt) {
			c.Breached++
		}
		if !in(tk.CompletedAt) {
			continue
		}
		late := tk.ResolveBreachedAt != nil || (tk.ResolveDue != nil && tk.CompletedAt.After(*tk.ResolveDue))
		c.Completed++
		if tk.ReopenCount == 0 {
			c.FirstFix++
		}
		if tk.Type == ticket.Repair && minor(tk.CategoryID) {
			c.MinorDone++
			if late {
				c.MinorLate++
			}
		}
		if tk.Type == ticket.Complaint {
			c.ComplaintDone++
			if late {
				c.ComplaintLate++
			}
		}
		if tk.CallbackState != "" {
			c.CallbackDue++
			if tk.CallbackState == ticket.CallbackDone {
				c.CallbackDone++
			}
		}
	}
	for _, cb := range cbs {
		if byID[cb.TicketID] != nil && cb.Reached && in(&cb.At) {
			c.CbReached++
			if cb.Overall >= 4 {
				c.CbSatisfied++
			}
		}
	}
	slices.Sort(e.resp)
	return e
}

// rank is the nearest-rank percentile of sorted minutes.
func rank(sorted []int, p int) (int64, bool) {
	if len(sorted) == 0 {
		return 0, false
	}
	k := (len(sorted)*p + 99) / 100
	return int64(sorted[max(k, 1)-1]), true
}

// check compares every month and estate of the board with the direct
// computation.
func (f *fixture) check(t *testing.T, months ...string) {
	t.Helper()
	all := estate.Scope{All: true}
	for _, m := range months {
		b, err := f.svc.Board(f.ctx, f.alpha, all, m, nil)
		must(t, err)
		for _, col := range b.Estates {
			want := f.direct(t, *col.EstateID, m)
			if col.Counts != want.counts {
				t.Errorf("%s %s: rollups %+v, tickets %+v", m, col.Name, col.Counts, want.counts)
			}
			for fig, p := range map[kpi.Figure]int{kpi.ResponseMedian: 50, kpi.ResponseP90: 90} {
				v := col.Value(fig)
				w, has := rank(want.resp, p)
				if v.Has != has || v.Value != w {
					t.Errorf("%s %s %s: %v %d, want %v %d", m, col.Name, fig, v.Has, v.Value, has, w)
				}
			}
		}
	}
}

// The rollups equal the figures computed straight from the tickets, for
// every month and estate; after tickets change (a reopen, a breach, a late
// call-back, a new ticket) and the job runs again, they still do, and the
// figures moved.
func TestRollupsEqualTickets(t *testing.T) {
	f := setup(t)
	tks := f.seed(t, 400)
	must(t, f.svc.RefreshTenant(f.ctx, f.alpha))
	months := []string{"2026-10", "2026-11", "2026-12"}
	f.check(t, months...)

	all := estate.Scope{All: true}
	before, err := f.svc.Board(f.ctx, f.alpha, all, "2026-10", nil)
	must(t, err)

	// Changes made now (5 December) to October's tickets: reopen one
	// completed in October (its completion goes), breach an open one
	// late, call back a third whose owner is unhappy.
	now := time.Date(2026, 12, 5, 11, 0, 0, 0, shanghai).UTC()
	f.clock.set(now.Add(time.Minute))
	var reopened, breached, called *ticket.Ticket
	for _, tk := range tks {
		oct := tk.CreatedAt.In(shanghai).Month() == time.October && tk.CreatedAt.In(shanghai).Day() < 25
		switch {
		case reopened == nil && oct && tk.CompletedAt != nil && tk.ReopenCount == 0 && tk.ResolveBreachedAt == nil:
			reopened = tk
		case breached == nil && oct && tk.CompletedAt == nil && tk.ResolveBreachedAt == nil && tk.ResolveDue != nil:
			breached = tk
		case called == nil && oct && tk.CallbackState == ticket.CallbackDue:
			called = tk
		}
	}
	if reopened == nil || breached == nil || called == nil {
		t.Fatal("the seed lacks a ticket to change")
	}
	late := now
	must(t, f.db.InTenant(f.ctx, f.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		for _, q := range []*bun.UpdateQuery{
			tx.NewUpdate().Table("tickets").Set("completed_at = NULL, status = ?, reopen_count = 1, updated_at = ?", ticket.Reopened, now).
				Where("tenant_id = ? AND id = ?", f.alpha.ID, reopened.ID),
			tx.NewUpdate().Table("tickets").Set("resolve_breached_at = ?, updated_at = ?", breached.ResolveDue, now).
				Where("tenant_id = ? AND id = ?", f.alpha.ID, breached.ID),
			tx.NewUpdate().Table("tickets").Set("callback_state = ?, satisfaction = 2, updated_at = ?", ticket.CallbackDone, late).
				Where("tenant_id = ? AND id = ?", f.alpha.ID, called.ID),
		} {
			if _, err := q.Exec(ctx); err != nil {
				return err
			}
		}
		entries := []*ticket.Entry{
			{TenantID: f.alpha.ID, ID: uuid.Must(uuid.NewV7()), TicketID: reopened.ID, At: now, Kind: "reopen"},
			{TenantID: f.alpha.ID, ID: uuid.Must(uuid.NewV7()), TicketID: breached.ID, At: *breached.ResolveDue, Kind: ticket.KindResolveBreach},
			{TenantID: f.alpha.ID, ID: uuid.Must(uuid.NewV7()), TicketID: called.ID, At: late, Kind: ticket.KindCallback},
		}
		if _, err := tx.NewInsert().Model(&entries).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(&ticket.Callback{TenantID: f.alpha.ID, ID: uuid.Must(uuid.NewV7()), TicketID: called.ID,
			Attempt: 1, Reached: true, Overall: 2, ByID: f.staff[0], At: late}).Exec(ctx)
		return err
	}))
	must(t, f.svc.RefreshTenant(f.ctx, f.alpha))
	f.check(t, months...)

	after, err := f.svc.Board(f.ctx, f.alpha, all, "2026-10", nil)
	must(t, err)
	if after.Total.Counts.Completed != before.Total.Counts.Completed-1 {
		t.Errorf("the reopen did not take October's completion away: %d → %d", before.Total.Counts.Completed, after.Total.Counts.Completed)
	}
	if after.Total.Counts.Breached != before.Total.Counts.Breached+1 {
		t.Errorf("the breach did not count: %d → %d", before.Total.Counts.Breached, after.Total.Counts.Breached)
	}
	if after.Total.Counts.CallbackDone != before.Total.Counts.CallbackDone+1 {
		t.Errorf("the late call-back did not count for its completion's month: %d → %d", before.Total.Counts.CallbackDone, after.Total.Counts.CallbackDone)
	}

	// Marking another category minor counts every day again.
	var doors uuid.UUID
	for _, c := range f.tree {
		if c.Path == "维修 › 门窗" {
			doors = c.ID
		}
	}
	must(t, f.tickets.SetCategoryMinor(f.ctx, f.alpha.ID, doors, true))
	f.tree, err = f.tickets.Categories(f.ctx, f.alpha.ID)
	must(t, err)
	must(t, f.svc.RefreshTenant(f.ctx, f.alpha))
	f.check(t, months...)
}
