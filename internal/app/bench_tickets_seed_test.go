package app

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/demo"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/logging"
	"github.com/estatedesk/estatedesk/internal/manifest"
	"github.com/estatedesk/estatedesk/internal/team"
	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// EnvBenchTicketsSeed, when set, makes TestBenchTicketsSeed fill the
// database that ESTATEDESK_DATABASE_URL / ESTATEDESK_DATA_DIR name with many
// companies and their tickets, for the queue benchmark of
// .ci/bench/tickets.sh (docs/benchmarks.md). The value is space-separated
// key=value settings:
//
//	tenants=1000   companies b0000…, each two estates (144 + 96 units,
//	               owners in about nine units in ten), the four standard
//	               teams per estate, six staff
//	tickets=1000   tickets per company
//	member=100     the first this many companies also have the shared staff
//	               user bench-staff@estatedesk.test (manager), whom the
//	               benchmark signs in as (password: the demo's)
//	workers=3      companies seeded at once (use 1 on SQLite)
//	out=FILE       writes "slug east-estate-id west-estate-id" for each
//	               company of the shared user, one a line
//
// The first company's tickets are a year of history played by
// demo.TicketHistory (timelines, call-backs, counters and all); every
// other company gets a copy of those tickets — not of their timelines,
// which the queues do not read — moved onto its own estates, units,
// owners, teams, categories and staff. Playing a history costs about 1 ms
// per ticket, which for a million tickets is a quarter of an hour; the copy
// is bulk inserts.
//
//	go test -c -o /tmp/app.test ./internal/app
//	ESTATEDESK_DATABASE_URL=postgres://… ESTATEDESK_BENCH_TICKETS_SEED="tenants=1000 out=/tmp/t.txt" \
//	  /tmp/app.test -test.run '^TestBenchTicketsSeed$' -test.v -test.timeout 1h
const EnvBenchTicketsSeed = "ESTATEDESK_BENCH_TICKETS_SEED"

// BenchStaffEmail is the user of the queue benchmark, a manager in several
// companies.
const BenchStaffEmail = "bench-staff@estatedesk.test"

type seedSettings struct {
	tenants, tickets, member, workers int
	out                               string
}

func parseSeedSettings(s string) (seedSettings, error) {
	st := seedSettings{tenants: 1000, tickets: 1000, member: 100, workers: 3}
	for _, kv := range strings.Fields(s) {
		k, v, _ := strings.Cut(kv, "=")
		if k == "out" {
			st.out = v
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return st, fmt.Errorf("%s: %w", kv, err)
		}
		switch k {
		case "tenants":
			st.tenants = n
		case "tickets":
			st.tickets = n
		case "member":
			st.member = n
		case "workers":
			st.workers = max(1, n)
		default:
			return st, fmt.Errorf("unknown setting %q", k)
		}
	}
	return st, nil
}

