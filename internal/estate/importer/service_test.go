package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type fixture struct {
	db     *database.DB
	svc    *Service
	jobs   *job.Client
	t      *tenant.Tenant
	estate *estate.Estate
	all    estate.Scope
	user   uuid.UUID
}

// quiet keeps River's warnings (a job failing on purpose) out of the output.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func setup(t testing.TB, plan string) *fixture {
	t.Helper()
	ctx := context.Background()
	db := dbtest.New(t)
	tn, err := tenant.New("acme", "Acme 物业", plan, "Asia/Shanghai", tenant.Active)
	must(t, err)
	must(t, db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error { return tenant.Insert(ctx, tx, tn) }))
	e := &estate.Estate{TenantID: tn.ID, Name: "东区"}
	must(t, db.InTenant(ctx, tn.ID, func(ctx context.Context, tx bun.Tx) error { return estate.Insert(ctx, tx, e) }))
	f := &fixture{db: db, t: tn, estate: e, all: estate.Scope{All: true}, user: uuid.Must(uuid.NewV7())}
	f.jobs, f.svc = f.newClient(t, nil)
	return f
}

// newClient is what a process does at start: a job client and the
// importer's workers on it.
func (f *fixture) newClient(t testing.TB, now func() time.Time) (*job.Client, *Service) {
	t.Helper()
	jobs, err := job.New(f.db, job.Options{Now: now, Logger: quiet})
	must(t, err)
	svc, err := NewService(f.db, tenant.DefaultPlanLimits(), jobs)
	must(t, err)
	return jobs, svc
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// counts are the rows of each portfolio table of the tenant.
type counts struct{ buildings, units, persons, phones, links, imports int }

func (f *fixture) counts(t testing.TB) counts {
	t.Helper()
	var c counts
	must(t, f.db.ReadTenant(context.Background(), f.t.ID, func(ctx context.Context, tx bun.Tx) error {
		for table, dst := range map[string]*int{"buildings": &c.buildings, "units": &c.units, "persons": &c.persons,
			"person_phones": &c.phones, "unit_persons": &c.links, "imports": &c.imports} {
			n, err := tx.NewSelect().TableExpr(table).Where("tenant_id = ?", f.t.ID).Count(ctx)
			if err != nil {
				return err
			}
			*dst = int(n)
		}
		return nil
	}))
	return c
}

func (f *fixture) run(t testing.TB, content []byte, opts Options, dryRun bool) *Result {
	t.Helper()
	res, err := f.svc.Run(context.Background(), f.t, f.estate.ID, Run{Filename: "units.csv", Content: content, Options: opts, DryRun: dryRun, Lang: "zh-CN"})
	must(t, err)
	return res
}

func (f *fixture) unit(t testing.TB, building, entrance, number string) *estate.Unit {
	t.Helper()
	u := new(estate.Unit)
	must(t, f.db.ReadTenant(context.Background(), f.t.ID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(u).Where("tenant_id = ? AND code = ?", f.t.ID, estate.UnitCode(building, entrance, number)).Scan(ctx)
	}))
	return u
}

