package fee_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// clock is a controllable time shared by the service and the job client.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now is the time set, or the wall clock's when none is (benchmarks).
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now.IsZero() {
		return time.Now()
	}
	return c.now
}

func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// fixture: tenant alpha with estate 东区 (buildings 1 and 2) and 西区, the
// units below; tenant bravo with one estate and unit.
//
//	1-101 home 89.50 m² occupied    1-102 home 120.00 m² vacant
//	1-103 shop 45.25 m² occupied    2-201 home 100.00 m² occupied
type fixture struct {
	ctx                    context.Context
	db                     *database.DB
	clock                  *clock
	jobs                   *job.Client
	svc                    *fee.Service
	alpha                  *tenant.Tenant
	bravo                  *tenant.Tenant
	east                   *estate.Estate
	west                   *estate.Estate
	b1, b2                 *estate.Building
	units                  map[string]*estate.Unit // by code
	manager, clerk, clerk2 fee.Actor
	// westClerk sees only 西区.
	westClerk fee.Actor
	bravoUnit *estate.Unit
	bravoMgr  fee.Actor
}

func setup(t *testing.T) *fixture {
	t.Helper()
	return setupOn(t, dbtest.New(t), 2)
}

// setupOn is setup on a database of the caller's, with runs writing
// runBatch bills per transaction.
func setupOn(t *testing.T, db *database.DB, runBatch int) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{ctx: ctx, db: db, clock: &clock{now: time.Date(2026, 3, 10, 10, 0, 0, 0, shanghai)}, units: map[string]*estate.Unit{}}
	var err error
	f.jobs, err = job.New(f.db, job.Options{Now: f.clock.Now, Logger: quiet})
	must(t, err)
	f.svc, err = fee.NewService(f.db, f.jobs, fee.Options{Now: f.clock.Now, RunBatch: runBatch})
	must(t, err)
	f.alpha = f.tenant(t, "alpha")
	f.bravo = f.tenant(t, "bravo")
	f.east = f.estate(t, f.alpha, "东区")
	f.west = f.estate(t, f.alpha, "西区")
	f.b1 = f.building(t, f.alpha, f.east, "1", 1)
	f.b2 = f.building(t, f.alpha, f.east, "2", 2)
	f.unit(t, f.alpha, f.b1, "101", estate.Home, 8950, estate.Occupied)
	f.unit(t, f.alpha, f.b1, "102", estate.Home, 12000, estate.Vacant)
	f.unit(t, f.alpha, f.b1, "103", estate.Shop, 4525, estate.Occupied)
	f.unit(t, f.alpha, f.b2, "201", estate.Home, 10000, estate.Occupied)
	all := estate.Scope{All: true}
	f.manager = fee.Actor{UserID: uuid.Must(uuid.NewV7()), Scope: all}
	f.clerk = fee.Actor{UserID: uuid.Must(uuid.NewV7()), Scope: estate.Scope{EstateIDs: []uuid.UUID{f.east.ID}}}
	f.clerk2 = fee.Actor{UserID: uuid.Must(uuid.NewV7()), Scope: estate.Scope{EstateIDs: []uuid.UUID{f.east.ID}}}
	f.westClerk = fee.Actor{UserID: uuid.Must(uuid.NewV7()), Scope: estate.Scope{EstateIDs: []uuid.UUID{f.west.ID}}}
	be := f.estate(t, f.bravo, "北区")
	f.bravoUnit = f.unit(t, f.bravo, f.building(t, f.bravo, be, "9", 1), "901", estate.Home, 5000, estate.Occupied)
	f.bravoMgr = fee.Actor{UserID: uuid.Must(uuid.NewV7()), Scope: all}
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
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

func (f *fixture) building(t *testing.T, tn *tenant.Tenant, e *estate.Estate, name string, order int) *estate.Building {
	now := time.Now().UTC()
	b := &estate.Building{TenantID: tn.ID, ID: uuid.Must(uuid.NewV7()), EstateID: e.ID, Name: name, Floors: 10, SortOrder: order, CreatedAt: now, UpdatedAt: now}
	must(t, f.db.InTenant(f.ctx, tn.ID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(b).Exec(ctx)
		return err
	}))
	return b
}