func TestBenchTicketsSeed(t *testing.T) {
	spec, ok := os.LookupEnv(EnvBenchTicketsSeed)
	if !ok {
		t.Skip("set " + EnvBenchTicketsSeed + " to seed a benchmark database")
	}
	st, err := parseSeedSettings(spec)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cfg, _, err := parseConfig("seed", nil, IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.LogLevel = "warn"
	svc, err := open(ctx, cfg, logging.New(os.Stderr, cfg.LogLevel))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.db.Close()
	hash := func() (string, error) { return demoHash, nil }
	if _, err := svc.accounts.EnsureUser(ctx, BenchStaffEmail, "压测值班员", hash, false); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	seeded := make([]seedTenant, st.tenants)
	// The template company first: its history is what the others copy.
	tpl, err := seedCompany(ctx, svc, 0, st)
	if err != nil {
		t.Fatal(err)
	}
	seeded[0] = *tpl
	n, err := demo.TicketHistory(ctx, svc.db, tpl.id, demo.TicketOptions{Now: time.Now(), Months: 12, Count: st.tickets, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("template company %s: %d tickets played in %s", tpl.slug, n, time.Since(start).Round(time.Millisecond))
	src, err := loadTemplate(ctx, svc, tpl)
	if err != nil {
		t.Fatal(err)
	}

	var (
		wg       sync.WaitGroup
		next     atomic.Int64
		done     atomic.Int64
		failed   atomic.Bool
		errOnce  sync.Once
		firstErr error
	)
	next.Store(1)
	for w := 0; w < st.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= st.tenants || failed.Load() {
					return
				}
				err := func() error {
					c, err := seedCompany(ctx, svc, i, st)
					if err != nil {
						return err
					}
					seeded[i] = *c
					return src.copyTo(ctx, svc, c)
				}()
				if err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("company %d: %w", i, err) })
					failed.Store(true)
					return
				}
				if d := done.Add(1); d%100 == 0 {
					t.Logf("%d companies in %s", d+1, time.Since(start).Round(time.Second))
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	t.Logf("seeded %d companies × %d tickets in %s", st.tenants, len(src.tickets), time.Since(start).Round(time.Second))
	if st.out != "" {
		f, err := os.Create(st.out)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(f)
		for _, c := range seeded[:min(st.member, len(seeded))] {
			fmt.Fprintf(w, "%s %s %s\n", c.slug, c.estates["东区"], c.estates["西区"])
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Fprintf(os.Stdout, "SEEDED tenants=%d tickets_per_tenant=%d seconds=%.1f\n", st.tenants, len(src.tickets), time.Since(start).Seconds())
}

// seedTenant is a seeded company and the IDs its tickets point at, by
// natural key (what is the same in every company).
type seedTenant struct {
	slug    string
	id      uuid.UUID
	estates map[string]uuid.UUID    // name
	units   map[string]uuid.UUID    // estate name + "/" + code
	owners  map[uuid.UUID]uuid.UUID // unit → its primary person
	teams   map[string]uuid.UUID    // estate name + "/" + team name
	cats    map[string]uuid.UUID    // path
	users   map[string]uuid.UUID    // the email's local part, or the whole email of a shared user
}

var seedStaff = []manifest.Staff{
	{Email: "manager", Name: "经理", Roles: []string{"manager"}},
	{Email: "clerk-east", Name: "东区管理员", Roles: []string{"clerk"}, Estates: []string{"东区"}},
	{Email: "clerk-west", Name: "西区管理员", Roles: []string{"clerk"}, Estates: []string{"西区"}},
	{Email: "lead", Name: "维修班长", Roles: []string{"team_leader"}, Estates: []string{"东区", "西区"}},
	{Email: "worker1", Name: "维修工一", Roles: []string{"worker"}, Estates: []string{"东区", "西区"}},
	{Email: "worker2", Name: "维修工二", Roles: []string{"worker"}, Estates: []string{"东区", "西区"}},
}

// seedManifest is company i: two estates, the standard teams, a
// maintenance team with a leader and two workers in each, six staff.
func seedManifest(i int, st seedSettings) (*manifest.Manifest, string) {
	slug := fmt.Sprintf("b%04d", i)
	mail := func(local string) string { return local + "@" + slug + ".bench.test" }
	buildings := func(n int) []manifest.Building {
		var bs []manifest.Building
		for b := 1; b <= n; b++ {
			bs = append(bs, manifest.Building{Name: strconv.Itoa(b), Floors: 12,
				Units: []manifest.UnitRange{{Floors: "1-12", PerFloor: 4, Area: "96.50"}}})
		}
		return bs
	}
	teams := []manifest.Team{
		{Kind: "security", Name: "安管班"}, {Kind: "cleaning", Name: "保洁班"}, {Kind: "landscaping", Name: "绿化班"},
		{Kind: "maintenance", Name: "维修班", Leader: mail("lead"), Members: []string{mail("worker1"), mail("worker2")}},
	}
	m := &manifest.Manifest{
		Company: manifest.Company{Slug: slug, Name: "压测物业 " + slug, Plan: "enterprise", TimeZone: "Asia/Shanghai", Status: "active"},
		Estates: []manifest.Estate{
			{Name: "东区", Address: "压测路 1 号", Buildings: buildings(3), Teams: teams},
			{Name: "西区", Address: "压测路 2 号", Buildings: buildings(2), Teams: teams},
		},
	}
	for _, s := range seedStaff {
		s.Email = mail(s.Email)
		m.Staff = append(m.Staff, s)
	}
	if i < st.member {
		m.Staff = append(m.Staff, manifest.Staff{Email: BenchStaffEmail, Name: "压测值班员", Roles: []string{"manager"}})
	}
	return m, slug
}

func seedCompany(ctx context.Context, svc *services, i int, st seedSettings) (*seedTenant, error) {
	m, slug := seedManifest(i, st)
	hash := func() (string, error) { return demoHash, nil }
	for _, s := range m.Staff {
		if s.Email == BenchStaffEmail {
			continue
		}
		if _, err := svc.accounts.EnsureUser(ctx, s.Email, s.Name, hash, false); err != nil {
			return nil, err
		}
	}
	if _, err := svc.applier.Apply(ctx, m, manifest.Options{Direct: true}); err != nil {
		return nil, err
	}
	if _, err := seedOwners(ctx, svc, slug); err != nil {
		return nil, err
	}
	t, err := tenant.BySlug(ctx, svc.db.Reader(), slug)
	if err != nil {
		return nil, err
	}
	c := &seedTenant{slug: slug, id: t.ID, estates: map[string]uuid.UUID{}, units: map[string]uuid.UUID{},
		owners: map[uuid.UUID]uuid.UUID{}, teams: map[string]uuid.UUID{}, cats: map[string]uuid.UUID{}, users: map[string]uuid.UUID{}}
	err = svc.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		ests, err := estate.List(ctx, tx, t.ID, false)
		if err != nil {
			return err
		}
		names := map[uuid.UUID]string{}
		for _, e := range ests {
			c.estates[e.Name], names[e.ID] = e.ID, e.Name
		}
		var units []estate.Unit
		if err := tx.NewSelect().Model(&units).Where("tenant_id = ?", t.ID).Scan(ctx); err != nil {
			return err
		}
		for _, u := range units {
			c.units[names[u.EstateID]+"/"+u.Code] = u.ID
		}
		var links []struct {
			UnitID   uuid.UUID `bun:"unit_id"`
			PersonID uuid.UUID `bun:"person_id"`
		}
		if err := tx.NewSelect().Table("unit_persons").Column("unit_id", "person_id").
			Where("tenant_id = ? AND primary_contact", t.ID).Scan(ctx, &links); err != nil {
			return err
		}
		for _, l := range links {
			c.owners[l.UnitID] = l.PersonID
		}
		var teams []team.Team
		if err := tx.NewSelect().Model(&teams).Where("tenant_id = ?", t.ID).Scan(ctx); err != nil {
			return err
		}
		for _, tm := range teams {
			c.teams[names[tm.EstateID]+"/"+tm.Name] = tm.ID
		}
		tree, err := ticket.EnsureTree(ctx, tx, t.ID, time.Now().UTC())
		if err != nil {
			return err
		}
		for _, cat := range tree {
			c.cats[cat.Path] = cat.ID
		}
		var users []struct {
			ID    uuid.UUID `bun:"id"`
			Email string    `bun:"email"`
		}
		if err := tx.NewSelect().TableExpr("memberships AS m").Join("JOIN users AS u ON u.id = m.user_id").
			ColumnExpr("u.id, u.email").Where("m.tenant_id = ?", t.ID).Scan(ctx, &users); err != nil {
			return err
		}
		for _, u := range users {
			key := u.Email
			if local, domain, _ := strings.Cut(u.Email, "@"); domain == slug+".bench.test" {
				key = local
			}
			c.users[key] = u.ID
		}
		return nil
	})
	return c, err
}

// ticketCounter is a row of ticket_counters.
type ticketCounter struct {
	bun.BaseModel `bun:"table:ticket_counters"`
	TenantID      uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	Day           string    `bun:"day,pk"`
	NextSeq       int64     `bun:"next_seq,notnull"`
}

// seedTemplate is the template company's tickets with every reference
// turned into its natural key.
type seedTemplate struct {
	tickets  []ticket.Ticket
	counters []ticketCounter
	key      map[uuid.UUID]string // any referenced ID → its natural key
}

func loadTemplate(ctx context.Context, svc *services, tpl *seedTenant) (*seedTemplate, error) {
	s := &seedTemplate{key: map[uuid.UUID]string{}}
	for k, id := range tpl.estates {
		s.key[id] = "e:" + k
	}
	for k, id := range tpl.units {
		s.key[id] = "u:" + k
	}
	for k, id := range tpl.teams {
		s.key[id] = "t:" + k
	}
	for k, id := range tpl.cats {
		s.key[id] = "c:" + k
	}
	for k, id := range tpl.users {
		s.key[id] = "s:" + k
	}
	err := svc.db.ReadTenant(ctx, tpl.id, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&s.tickets).Where("tenant_id = ?", tpl.id).Order("created_at").Scan(ctx); err != nil {
			return err
		}
		return tx.NewSelect().Model(&s.counters).Where("tenant_id = ?", tpl.id).Scan(ctx)
	})
	return s, err
}