// Every format applies the same: buildings, units, people, phones, links.
func TestApplyEachFormat(t *testing.T) {
	for name, content := range map[string]func(t testing.TB) []byte{
		"csv utf-8":     func(t testing.TB) []byte { return csvOf(t, sample) },
		"csv utf-8 bom": func(t testing.TB) []byte { return append(append([]byte{}, bomUTF8...), csvOf(t, sample)...) },
		"csv gbk":       func(t testing.TB) []byte { return gbk(t, csvOf(t, sample)) },
		"xlsx":          func(t testing.TB) []byte { return xlsxOf(t, sample) },
		// Old Mac line ends; a building merged down its rows.
		"csv cr-only": func(t testing.TB) []byte { return bytes.ReplaceAll(csvOf(t, sample), []byte("\r\n"), []byte("\r")) },
		"xlsx merged": func(t testing.TB) []byte { return mergedBook(t, sample, "A2:A4", "B2:B3", "C2:C3", "D2:D3") },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, "growth")
			dry := f.run(t, content(t), Options{}, true)
			if dry.Report.Count() != 0 || dry.Import != nil {
				t.Fatalf("dry run: %+v", dry.Report)
			}
			want := Summary{Rows: 4, BuildingsNew: 2, UnitsNew: 3, PeopleNew: 3, LinksNew: 3}
			if dry.Summary != want {
				t.Errorf("dry-run summary %+v, want %+v", dry.Summary, want)
			}
			if c := f.counts(t); c != (counts{}) {
				t.Fatalf("the dry run wrote %+v", c)
			}
			res := f.run(t, content(t), Options{}, false)
			if res.Report.Count() != 0 || res.Summary != want || res.Import == nil || res.Import.Status != Applied {
				t.Fatalf("apply: %+v %+v", res.Report, res.Summary)
			}
			if c := f.counts(t); c != (counts{buildings: 2, units: 3, persons: 3, phones: 3, links: 3, imports: 1}) {
				t.Errorf("counts %+v", c)
			}
			u := f.unit(t, "1", "1", "1501")
			if u.Floor != 15 || u.Kind != estate.Home || u.Area != 8950 || u.Status != estate.Occupied || u.EstateID != f.estate.ID {
				t.Errorf("unit %+v", u)
			}
			if u := f.unit(t, "商业楼", "", "101"); u.Kind != estate.Shop || u.Area != 4525 || u.Code != "商业楼-101" {
				t.Errorf("shop %+v", u)
			}
			d, err := estate.NewService(f.db, tenant.DefaultPlanLimits(), 0).GetUnit(context.Background(), f.t.ID, f.all, u.ID)
			must(t, err)
			if len(d.Occupants) != 2 || d.Occupants[0].Person.Name != "张伟" || strings.Join(d.Occupants[0].Person.Phones, ",") != "13800138000,02162345678" ||
				d.Occupants[1].Link.Relation != estate.FamilyRel {
				t.Errorf("occupants %+v", d.Occupants)
			}
		})
	}
}

// Each listed error is reported with row, column and reason, and nothing
// is written.
func TestProblemsChangeNothing(t *testing.T) {
	head := []string{"楼栋", "单元", "楼层", "房号", "类型", "面积", "状态", "业主姓名", "业主电话", "关系"}
	good := []string{"1", "1", "15", "1501", "住宅", "89.5", "已入住", "张伟", "13800138000", "业主"}
	cases := []struct {
		name string
		rows [][]string
		opts Options
		want Problem
	}{
		{"missing column", [][]string{{"楼栋", "楼层", "房号"}, {"1", "15", "1501"}}, Options{},
			Problem{Row: 1, Column: "面积", Code: CodeMissingColumn}},
		{"duplicate unit", [][]string{head, good, good}, Options{},
			Problem{Row: 3, Column: "房号", Code: CodeDuplicateUnit, Value: "1501", FirstRow: 2}},
		{"bad area", [][]string{head, {"1", "1", "15", "1501", "住宅", "89.555", "", "", "", ""}}, Options{},
			Problem{Row: 2, Column: "面积", Code: CodeInvalidArea, Value: "89.555"}},
		{"bad phone", [][]string{head, {"1", "1", "15", "1501", "住宅", "89.5", "", "张伟", "1380013800", ""}}, Options{},
			Problem{Row: 2, Column: "业主电话", Code: CodeInvalidPhone, Value: "1380013800"}},
		{"unknown building", [][]string{head, good}, Options{ExistingBuildings: true},
			Problem{Row: 2, Column: "楼栋", Code: CodeUnknownBuilding, Value: "1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, "growth")
			for _, dry := range []bool{true, false} {
				res := f.run(t, csvOf(t, c.rows), c.opts, dry)
				if len(res.Report.Problems) != 1 || res.Report.Problems[0] != c.want || res.Import != nil {
					t.Errorf("dry run %v: %+v, want %+v", dry, res.Report.Problems, c.want)
				}
			}
			if n := f.counts(t); n != (counts{}) {
				t.Errorf("wrote %+v", n)
			}
		})
	}
}

// In strict mode a building the estate has is fine; one it lacks is not.
func TestExistingBuildingsOnly(t *testing.T) {
	f := setup(t, "growth")
	_, err := estate.NewService(f.db, tenant.DefaultPlanLimits(), 0).CreateBuilding(context.Background(), f.t.ID, f.all, f.estate.ID, estate.BuildingInput{Name: "1"})
	must(t, err)
	res := f.run(t, csvOf(t, sample), Options{ExistingBuildings: true}, true)
	if len(res.Report.Problems) != 1 || res.Report.Problems[0].Code != CodeUnknownBuilding || res.Report.Problems[0].Row != 5 ||
		res.Report.Problems[0].Value != "商业楼" {
		t.Errorf("problems %+v", res.Report.Problems)
	}
}