func (f *fixture) unit(t testing.TB, tn *tenant.Tenant, b *estate.Building, number string, kind estate.UnitKind, area estate.Area, status estate.UnitStatus) *estate.Unit {
	now := time.Now().UTC()
	u := &estate.Unit{TenantID: tn.ID, ID: uuid.Must(uuid.NewV7()), EstateID: b.EstateID, BuildingID: b.ID, Floor: 1, Number: number,
		Code: estate.UnitCode(b.Name, "", number), Kind: kind, Area: area, Status: status, CreatedAt: now, UpdatedAt: now}
	must(t, f.db.InTenant(f.ctx, tn.ID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(u).Exec(ctx)
		return err
	}))
	if tn == f.alpha {
		f.units[u.Code] = u
	}
	return u
}

func (f *fixture) item(t *testing.T, in fee.ItemInput) *fee.Item {
	t.Helper()
	if in.DueDay == 0 {
		in.DueDay = 15
	}
	if in.VacantPercent == 0 {
		in.VacantPercent = 100
	}
	it, err := f.svc.CreateItem(f.ctx, f.alpha.ID, f.manager.Scope, f.east.ID, in)
	must(t, err)
	return it
}

func (f *fixture) rate(t *testing.T, it *fee.Item, kind estate.UnitKind, from, yuan string, tiers ...fee.Tier) {
	t.Helper()
	p, err := fee.ParsePrice(yuan)
	must(t, err)
	_, err = f.svc.AddRate(f.ctx, f.alpha.ID, f.manager, it.ID, fee.RateInput{UnitKind: kind, EffectiveFrom: from, Price: p, Tiers: tiers})
	must(t, err)
}

// run starts a billing run, works its job and returns the finished run.
func (f *fixture) run(t *testing.T, period string) *fee.Run {
	t.Helper()
	r, err := f.svc.StartRun(f.ctx, f.alpha.ID, f.manager, f.east.ID, period)
	must(t, err)
	must(t, f.jobs.RunPending(f.ctx))
	r, err = f.svc.Run(f.ctx, f.alpha.ID, f.manager.Scope, r.ID)
	must(t, err)
	if r.Status != fee.RunDone {
		var errs []string
		_ = f.db.ReadTenant(f.ctx, f.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw("SELECT errors::text FROM river_job WHERE kind = 'fee_billing_run' AND errors IS NOT NULL").Scan(ctx, &errs)
		})
		t.Fatalf("run %s: %s %s %v", period, r.Status, r.Error, errs)
	}
	return r
}

// bills are every bill of the tenant, by unit code and item name.
func (f *fixture) bills(t *testing.T) map[string]fee.Bill {
	t.Helper()
	out := map[string]fee.Bill{}
	for code, u := range f.units {
		ac, err := f.svc.Account(f.ctx, f.alpha.ID, f.manager.Scope, u.ID)
		must(t, err)
		for _, b := range ac.Bills {
			out[fmt.Sprintf("%s %s %s", code, f.itemName(t, b.ItemID), b.Period)] = b
		}
	}
	return out
}

func (f *fixture) itemName(t *testing.T, id uuid.UUID) string {
	it, _, err := f.svc.Item(f.ctx, f.alpha.ID, f.manager.Scope, id)
	must(t, err)
	return it.Name
}