// copyTo inserts the template's tickets into company c.
func (s *seedTemplate) copyTo(ctx context.Context, svc *services, c *seedTenant) error {
	lookup := func(id uuid.UUID) (uuid.UUID, error) {
		k, ok := s.key[id]
		if !ok {
			return uuid.Nil, fmt.Errorf("template reference %s has no natural key", id)
		}
		var m map[string]uuid.UUID
		switch k[:2] {
		case "e:":
			m = c.estates
		case "u:":
			m = c.units
		case "t:":
			m = c.teams
		case "c:":
			m = c.cats
		case "s:":
			m = c.users
		}
		v, ok := m[k[2:]]
		if !ok {
			return uuid.Nil, fmt.Errorf("%s not in %s", k, c.slug)
		}
		return v, nil
	}
	opt := func(p *uuid.UUID) (*uuid.UUID, error) {
		if p == nil {
			return nil, nil
		}
		v, err := lookup(*p)
		return &v, err
	}
	out := make([]ticket.Ticket, len(s.tickets))
	for i, tk := range s.tickets {
		var err error
		tk.TenantID, tk.ID = c.id, uuid.NewSHA1(c.id, tk.ID[:])
		if tk.EstateID, err = lookup(tk.EstateID); err != nil {
			return err
		}
		if tk.ReceivedBy, err = lookup(tk.ReceivedBy); err != nil {
			return err
		}
		if tk.CreatedBy, err = lookup(tk.CreatedBy); err != nil {
			return err
		}
		if tk.UnitID, err = opt(tk.UnitID); err != nil {
			return err
		}
		if tk.PersonID != nil {
			// Owners differ from company to company: the unit's own, if any.
			tk.PersonID = nil
			if tk.UnitID != nil {
				if p, ok := c.owners[*tk.UnitID]; ok {
					tk.PersonID = &p
				}
			}
		}
		if tk.CategoryID, err = opt(tk.CategoryID); err != nil {
			return err
		}
		if tk.TeamID, err = opt(tk.TeamID); err != nil {
			return err
		}
		if tk.AssigneeID, err = opt(tk.AssigneeID); err != nil {
			return err
		}
		out[i] = tk
	}
	counters := make([]ticketCounter, len(s.counters))
	for i, ct := range s.counters {
		ct.TenantID = c.id
		counters[i] = ct
	}
	if svc.db.Postgres() {
		return copyTickets(ctx, svc, out, counters)
	}
	return svc.db.InTenant(ctx, c.id, func(ctx context.Context, tx bun.Tx) error {
		for lo := 0; lo < len(out); lo += 500 {
			batch := out[lo:min(lo+500, len(out))]
			if _, err := tx.NewInsert().Model(&batch).Exec(ctx); err != nil {
				return err
			}
		}
		if len(counters) == 0 {
			return nil
		}
		_, err := tx.NewInsert().Model(&counters).Exec(ctx)
		return err
	})
}