// Over the plan's limit is a file-level problem naming plan and limit; the
// units already there count.
func TestPlanLimit(t *testing.T) {
	f := setup(t, "starter") // 2,000 units
	rows := [][]string{{"building", "floor", "number", "area"}}
	for i := range 1990 {
		rows = append(rows, []string{fmt.Sprint(1 + i/1000), fmt.Sprint(1 + i%1000/10), fmt.Sprint(1000 + i), "80"})
	}
	res := f.run(t, csvOf(t, rows), Options{}, false)
	if res.Report.Count() != 0 || f.counts(t).units != 1990 {
		t.Fatalf("1,990 units: %+v", res.Report.Problems)
	}
	more := append(rows, []string{"9", "1", "1", "80"}, []string{"9", "1", "2", "80"}, []string{"9", "1", "3", "80"},
		[]string{"9", "1", "4", "80"}, []string{"9", "1", "5", "80"}, []string{"9", "1", "6", "80"}, []string{"9", "1", "7", "80"},
		[]string{"9", "1", "8", "80"}, []string{"9", "1", "9", "80"}, []string{"9", "1", "10", "80"}, []string{"9", "1", "11", "80"})
	res = f.run(t, csvOf(t, more), Options{}, false)
	want := Problem{Code: CodePlanLimit, Plan: "starter", Limit: 2000, Current: 1990, Adding: 11}
	if len(res.Report.Problems) != 1 || res.Report.Problems[0] != want {
		t.Fatalf("problems %+v, want %+v", res.Report.Problems, want)
	}
	if c := f.counts(t); c.units != 1990 || c.buildings != 2 {
		t.Errorf("wrote past the limit: %+v", c)
	}
	// Ten more fit exactly.
	res = f.run(t, csvOf(t, more[:len(more)-1]), Options{}, false)
	if res.Report.Count() != 0 || f.counts(t).units != 2000 {
		t.Errorf("2,000 units: %+v", res.Report.Problems)
	}
}

// Importing the same file twice changes nothing; an edited area updates
// that unit only.
func TestReimportIsIdempotent(t *testing.T) {
	f := setup(t, "growth")
	f.run(t, csvOf(t, sample), Options{}, false)
	before := f.counts(t)
	res := f.run(t, xlsxOf(t, sample), Options{}, false) // the same data, another format
	if res.Summary.Changes() || res.Summary.UnitsUnchanged != 3 || res.Summary.PeopleMatched != 3 || res.Summary.LinksUnchanged != 3 {
		t.Errorf("second import: %+v", res.Summary)
	}
	after := f.counts(t)
	before.imports++
	if after != before {
		t.Errorf("counts %+v, want %+v", after, before)
	}
	u := f.unit(t, "1", "2", "302")

	edited := [][]string{sample[0], sample[1], sample[2], append([]string{}, sample[3]...), sample[4]}
	edited[3][5] = "121.25"
	res = f.run(t, csvOf(t, edited), Options{}, false)
	want := Summary{Rows: 4, UnitsUpdated: 1, UnitsUnchanged: 2, PeopleMatched: 3, LinksUnchanged: 3}
	if res.Summary != want {
		t.Errorf("edited: %+v, want %+v", res.Summary, want)
	}
	if u2 := f.unit(t, "1", "2", "302"); u2.Area != 12125 || u2.ID != u.ID || !u2.CreatedAt.Equal(u.CreatedAt) {
		t.Errorf("updated unit %+v (was %+v)", u2, u)
	}
	after.imports++
	if c := f.counts(t); c != after {
		t.Errorf("counts %+v, want %+v", c, after)
	}
}

