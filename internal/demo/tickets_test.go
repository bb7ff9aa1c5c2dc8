package demo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
	"github.com/estatedesk/estatedesk/internal/demo"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/team"
	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

func historyMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// historyTenant seeds a small company: estate 东区 (two buildings, a
// clerk, an office head, a maintenance team with a leader and two workers,
// a cleaning and a security team) and estate 西区 (one building, its own
// clerk, the four standard teams without people), owners in most units.
func historyTenant(t testing.TB, db *database.DB, slug string) *tenant.Tenant {
	t.Helper()
	ctx := context.Background()
	tn, err := tenant.New(slug, "历史物业 "+slug, "growth", "Asia/Shanghai", tenant.Active)
	historyMust(t, err)
	historyMust(t, db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error { return tenant.Insert(ctx, tx, tn) }))
	estates := estate.NewService(db, tenant.DefaultPlanLimits(), 0)
	accounts := account.NewService(db, account.Settings{}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	teams := team.NewService(db)
	all := estate.Scope{All: true}

	east, err := estates.CreateEstate(ctx, tn, estate.EstateInput{Name: "东区"})
	historyMust(t, err)
	west, err := estates.CreateEstate(ctx, tn, estate.EstateInput{Name: "西区"})
	historyMust(t, err)
	var occ []estate.NewOccupant
	n := 0
	for _, b := range []struct {
		estate *estate.Estate
		name   string
	}{{east, "1"}, {east, "2"}, {west, "1"}} {
		bd, err := estates.CreateBuilding(ctx, tn.ID, all, b.estate.ID, estate.BuildingInput{Name: b.name, Floors: 6})
		historyMust(t, err)
		_, err = estates.AddUnits(ctx, tn, all, bd.ID, estate.UnitRange{FromFloor: 1, ToFloor: 6, PerFloor: 4})
		historyMust(t, err)
		var units []estate.Unit
		historyMust(t, db.ReadTenant(ctx, tn.ID, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewSelect().Model(&units).Where("tenant_id = ? AND building_id = ?", tn.ID, bd.ID).Order("code").Scan(ctx)
		}))
		for _, u := range units {
			n++
			if n%7 == 0 {
				continue
			}
			occ = append(occ, estate.NewOccupant{UnitID: u.ID,
				Person: estate.PersonInput{Name: fmt.Sprintf("业主%03d", n), Phones: []string{fmt.Sprintf("139%08d", n)}},
				Link:   estate.LinkInput{Relation: estate.OwnerRel, PrimaryContact: true}})
		}
	}
	historyMust(t, estates.AddOccupants(ctx, tn.ID, occ))

	people := map[string]uuid.UUID{}
	member := func(name string, roles []string, estateIDs ...uuid.UUID) uuid.UUID {
		u, err := accounts.EnsureUser(ctx, name+"@"+slug+".example.com", name, func() (string, error) { return "x", nil }, false)
		historyMust(t, err)
		historyMust(t, accounts.AddMember(ctx, tn.ID, u.ID, account.Access{Roles: roles, EstateIDs: estateIDs}))
		people[name] = u.ID
		return u.ID
	}
	member("manager", []string{"manager"})
	member("clerk-east", []string{"clerk"}, east.ID)
	member("clerk-west", []string{"clerk"}, west.ID)
	member("head-east", []string{"office_head"}, east.ID)
	lead := member("lead", []string{"team_leader"}, east.ID)
	w1 := member("worker1", []string{"worker"}, east.ID)
	w2 := member("worker2", []string{"worker"}, east.ID)
	guard := member("guard", []string{"worker"}, east.ID)

	mt, err := teams.Create(ctx, tn.ID, all, east.ID, team.Maintenance, "维修班", &lead)
	historyMust(t, err)
	_, err = teams.SetMembers(ctx, tn.ID, all, east.ID, mt.ID, []uuid.UUID{w1, w2})
	historyMust(t, err)
	_, err = teams.Create(ctx, tn.ID, all, east.ID, team.Cleaning, "保洁班", nil)
	historyMust(t, err)
	st, err := teams.Create(ctx, tn.ID, all, east.ID, team.Security, "安管班", nil)
	historyMust(t, err)
	_, err = teams.SetMembers(ctx, tn.ID, all, east.ID, st.ID, []uuid.UUID{guard})
	historyMust(t, err)
	historyMust(t, db.InTenant(ctx, tn.ID, func(ctx context.Context, tx bun.Tx) error {
		_, err := team.EnsureStandard(ctx, tx, tn.ID, west.ID, time.Now().UTC())
		return err
	}))
	return tn
}