// copyTickets writes the tickets with COPY, several times faster than
// multi-row INSERTs of 40 columns. COPY does not work under row-level
// security, so it connects as the URL's own user (the schema owner).
func copyTickets(ctx context.Context, svc *services, tks []ticket.Ticket, counters []ticketCounter) error {
	cols := []string{"tenant_id", "id", "number", "estate_id", "unit_id", "person_id", "caller_name", "caller_phone",
		"channel", "type", "category_id", "priority", "major", "status", "description", "preferred_time", "received_by",
		"created_by", "team_id", "assignee_id", "dispatch_mode", "sla_gen", "response_due", "resolve_due", "responded_at",
		"completed_at", "closed_at", "hold_since", "warned_at", "response_breached_at", "resolve_breached_at",
		"callback_state", "callback_due", "callback_attempts", "followed_up_at", "followup_missed", "satisfaction",
		"reopen_count", "created_at", "updated_at"}
	id := func(u *uuid.UUID) any {
		if u == nil {
			return nil
		}
		return u.String()
	}
	ts := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return *t
	}
	rows := make([][]any, len(tks))
	for i := range tks {
		t := &tks[i]
		rows[i] = []any{t.TenantID.String(), t.ID.String(), t.Number, t.EstateID.String(), id(t.UnitID), id(t.PersonID),
			t.CallerName, t.CallerPhone, string(t.Channel), string(t.Type), id(t.CategoryID), string(t.Priority), t.Major,
			string(t.Status), t.Description, t.PreferredTime, t.ReceivedBy.String(), t.CreatedBy.String(), id(t.TeamID),
			id(t.AssigneeID), string(t.DispatchMode), t.SLAGen, ts(t.ResponseDue), ts(t.ResolveDue), ts(t.RespondedAt),
			ts(t.CompletedAt), ts(t.ClosedAt), ts(t.HoldSince), ts(t.WarnedAt), ts(t.ResponseBreachedAt),
			ts(t.ResolveBreachedAt), t.CallbackState, ts(t.CallbackDue), t.CallbackAttempts, ts(t.FollowedUpAt),
			t.FollowupMissed, t.Satisfaction, t.ReopenCount, t.CreatedAt, t.UpdatedAt}
	}
	conn, err := pgx.Connect(ctx, svc.cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"tickets"}, cols, pgx.CopyFromRows(rows)); err != nil {
		return err
	}
	for _, ct := range counters {
		if _, err := tx.Exec(ctx, "INSERT INTO ticket_counters (tenant_id, day, next_seq) VALUES ($1, $2, $3)",
			ct.TenantID.String(), ct.Day, ct.NextSeq); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}