// People are matched by name and phone across units and with people
// already stored; new phones of a known person are added to them.
func TestPeopleMatching(t *testing.T) {
	f := setup(t, "growth")
	ctx := context.Background()
	es := estate.NewService(f.db, tenant.DefaultPlanLimits(), 0)
	b, err := es.CreateBuilding(ctx, f.t.ID, f.all, f.estate.ID, estate.BuildingInput{Name: "9"})
	must(t, err)
	_, err = es.AddUnits(ctx, f.t, f.all, b.ID, estate.UnitRange{FromFloor: 1, ToFloor: 1, PerFloor: 1})
	must(t, err)
	known, err := es.AddPerson(ctx, f.t.ID, f.all, f.unit(t, "9", "", "101").ID, estate.PersonInput{Name: "赵敏", Phones: []string{"13700137000"}},
		estate.LinkInput{Relation: estate.OwnerRel})
	must(t, err)

	res := f.run(t, csvOf(t, [][]string{
		{"楼栋", "楼层", "房号", "面积", "业主姓名", "业主电话", "关系"},
		{"1", "1", "101", "80", "赵敏", "13700137000;13600136000", "业主"}, // the known person, one more phone
		{"1", "1", "102", "80", "赵敏", "13600136000", "业主"},             // her again, by the new phone
		{"1", "1", "103", "80", "赵敏", "13500135000", "租户"},             // a namesake with another phone
		{"1", "1", "104", "80", "钱进", "", "业主"},                        // no phone: one per unit
		{"1", "1", "105", "80", "钱进", "", "业主"},
	}), Options{}, false)
	want := Summary{Rows: 5, BuildingsNew: 1, UnitsNew: 5, PeopleNew: 3, PeopleMatched: 1, PhonesNew: 1, LinksNew: 5}
	if res.Report.Count() != 0 || res.Summary != want {
		t.Fatalf("%+v %+v, want %+v", res.Report.Problems, res.Summary, want)
	}
	p, err := es.GetPerson(ctx, f.t.ID, f.all, known.ID)
	must(t, err)
	if strings.Join(p.Person.Phones, ",") != "13700137000,13600136000" || len(p.Units) != 3 {
		t.Errorf("known person: phones %v, %d units", p.Person.Phones, len(p.Units))
	}
	// The same again matches everyone and changes nothing.
	res = f.run(t, csvOf(t, [][]string{
		{"楼栋", "楼层", "房号", "面积", "业主姓名", "业主电话", "关系"},
		{"1", "1", "101", "80", "赵敏", "13700137000;13600136000", "业主"},
		{"1", "1", "102", "80", "赵敏", "13600136000", "业主"},
		{"1", "1", "103", "80", "赵敏", "13500135000", "租户"},
		{"1", "1", "104", "80", "钱进", "", "业主"},
		{"1", "1", "105", "80", "钱进", "", "业主"},
	}), Options{}, false)
	if res.Summary.Changes() || res.Summary.PeopleMatched != 4 {
		t.Errorf("again: %+v", res.Summary)
	}
}

var errBoom = errors.New("boom")

// clock is a test's time for River: it moves only when told, so that
// retries come due without waiting.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// newClock starts at a whole second: SQLite keeps River's times to the
// millisecond, rounded, and a job stored a fraction of a millisecond after
// a frozen clock would never come due.
func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// An apply that fails midway leaves nothing behind.
func TestApplyIsAllOrNothing(t *testing.T) {
	for _, phase := range []string{"units", "persons", "links"} {
		t.Run(phase, func(t *testing.T) {
			t.Parallel()
			f := setup(t, "growth")
			f.svc.fault = func(p string) error {
				if p == phase {
					return errBoom
				}
				return nil
			}
			_, err := f.svc.Run(context.Background(), f.t, f.estate.ID, Run{Content: csvOf(t, sample)})
			if !errors.Is(err, errBoom) {
				t.Fatalf("err %v", err)
			}
			if c := f.counts(t); c != (counts{}) {
				t.Errorf("left behind %+v", c)
			}
		})
	}
}