type historyRows struct {
	tickets   []ticket.Ticket
	entries   map[uuid.UUID][]ticket.Entry
	callbacks map[uuid.UUID][]ticket.Callback
	counters  map[string]int64
}

func readHistory(t testing.TB, db *database.DB, tenantID uuid.UUID) *historyRows {
	t.Helper()
	h := &historyRows{entries: map[uuid.UUID][]ticket.Entry{}, callbacks: map[uuid.UUID][]ticket.Callback{}, counters: map[string]int64{}}
	var entries []ticket.Entry
	var callbacks []ticket.Callback
	var counters []struct {
		Day     string `bun:"day"`
		NextSeq int64  `bun:"next_seq"`
	}
	historyMust(t, db.ReadTenant(context.Background(), tenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&h.tickets).Where("tenant_id = ?", tenantID).Order("created_at", "id").Scan(ctx); err != nil {
			return err
		}
		if err := tx.NewSelect().Model(&entries).Where("tenant_id = ?", tenantID).Order("ticket_id", "at", "id").Scan(ctx); err != nil {
			return err
		}
		if err := tx.NewSelect().Model(&callbacks).Where("tenant_id = ?", tenantID).Order("ticket_id", "attempt").Scan(ctx); err != nil {
			return err
		}
		return tx.NewSelect().Table("ticket_counters").Column("day", "next_seq").Where("tenant_id = ?", tenantID).Scan(ctx, &counters)
	}))
	for _, e := range entries {
		h.entries[e.TicketID] = append(h.entries[e.TicketID], e)
	}
	for _, c := range callbacks {
		h.callbacks[c.TicketID] = append(h.callbacks[c.TicketID], c)
	}
	for _, c := range counters {
		h.counters[c.Day] = c.NextSeq
	}
	return h
}

var historyNow = time.Date(2026, 11, 20, 15, 30, 0, 0, historyZone("Asia/Shanghai"))

func historyZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func TestTicketHistory(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	tn := historyTenant(t, db, "alpha")
	opt := demo.TicketOptions{Now: historyNow, Months: 12, Count: 800, Seed: 7}
	began := time.Now()
	n, err := demo.TicketHistory(ctx, db, tn.ID, opt)
	historyMust(t, err)
	t.Logf("generated %d tickets in %v", n, time.Since(began))
	if n != 800 {
		t.Fatalf("generated %d tickets, want 800", n)
	}
	h := readHistory(t, db, tn.ID)
	if len(h.tickets) != 800 {
		t.Fatalf("%d tickets stored, want 800", len(h.tickets))
	}
	loc := tn.Location()
	start := historyNow.AddDate(-1, 0, 0)

	// Numbers: unique, GD + the local date of receipt + a sequence the
	// counters have left behind.
	numberRE := regexp.MustCompile(`^GD(\d{8})(\d{4})$`)
	seen := map[string]bool{}
	for _, tk := range h.tickets {
		m := numberRE.FindStringSubmatch(tk.Number)
		if m == nil {
			t.Fatalf("number %q", tk.Number)
		}
		if seen[tk.Number] {
			t.Fatalf("number %s twice", tk.Number)
		}
		seen[tk.Number] = true
		if day := tk.CreatedAt.In(loc).Format("20060102"); m[1] != day {
			t.Errorf("%s received on %s", tk.Number, day)
		}
		seq, _ := strconv.ParseInt(m[2], 10, 64)
		if next := h.counters[m[1]]; next <= seq {
			t.Errorf("%s: counter of the day is at %d", tk.Number, next)
		}
		if tk.CreatedAt.Before(start) || tk.CreatedAt.After(historyNow) {
			t.Errorf("%s received at %v, outside the history", tk.Number, tk.CreatedAt)
		}
	}

	// Every ticket's status is where its timeline leads through the state
	// machine, and the timeline stays within the ticket's life.
	for _, tk := range h.tickets {
		var state ticket.State
		for _, e := range h.entries[tk.ID] {
			if e.At.Before(tk.CreatedAt) || e.At.After(historyNow) {
				t.Errorf("%s: %s at %v", tk.Number, e.Kind, e.At)
			}
			if e.Kind == ticket.KindCreated {
				if state != "" || e.ToStatus != ticket.Received {
					t.Errorf("%s: created entry %+v after %q", tk.Number, e, state)
				}
				state = ticket.Received
				continue
			}
			if !historyIsEvent(e.Kind) {
				continue
			}
			next, err := ticket.Next(state, ticket.Event(e.Kind))
			if err != nil || e.FromStatus != state || e.ToStatus != next {
				t.Fatalf("%s: %s from %q (entry says %s → %s): %v", tk.Number, e.Kind, state, e.FromStatus, e.ToStatus, err)
			}
			state = next
		}
		if state != tk.Status {
			t.Errorf("%s: timeline ends in %q, ticket is %q", tk.Number, state, tk.Status)
		}
		historyAgrees(t, &tk, h.entries[tk.ID])
	}

	// Mixes near the brief's.
	share := func(f func(tk *ticket.Ticket) bool) float64 {
		k := 0
		for i := range h.tickets {
			if f(&h.tickets[i]) {
				k++
			}
		}
		return float64(k) / float64(len(h.tickets))
	}
	near := func(what string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s: %.1f%%, want %.0f%% ± %.0f", what, 100*got, 100*want, 100*tol)
		}
	}
	for ty, want := range map[ticket.Type]float64{ticket.Repair: .55, ticket.Complaint: .20, ticket.Inquiry: .15, ticket.Suggestion: .06, ticket.Praise: .04} {
		near("type "+string(ty), share(func(tk *ticket.Ticket) bool { return tk.Type == ty }), want, .05)
	}
	for ch, want := range map[ticket.Channel]float64{ticket.Phone: .55, ticket.WalkIn: .20, ticket.Web: .10, ticket.Staff: .08, ticket.Letter: .02, ticket.API: .05} {
		near("channel "+string(ch), share(func(tk *ticket.Ticket) bool { return tk.Channel == ch }), want, .05)
	}
	for p, want := range map[ticket.Priority]float64{ticket.Normal: .85, ticket.Urgent: .12, ticket.Emergency: .03} {
		near("priority "+string(p), share(func(tk *ticket.Ticket) bool { return tk.Priority == p }), want, .04)
	}
	near("unknown callers", share(func(tk *ticket.Ticket) bool { return tk.UnitID == nil }), .10, .04)
	near("cancelled", share(func(tk *ticket.Ticket) bool { return tk.Status == ticket.Cancelled }), .02, .015)
	if b := share(func(tk *ticket.Ticket) bool { return tk.ResolveBreachedAt != nil }); b < .04 || b > .14 {
		t.Errorf("resolve breaches: %.1f%%, want 4–14%%", 100*b)
	}
	if b := share(func(tk *ticket.Ticket) bool { return tk.ResponseBreachedAt != nil }); b == 0 || b > .15 {
		t.Errorf("response breaches: %.1f%%", 100*b)
	}
	if r := share(func(tk *ticket.Ticket) bool { return tk.ReopenCount > 0 }); r == 0 || r > .10 {
		t.Errorf("reopened: %.1f%%", 100*r)
	}

	// Satisfaction from the call-backs, mostly high; the first call
	// reaches most owners.
	sum, rated := 0, 0
	first, reachedFirst := 0, 0
	for _, tk := range h.tickets {
		if tk.Satisfaction > 0 {
			sum += tk.Satisfaction
			rated++
			if tk.FollowedUpAt == nil {
				t.Errorf("%s: satisfaction %d without a follow-up", tk.Number, tk.Satisfaction)
			}
		}
		dissatisfied := false
		for _, c := range h.callbacks[tk.ID] {
			if c.Attempt == 1 {
				first++
				if c.Reached {
					reachedFirst++
				}
			}
			if c.Reached && c.Overall <= ticket.Dissatisfied {
				dissatisfied = true
			}
			if c.Reached && (c.Overall < 1 || c.Overall > 5 || c.Speed < 1 || c.Speed > 5 || c.Attitude < 1 || c.Attitude > 5) {
				t.Errorf("%s: scores %+v", tk.Number, c)
			}
		}
		if dissatisfied && tk.ReopenCount == 0 {
			t.Errorf("%s: a dissatisfied call-back did not reopen it", tk.Number)
		}
	}
	if mean := float64(sum) / float64(rated); rated < 300 || mean < 3.8 || mean > 4.7 {
		t.Errorf("satisfaction: mean %.2f over %d tickets", mean, rated)
	}
	if r := float64(reachedFirst) / float64(first); r < .75 || r > .95 {
		t.Errorf("first call-backs reached: %.1f%%", 100*r)
	}

	// The fields agree with the life; the queues have every open state.
	states := map[string]int{}
	for _, tk := range h.tickets {
		key := string(tk.Status)
		if tk.Status == ticket.Completed {
			key += "/" + tk.CallbackState
		}
		states[key]++
		if (tk.Status == ticket.Closed || tk.Status == ticket.Cancelled) && tk.ClosedAt == nil {
			t.Errorf("%s: %s without closed_at", tk.Number, tk.Status)
		}
		if done := tk.Status == ticket.Completed || tk.Status == ticket.FollowedUp || tk.Status == ticket.Closed; done &&
			(tk.CompletedAt == nil || tk.RespondedAt == nil || tk.TeamID == nil) {
			t.Errorf("%s: %s without completion, response or team", tk.Number, tk.Status)
		}
		if tk.Status == ticket.OnHold && tk.HoldSince == nil {
			t.Errorf("%s: on hold without hold_since", tk.Number)
		}
		// Praise and suggestions have no deadlines by default.
		thanks := tk.Type == ticket.Praise || tk.Type == ticket.Suggestion
		if (tk.ResponseDue == nil || tk.ResolveDue == nil) != thanks || tk.SLAGen < 1 {
			t.Errorf("%s: %s with deadlines %v %v", tk.Number, tk.Type, tk.ResponseDue, tk.ResolveDue)
		}
		if tk.ReopenCount == 0 && tk.ResolveBreachedAt != nil && tk.CompletedAt != nil && !tk.CompletedAt.After(*tk.ResolveDue) {
			t.Errorf("%s: breached but completed in time", tk.Number)
		}
		if tk.FollowupMissed && !historyHasKind(h.entries[tk.ID], ticket.KindFollowupMissed) {
			t.Errorf("%s: follow-up missed without its entry", tk.Number)
		}
	}
	t.Logf("states: %v", states)
	for _, want := range []string{"received", "dispatched", "accepted", "in_progress", "on_hold", "completed/due", "completed/retry", "followed_up", "closed", "cancelled"} {
		if states[want] == 0 {
			t.Errorf("no ticket in %s", want)
		}
	}
	entries := 0
	for _, es := range h.entries {
		entries += len(es)
	}
	t.Logf("%d entries, %d call-backs' tickets", entries, len(h.callbacks))

	// A second run finds the history and adds nothing.
	n, err = demo.TicketHistory(ctx, db, tn.ID, demo.TicketOptions{Now: historyNow.Add(time.Hour), Count: 800, Seed: 8})
	historyMust(t, err)
	var count int
	historyMust(t, db.ReadTenant(ctx, tn.ID, func(ctx context.Context, tx bun.Tx) error {
		c, err := tx.NewSelect().Model((*ticket.Ticket)(nil)).Where("tenant_id = ?", tn.ID).Count(ctx)
		count = int(c)
		return err
	}))
	if n != 0 || count != 800 {
		t.Errorf("second run generated %d, %d tickets stored", n, count)
	}

	// The same seed over the same portfolio is the same history.
	other := historyTenant(t, db, "bravo")
	_, err = demo.TicketHistory(ctx, db, other.ID, opt)
	historyMust(t, err)
	h2 := readHistory(t, db, other.ID)
	if len(h2.tickets) != len(h.tickets) {
		t.Fatalf("second tenant: %d tickets", len(h2.tickets))
	}
	for i, a := range h.tickets {
		b := h2.tickets[i]
		if a.Number != b.Number || a.Type != b.Type || a.Channel != b.Channel || a.Priority != b.Priority ||
			a.Status != b.Status || a.Description != b.Description || !a.CreatedAt.Equal(b.CreatedAt) {
			t.Fatalf("ticket %d differs:\n%s %s %s %s %s %s\n%s %s %s %s %s %s", i,
				a.Number, a.Type, a.Channel, a.Priority, a.Status, a.Description, b.Number, b.Type, b.Channel, b.Priority, b.Status, b.Description)
		}
	}
}