// standard sets up the east estate's items: 物业费 by area (¥2.35/m² for
// homes, ¥5.00 for shops, vacant units 70%), 车位费 ¥150 per space (1-101
// has one), 水费 by meter at ¥3.45 with 2-201 read.
func (f *fixture) standard(t *testing.T) (area, parking, water *fee.Item) {
	area = f.item(t, fee.ItemInput{Name: "物业费", Kind: fee.ByArea, VacantPercent: 70, SortOrder: 1})
	f.rate(t, area, "", "2026-01-01", "2.35")
	f.rate(t, area, estate.Shop, "2026-01-01", "5.00")
	parking = f.item(t, fee.ItemInput{Name: "车位费", Kind: fee.FixedParking, SortOrder: 2})
	f.rate(t, parking, "", "2026-01-01", "150")
	u := f.units["1-101"].ID
	_, err := f.svc.SaveParkingSpace(f.ctx, f.alpha.ID, f.manager.Scope, f.east.ID, nil, fee.ParkingInput{Code: "B1-001", UnitID: &u})
	must(t, err)
	water = f.item(t, fee.ItemInput{Name: "水费", Kind: fee.ByMeter, SortOrder: 3})
	f.rate(t, water, "", "2026-01-01", "3.45")
	f.reading(t, water, "2-201", "2026-02", 10000, false, 0)
	f.reading(t, water, "2-201", "2026-03", 11234, false, 0)
	return area, parking, water
}

func (f *fixture) reading(t *testing.T, it *fee.Item, unit, period string, value int64, replaced bool, start int64) {
	t.Helper()
	_, err := f.svc.RecordReading(f.ctx, f.alpha, f.manager, fee.ReadingInput{UnitID: f.units[unit].ID, ItemID: it.ID, Period: period,
		Value: value, Replaced: replaced, Start: start})
	must(t, err)
}

// A run's totals are the sum of its bills, the preview announced them,
// and a second run of the period creates nothing and says so.
func TestRunTotalsAndRerun(t *testing.T) {
	f := setup(t)
	f.standard(t)
	pre, err := f.svc.Preview(f.ctx, f.alpha.ID, f.clerk.Scope, f.east.ID, "2026-03")
	must(t, err)
	// 物业费: 1-101 210.33, 1-102 vacant 120×2.35×0.7 = 197.40, 1-103
	// 45.25×5 = 226.25, 2-201 235.00; 车位费 1-101 150.00; 水费 2-201
	// 12.34 m³ × 3.45 = 42.57.
	want := map[string]int64{
		"1-101 物业费 2026-03": 21033, "1-102 物业费 2026-03": 19740, "1-103 物业费 2026-03": 22625, "2-201 物业费 2026-03": 23500,
		"1-101 车位费 2026-03": 15000, "2-201 水费 2026-03": 4257,
	}
	var total int64
	for _, v := range want {
		total += v
	}
	if pre.Bills != 6 || pre.TotalFen != total || pre.Existing != 0 || len(pre.Lines) != 4 {
		t.Fatalf("preview %+v", pre)
	}
	if l := pre.Lines[0]; l.Building != "1" || l.Item != "物业费" || l.Bills != 3 || l.TotalFen != 21033+19740+22625 {
		t.Errorf("first line %+v", l)
	}
	// Parking and water skip units without a space or a reading.
	if pre.Skipped[fee.SkipNothing] != 3 || pre.Skipped[fee.SkipNoReading] != 3 {
		t.Errorf("skipped %+v", pre.Skipped)
	}
	if n := len(f.bills(t)); n != 0 {
		t.Fatalf("the preview wrote %d bills", n)
	}

	r := f.run(t, "2026-03")
	if r.Created != 6 || r.Existing != 0 || r.TotalFen != total || r.Planned != 6 || r.Done != 6 || r.Summary.TotalFen != total {
		t.Fatalf("run %+v", r)
	}
	bills := f.bills(t)
	var sum int64
	for k, b := range bills {
		if b.AmountFen != want[k] || b.RunID == nil || *b.RunID != r.ID || b.Status != fee.Open || b.DueDate != "2026-03-15" {
			t.Errorf("%s: %+v, want %d", k, b, want[k])
		}
		sum += b.AmountFen
	}
	if len(bills) != 6 || sum != r.TotalFen {
		t.Errorf("%d bills, sum %d, run total %d", len(bills), sum, r.TotalFen)
	}

	again := f.run(t, "2026-03")
	if again.Created != 0 || again.Existing != 6 || again.TotalFen != 0 || len(f.bills(t)) != 6 {
		t.Errorf("rerun %+v", again)
	}
	pre, err = f.svc.Preview(f.ctx, f.alpha.ID, f.manager.Scope, f.east.ID, "2026-03")
	must(t, err)
	if pre.Bills != 0 || pre.Existing != 6 || pre.TotalFen != 0 {
		t.Errorf("preview after the run %+v", pre)
	}
	// Another cycle's period bills nothing of the monthly items.
	if q := f.run(t, "2026-Q2"); q.Created != 0 || q.Planned != 0 {
		t.Errorf("quarter %+v", q)
	}
}