// The web's way: upload queues the dry run, confirming queues the apply,
// both as jobs; progress reaches the total.
func TestJobsValidateThenApply(t *testing.T) {
	f := setup(t, "growth")
	ctx := context.Background()
	im, err := f.svc.Upload(ctx, f.t, f.all, f.estate.ID, Upload{Filename: `C:\Users\me\房屋.csv`, Content: gbk(t, csvOf(t, sample)), Lang: "en", UserID: f.user})
	must(t, err)
	if im.Status != Validating || im.Filename != "房屋.csv" {
		t.Fatalf("uploaded %+v", im)
	}
	if _, err := f.svc.Apply(ctx, f.t.ID, f.all, im.ID); !errors.Is(err, ErrNotReady) {
		t.Errorf("apply before validation: %v", err)
	}
	must(t, f.jobs.RunPending(ctx))
	got, err := f.svc.Get(ctx, f.t.ID, f.all, im.ID)
	must(t, err)
	if got.Status != Validated || got.TotalRows != 4 || got.Summary.UnitsNew != 3 || got.Report.Count() != 0 || got.Lang != "en" || got.CreatedBy != f.user {
		t.Fatalf("validated %+v", got)
	}
	if c := f.counts(t); c.units != 0 {
		t.Fatalf("validation wrote units")
	}
	_, err = f.svc.Apply(ctx, f.t.ID, f.all, im.ID)
	must(t, err)
	if _, err := f.svc.Apply(ctx, f.t.ID, f.all, im.ID); !errors.Is(err, ErrNotReady) {
		t.Errorf("second confirmation: %v", err)
	}
	must(t, f.jobs.RunPending(ctx))
	got, err = f.svc.Get(ctx, f.t.ID, f.all, im.ID)
	must(t, err)
	if got.Status != Applied || got.DoneRows != 4 || got.Percent() != 100 || got.Summary.UnitsNew != 3 {
		t.Fatalf("applied %+v", got)
	}
	if c := f.counts(t); c != (counts{buildings: 2, units: 3, persons: 3, phones: 3, links: 3, imports: 1}) {
		t.Errorf("counts %+v", c)
	}
	_, list, err := f.svc.List(ctx, f.t.ID, f.all, f.estate.ID)
	must(t, err)
	if len(list) != 1 || list[0].ID != im.ID || list[0].Status != Applied {
		t.Errorf("list %+v", list)
	}

	// A file with problems ends invalid, with its report.
	bad, err := f.svc.Upload(ctx, f.t, f.all, f.estate.ID, Upload{Filename: "bad.csv", Content: csvOf(t, [][]string{{"楼栋", "楼层", "房号"}, {"1", "1", "1"}}), UserID: f.user})
	must(t, err)
	must(t, f.jobs.RunPending(ctx))
	got, err = f.svc.Get(ctx, f.t.ID, f.all, bad.ID)
	must(t, err)
	if got.Status != Invalid || len(got.Report.Problems) != 1 || got.Report.Problems[0].Code != CodeMissingColumn {
		t.Errorf("invalid %+v", got)
	}
	if _, err := f.svc.Apply(ctx, f.t.ID, f.all, bad.ID); !errors.Is(err, ErrNotReady) {
		t.Errorf("apply an invalid import: %v", err)
	}
}

// Between the dry run and the apply the estate may change; the apply
// checks again and refuses what no longer fits, writing nothing.
func TestApplyChecksAgain(t *testing.T) {
	f := setup(t, "growth")
	ctx := context.Background()
	im, err := f.svc.Upload(ctx, f.t, f.all, f.estate.ID, Upload{Filename: "u.csv", Content: csvOf(t, sample), Options: Options{ExistingBuildings: true}, UserID: f.user})
	must(t, err)
	es := estate.NewService(f.db, tenant.DefaultPlanLimits(), 0)
	for _, name := range []string{"1", "商业楼"} {
		_, err := es.CreateBuilding(ctx, f.t.ID, f.all, f.estate.ID, estate.BuildingInput{Name: name})
		must(t, err)
	}
	must(t, f.jobs.RunPending(ctx))
	_, err = f.svc.Apply(ctx, f.t.ID, f.all, im.ID)
	must(t, err)
	must(t, es.SetArchived(ctx, f.t, f.estate.ID, true))
	must(t, f.jobs.RunPending(ctx))
	got, err := f.svc.Get(ctx, f.t.ID, f.all, im.ID)
	must(t, err)
	if got.Status != Invalid || got.Report.Problems[0].Code != CodeEstateArchived || !got.Report.Options.ExistingBuildings {
		t.Errorf("%+v", got)
	}
	if c := f.counts(t); c.units != 0 {
		t.Errorf("units written: %+v", c)
	}
}