// Live creates carry on after the history's numbers on a day that already
// had tickets, and the history carries on after live ones.
func TestTicketHistoryKeepsCountersAhead(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	tn := historyTenant(t, db, "gamma")
	day := historyNow.Format("20060102")
	historyMust(t, db.InTenant(ctx, tn.ID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewRaw("INSERT INTO ticket_counters (tenant_id, day, next_seq) VALUES (?, ?, ?)", tn.ID, day, 41).Exec(ctx)
		return err
	}))
	_, err := demo.TicketHistory(ctx, db, tn.ID, demo.TicketOptions{Now: historyNow, Months: 1, Count: 600, Seed: 1, Location: tn.Location()})
	historyMust(t, err)
	h := readHistory(t, db, tn.ID)
	today := 0
	for _, tk := range h.tickets {
		if tk.Number[2:10] == day {
			today++
			if seq, _ := strconv.Atoi(tk.Number[10:]); seq < 41 {
				t.Errorf("%s reuses a number handed out before", tk.Number)
			}
		}
	}
	if today == 0 {
		t.Fatal("no ticket today")
	}
	if got, want := h.counters[day], int64(41+today); got != want {
		t.Errorf("counter of today at %d, want %d", got, want)
	}
}

// historyAgrees checks a ticket's fields against its timeline: the first
// response is the first accept, a hold starts at the last hold, and a
// deadline is breached when it passes, not later (a breach found at a
// resume means the hold did not move the deadline).
func historyAgrees(t *testing.T, tk *ticket.Ticket, es []ticket.Entry) {
	t.Helper()
	var accepted, held *time.Time
	for _, e := range es {
		switch e.Kind {
		case string(ticket.Accept):
			if accepted == nil {
				accepted = &e.At
			}
		case string(ticket.Hold):
			held = &e.At
		case ticket.KindResolveBreach, ticket.KindResponseBreach:
			var d struct{ Due time.Time }
			historyMust(t, json.Unmarshal([]byte(e.Data), &d))
			if e.At.Sub(d.Due).Abs() > time.Second {
				t.Errorf("%s: %s at %v, its deadline was %v", tk.Number, e.Kind, e.At, d.Due)
			}
		}
	}
	if accepted != nil && (tk.RespondedAt == nil || !tk.RespondedAt.Equal(*accepted)) {
		t.Errorf("%s: responded at %v, first accepted at %v", tk.Number, tk.RespondedAt, *accepted)
	}
	if tk.Status == ticket.OnHold && (held == nil || tk.HoldSince == nil || !tk.HoldSince.Equal(*held)) {
		t.Errorf("%s: on hold since %v, held at %v", tk.Number, tk.HoldSince, held)
	}
}