// A new rate prices the periods from its day on; bills made before keep
// their amounts, and a mid-period rate waits for the next period.
func TestRateChangeAppliesFromItsDate(t *testing.T) {
	f := setup(t)
	area := f.item(t, fee.ItemInput{Name: "物业费", Kind: fee.ByArea})
	f.rate(t, area, "", "2026-01-01", "2.35")
	f.run(t, "2026-03")
	f.rate(t, area, "", "2026-04-01", "2.80")
	f.rate(t, area, "", "2026-05-10", "3.00")
	f.run(t, "2026-03")
	f.run(t, "2026-04")
	f.run(t, "2026-05")
	f.run(t, "2026-06")
	bills := f.bills(t)
	for k, want := range map[string]int64{
		"2-201 物业费 2026-03": 23500, "2-201 物业费 2026-04": 28000, "2-201 物业费 2026-05": 28000, "2-201 物业费 2026-06": 30000,
		"1-101 物业费 2026-03": 21033, "1-101 物业费 2026-04": 25060,
	} {
		if b, ok := bills[k]; !ok || b.AmountFen != want {
			t.Errorf("%s: %d, want %d", k, b.AmountFen, want)
		}
	}
	if _, err := f.svc.AddRate(f.ctx, f.alpha.ID, f.manager, area.ID, fee.RateInput{EffectiveFrom: "2026-04-01", Price: 1}); !errors.Is(err, fee.ErrRateExists) {
		t.Errorf("same day twice: %v", err)
	}
}

// An attempt that continues an interrupted run counts the bills the
// earlier attempt wrote: the outcome is read back from the run's bills.
func TestRunContinuesAnInterruptedAttempt(t *testing.T) {
	f := setup(t)
	area := f.item(t, fee.ItemInput{Name: "物业费", Kind: fee.FixedUnit})
	f.rate(t, area, "", "2026-01-01", "100")
	r, err := f.svc.StartRun(f.ctx, f.alpha.ID, f.manager, f.east.ID, "2026-03")
	must(t, err)
	// What the first attempt wrote before the process died.
	u := f.units["1-102"]
	now := f.clock.Now()
	must(t, f.db.InTenant(f.ctx, f.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&fee.Bill{TenantID: f.alpha.ID, ID: uuid.Must(uuid.NewV7()), EstateID: f.east.ID, BuildingID: u.BuildingID,
			UnitID: u.ID, ItemID: area.ID, Period: "2026-03", PeriodStart: "2026-03-01", PeriodEnd: "2026-04-01", Quantity: 100, Price: 1000000,
			AmountFen: 10000, DueDate: "2026-03-15", Status: fee.Open, RunID: &r.ID, CreatedAt: now, UpdatedAt: now}).Exec(ctx)
		if err != nil {
			return err
		}
		_, err = tx.NewUpdate().Model(r).Set("status = ?", fee.RunRunning).Set("done = 1").WherePK().Exec(ctx)
		return err
	}))
	must(t, f.jobs.RunPending(f.ctx))
	r, err = f.svc.Run(f.ctx, f.alpha.ID, f.manager.Scope, r.ID)
	must(t, err)
	if r.Status != fee.RunDone || r.Created != 4 || r.Existing != 0 || r.TotalFen != 40000 || len(f.bills(t)) != 4 {
		t.Errorf("run %+v", r)
	}
}