// A queued job survives its process: the client that enqueued it stops
// before working it, and a new client (a restart) works it.
func TestJobsSurviveRestart(t *testing.T) {
	f := setup(t, "growth")
	ctx := context.Background()
	im, err := f.svc.Upload(ctx, f.t, f.all, f.estate.ID, Upload{Filename: "u.xlsx", Content: xlsxOf(t, sample), UserID: f.user})
	must(t, err)
	// The process ends before its client works the job.
	must(t, f.jobs.Stop(ctx))
	got, err := f.svc.Get(ctx, f.t.ID, f.all, im.ID)
	must(t, err)
	if got.Status != Validating {
		t.Fatalf("before restart: %s", got.Status)
	}

	jobs2, svc2 := f.newClient(t, nil)
	must(t, jobs2.RunPending(ctx))
	got, err = svc2.Get(ctx, f.t.ID, f.all, im.ID)
	must(t, err)
	if got.Status != Validated {
		t.Fatalf("after restart: %s", got.Status)
	}

	// An apply whose first attempt dies midway (a crash, as far as the
	// database can tell) is retried from scratch.
	clock := newClock()
	jobs3, svc3 := f.newClient(t, clock.now)
	_, err = svc3.Apply(ctx, f.t.ID, f.all, im.ID)
	must(t, err)
	attempts := 0
	svc3.fault = func(p string) error {
		if p == "links" {
			attempts++
			return errBoom
		}
		return nil
	}
	must(t, jobs3.RunPending(ctx))
	got, err = svc3.Get(ctx, f.t.ID, f.all, im.ID)
	must(t, err)
	if attempts != 1 || got.Status != Applying || f.counts(t).units != 0 {
		t.Fatalf("after a failed attempt: %d attempts, %s, %+v", attempts, got.Status, f.counts(t))
	}
	svc3.fault = nil
	clock.advance(time.Hour)
	must(t, jobs3.RunPending(ctx))
	got, err = svc3.Get(ctx, f.t.ID, f.all, im.ID)
	must(t, err)
	if got.Status != Applied || f.counts(t).units != 3 {
		t.Errorf("after the retry: %s, %+v", got.Status, f.counts(t))
	}
}

// A job that uses up its attempts marks the import failed, so the page
// stops waiting.
func TestJobGivesUp(t *testing.T) {
	f := setup(t, "growth")
	ctx := context.Background()
	clock := newClock()
	jobs, svc := f.newClient(t, clock.now)
	im, err := svc.Upload(ctx, f.t, f.all, f.estate.ID, Upload{Filename: "u.csv", Content: csvOf(t, sample), UserID: f.user})
	must(t, err)
	must(t, jobs.RunPending(ctx))
	_, err = svc.Apply(ctx, f.t.ID, f.all, im.ID)
	must(t, err)
	attempts := 0
	svc.fault = func(string) error { attempts++; return errBoom }
	for range 6 {
		must(t, jobs.RunPending(ctx))
		clock.advance(24 * time.Hour)
	}
	got, err := svc.Get(ctx, f.t.ID, f.all, im.ID)
	must(t, err)
	if attempts != 5 || got.Status != Failed || len(got.Report.Problems) != 1 || got.Report.Problems[0].Code != CodeFailed || f.counts(t).units != 0 {
		t.Errorf("%d attempts: %+v", attempts, got)
	}
}

// Another tenant's import, or an estate out of scope, is not found.
func TestScope(t *testing.T) {
	f := setup(t, "growth")
	ctx := context.Background()
	im, err := f.svc.Upload(ctx, f.t, f.all, f.estate.ID, Upload{Filename: "u.csv", Content: csvOf(t, sample), UserID: f.user})
	must(t, err)
	none := estate.Scope{EstateIDs: []uuid.UUID{uuid.Must(uuid.NewV7())}}
	if _, err := f.svc.Get(ctx, f.t.ID, none, im.ID); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("get out of scope: %v", err)
	}
	if _, _, err := f.svc.List(ctx, f.t.ID, none, f.estate.ID); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("list out of scope: %v", err)
	}
	if _, err := f.svc.Upload(ctx, f.t, none, f.estate.ID, Upload{Content: []byte("x")}); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("upload out of scope: %v", err)
	}
	other, err := tenant.New("other", "Other", "growth", "Asia/Shanghai", tenant.Active)
	must(t, err)
	must(t, f.db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error { return tenant.Insert(ctx, tx, other) }))
	if _, err := f.svc.Get(ctx, other.ID, f.all, im.ID); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("get from another tenant: %v", err)
	}
	if _, err := f.svc.Apply(ctx, other.ID, f.all, im.ID); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("apply from another tenant: %v", err)
	}
	if _, err := f.svc.Upload(ctx, f.t, f.all, f.estate.ID, Upload{}); !errors.Is(err, ErrNoFile) {
		t.Errorf("empty upload: %v", err)
	}
	if _, err := f.svc.Upload(ctx, f.t, f.all, f.estate.ID, Upload{Content: make([]byte, MaxFileBytes+1)}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("large upload: %v", err)
	}
}