func historyIsEvent(kind string) bool {
	for _, ev := range ticket.Events {
		if string(ev) == kind {
			return true
		}
	}
	return false
}

func historyHasKind(es []ticket.Entry, kind string) bool {
	for _, e := range es {
		if e.Kind == kind {
			return true
		}
	}
	return false
}

// BenchmarkTicketHistory is the demo's start-up cost: a year of 5,000
// tickets for one company.
func BenchmarkTicketHistory(b *testing.B) {
	db := dbtest.New(b)
	ctx := context.Background()
	tickets, entries := 0, 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		tn := historyTenant(b, db, fmt.Sprintf("bench%d", i))
		b.StartTimer()
		n, err := demo.TicketHistory(ctx, db, tn.ID, demo.TicketOptions{Now: historyNow, Count: 5000, Seed: int64(i)})
		historyMust(b, err)
		tickets += n
		b.StopTimer()
		historyMust(b, db.ReadTenant(ctx, tn.ID, func(ctx context.Context, tx bun.Tx) error {
			c, err := tx.NewSelect().Model((*ticket.Entry)(nil)).Where("tenant_id = ?", tn.ID).Count(ctx)
			entries += int(c)
			return err
		}))
		b.StartTimer()
	}
	b.ReportMetric(float64(tickets)/b.Elapsed().Seconds(), "tickets/s")
	b.ReportMetric(float64(entries)/float64(b.N), "entries/op")
}