// The command line's progress climbs to the total.
func TestRunProgress(t *testing.T) {
	f := setup(t, "growth")
	var seen []int
	_, err := f.svc.Run(context.Background(), f.t, f.estate.ID, Run{Content: csvOf(t, sample), Progress: func(done, total int) {
		if total != 4 {
			t.Errorf("total %d", total)
		}
		seen = append(seen, done)
	}})
	must(t, err)
	for i := 1; i < len(seen); i++ {
		if seen[i] < seen[i-1] {
			t.Errorf("progress went back: %v", seen)
		}
	}
	if len(seen) == 0 || seen[len(seen)-1] != 4 {
		t.Errorf("progress %v", seen)
	}
}

// While an apply runs, its progress shows: from this process's memory
// (on SQLite the only way, the writer being busy with the apply) and, on
// PostgreSQL, from the imports row that other replicas read.
func TestProgressIsLive(t *testing.T) {
	f := setup(t, "enterprise")
	ctx := context.Background()
	rows := benchRows(20_000)
	im, err := f.svc.Upload(ctx, f.t, f.all, f.estate.ID, Upload{Filename: "big.csv", Content: csvOf(t, rows), UserID: f.user})
	must(t, err)
	f.work(t)
	_, err = f.svc.Apply(ctx, f.t.ID, f.all, im.ID)
	must(t, err)
	f.svc.saveEvery = 0

	seen, stored := map[int]bool{}, map[int]bool{}
	done := make(chan error, 1)
	go func() { done <- f.jobs.RunPending(ctx) }()
	for running := true; running; {
		select {
		case err := <-done:
			must(t, err)
			running = false
		case <-time.After(5 * time.Millisecond):
		}
		got, err := f.svc.Get(ctx, f.t.ID, f.all, im.ID)
		must(t, err)
		seen[got.DoneRows] = true
		var row Import
		must(t, f.db.ReadTenant(ctx, f.t.ID, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewSelect().Model(&row).Column("done_rows").Where("tenant_id = ? AND id = ?", f.t.ID, im.ID).Scan(ctx)
		}))
		stored[row.DoneRows] = true
	}
	between := func(m map[int]bool) (n int) {
		for v := range m {
			if v > 0 && v < 20_000 {
				n++
			}
		}
		return n
	}
	if between(seen) < 2 {
		t.Errorf("progress seen: %v", seen)
	}
	if f.db.Postgres() && between(stored) < 1 {
		t.Errorf("progress stored on PostgreSQL: %v", stored)
	}
	got, err := f.svc.Get(ctx, f.t.ID, f.all, im.ID)
	must(t, err)
	if got.Status != Applied || got.DoneRows != 20_000 {
		t.Errorf("%s %d", got.Status, got.DoneRows)
	}
}

func (f *fixture) work(t testing.TB) {
	t.Helper()
	must(t, f.jobs.RunPending(context.Background()))
}

// Two applies of the same file at the same moment create each new person
// once, the job's and the command line's alike: they take turns on the
// estate. They run in two services, as in two processes (one process
// takes its imports one at a time anyway). The fault hook holds each
// apply after its check (at its first write) until the other has checked
// too, or for two seconds: without the turns both would plan to create
// everyone. The units exist already, as in
// a second file that adds their owners; new buildings would make the
// second apply fail on their unique names instead.
func TestConcurrentAppliesTakeTurns(t *testing.T) {
	for _, mode := range []string{"command line twice", "job and command line"} {
		t.Run(mode, func(t *testing.T) {
			f := setup(t, "growth")
			ctx := context.Background()
			rows := benchRows(300)
			units := make([][]string, len(rows))
			for i, r := range rows {
				units[i] = r[:7]
			}
			f.run(t, csvOf(t, units), Options{}, false)
			content := csvOf(t, rows)
			if mode == "job and command line" {
				im, err := f.svc.Upload(ctx, f.t, f.all, f.estate.ID, Upload{Filename: "owners.csv", Content: content, UserID: f.user})
				must(t, err)
				f.work(t)
				_, err = f.svc.Apply(ctx, f.t.ID, f.all, im.ID)
				must(t, err)
			}
			_, other := f.newClient(t, nil)
			var arrived atomic.Int32
			both := make(chan struct{})
			f.svc.fault = func(phase string) error {
				if phase == "buildings" {
					if arrived.Add(1) == 2 {
						close(both)
					}
					select {
					case <-both:
					case <-time.After(2 * time.Second):
					}
				}
				return nil
			}
			other.fault = f.svc.fault
			start := make(chan struct{})
			errs := make(chan error, 2)
			var wg sync.WaitGroup
			cli := func(s *Service) func() {
				return func() {
					<-start
					_, err := s.Run(ctx, f.t, f.estate.ID, Run{Filename: "owners.csv", Content: content})
					errs <- err
				}
			}
			wg.Go(cli(other))
			if mode == "job and command line" {
				wg.Go(func() { <-start; errs <- f.jobs.RunPending(ctx) })
			} else {
				wg.Go(cli(f.svc))
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				must(t, err)
			}
			if c := f.counts(t); c.persons != 300 || c.phones != 300 || c.links != 300 || c.units != 300 {
				t.Errorf("counts %+v, want 300 of each", c)
			}
		})
	}
}

// An apply that writes many rows analyzes the tables it wrote, on
// PostgreSQL (SQLite plans without statistics), in the job and the command
// line; a small one leaves that to autovacuum.
func TestLargeApplyAnalyzes(t *testing.T) {
	if dbtest.Dialect() != "postgres" {
		t.Skip("statistics are gathered on PostgreSQL only")
	}
	// Test databases are reused, emptied: count the analyses.
	analyses := func(t *testing.T, f *fixture, table string) int {
		var n int
		must(t, f.db.Bun.NewRaw("SELECT analyze_count FROM pg_stat_user_tables WHERE schemaname = 'public' AND relname = ?", table).Scan(context.Background(), &n))
		return n
	}
	tables := []string{"units", "persons", "person_phones", "unit_persons"}
	for _, mode := range []string{"command line", "job"} {
		t.Run(mode, func(t *testing.T) {
			f := setup(t, "growth")
			ctx := context.Background()
			before := map[string]int{}
			for _, table := range tables {
				before[table] = analyses(t, f, table)
			}
			f.run(t, csvOf(t, sample), Options{}, false)
			if n := analyses(t, f, "units"); n != before["units"] {
				t.Fatalf("a small import analyzed units")
			}
			content := csvOf(t, benchRows(1500)) // 1,500 units, people, phones and links
			if mode == "command line" {
				f.run(t, content, Options{}, false)
			} else {
				im, err := f.svc.Upload(ctx, f.t, f.all, f.estate.ID, Upload{Filename: "big.csv", Content: content, UserID: f.user})
				must(t, err)
				f.work(t)
				_, err = f.svc.Apply(ctx, f.t.ID, f.all, im.ID)
				must(t, err)
				f.work(t)
			}
			for _, table := range tables {
				if n := analyses(t, f, table); n != before[table]+1 {
					t.Errorf("%s analyzed %d times, want 1", table, n-before[table])
				}
			}
		})
	}
}

// A process works one import at a time, so that its memory does not grow
// with the number of uploads: a check waits while another import has the
// turn, and goes on when it ends.
func TestOneImportAtATime(t *testing.T) {
	f := setup(t, "growth")
	ctx := context.Background()
	im, err := f.svc.Upload(ctx, f.t, f.all, f.estate.ID, Upload{Filename: "u.csv", Content: csvOf(t, sample), UserID: f.user})
	must(t, err)
	release, err := f.svc.turn(ctx) // another import
	must(t, err)
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	_ = f.jobs.RunPending(short)
	if got, err := f.svc.Get(ctx, f.t.ID, f.all, im.ID); err != nil || got.Status != Validating {
		t.Fatalf("checked during another import: %v %+v", err, got)
	}
	release()
	f.work(t)
	if got, err := f.svc.Get(ctx, f.t.ID, f.all, im.ID); err != nil || got.Status != Validated {
		t.Fatalf("after the other import: %v %+v", err, got)
	}
}
