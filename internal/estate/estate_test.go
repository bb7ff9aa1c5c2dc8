package estate_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type fixture struct {
	db  *database.DB
	svc *estate.Service
	t   *tenant.Tenant
	all estate.Scope
}

func setup(t *testing.T, plan string) *fixture { return setupTB(t, plan) }

func setupTB(t testing.TB, plan string) *fixture {
	t.Helper()
	db := dbtest.New(t)
	tn, err := tenant.New("acme", "Acme", plan, "Asia/Shanghai", tenant.Active)
	must(t, err)
	must(t, db.InPlatform(context.Background(), func(ctx context.Context, tx bun.Tx) error { return tenant.Insert(ctx, tx, tn) }))
	return &fixture{db: db, svc: estate.NewService(db, tenant.DefaultPlanLimits(), 0), t: tn, all: estate.Scope{All: true}}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) estateWithBuilding(t *testing.T, name string) (*estate.Estate, *estate.Building) {
	t.Helper()
	ctx := context.Background()
	e, err := f.svc.CreateEstate(ctx, f.t, estate.EstateInput{Name: name})
	must(t, err)
	b, err := f.svc.CreateBuilding(ctx, f.t.ID, f.all, e.ID, estate.BuildingInput{Name: "3"})
	must(t, err)
	return e, b
}

func TestParseArea(t *testing.T) {
	for in, want := range map[string]estate.Area{"89.5": 8950, "89.50": 8950, "89": 8900, "0.01": 1, " 120.3 ㎡": 12030, "89.50m²": 8950} {
		got, err := estate.ParseArea(in)
		if err != nil || got != want {
			t.Errorf("ParseArea(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "89.505", "abc", "1e3", "99999999", ".5",
		// Signs in either part (ParseInt takes them) and other non-digits.
		"-0.5", "-0", "+1", "89.+5", "89.-5", "89.-", "+89.50", "8 9", "89._5", "٨٩"} {
		if _, err := estate.ParseArea(in); !errors.Is(err, estate.ErrInvalidArea) {
			t.Errorf("ParseArea(%q) accepted", in)
		}
	}
	if s := estate.Area(8905).String(); s != "89.05" {
		t.Errorf("String = %s", s)
	}
}

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{"138 0013 8000": "13800138000", "+86 13800138000": "13800138000",
		"0086-13800138000": "13800138000", "(021) 6234-5678": "02162345678",
		// In the international form a landline's area code loses its 0.
		"+86-21-62345670": "02162345670", "+86 755 8765 4321": "075587654321", "0086 10 12345678": "01012345678",
		"+86 021 62345670": "02162345670", "8613800138000": "13800138000", "862162345670": "862162345670", "12": "", "138OO138000": "", "电话": ""} {
		if got := estate.NormalizePhone(in); got != want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPersonNameIsOneLineOfText(t *testing.T) {
	for _, name := range []string{"张\n伟", "\x1b[31m张伟", "张伟\a", "张\t伟"} {
		in := estate.PersonInput{Name: name}
		if err := in.Clean(); !errors.Is(err, estate.ErrInvalidPerson) {
			t.Errorf("%q: %v", name, err)
		}
	}
	in := estate.PersonInput{Name: " 张伟 "}
	if err := in.Clean(); err != nil || in.Name != "张伟" {
		t.Errorf("%q: %v", in.Name, err)
	}
}

func TestUnitRange(t *testing.T) {
	units, err := estate.UnitRange{FromFloor: 1, ToFloor: 3, PerFloor: 2, Entrances: []string{"1", "2"}}.Units()
	must(t, err)
	if len(units) != 12 || units[0].Number != "101" || units[11].Number != "302" || units[11].Entrance != "2" {
		t.Errorf("units %+v", units)
	}
	basement, err := estate.UnitRange{FromFloor: -1, ToFloor: 1, PerFloor: 1}.Units()
	must(t, err)
	if len(basement) != 2 || basement[0].Number != "B101" {
		t.Errorf("basement %+v", basement)
	}
	for _, r := range []estate.UnitRange{{FromFloor: 3, ToFloor: 1, PerFloor: 1}, {FromFloor: 1, ToFloor: 2, PerFloor: 0},
		{FromFloor: 1, ToFloor: 300, PerFloor: 1}, {FromFloor: 1, ToFloor: 1, PerFloor: 1, Kind: "castle"}} {
		if _, err := r.Units(); err == nil {
			t.Errorf("%+v accepted", r)
		}
	}
}

func TestPlanLimitOnEstatesAndUnits(t *testing.T) {
	f := setup(t, "starter") // 2 estates, 2,000 units
	ctx := context.Background()
	_, b := f.estateWithBuilding(t, "一区")
	_, err := f.svc.CreateEstate(ctx, f.t, estate.EstateInput{Name: "二区"})
	must(t, err)
	_, err = f.svc.CreateEstate(ctx, f.t, estate.EstateInput{Name: "三区"})
	var le *tenant.LimitError
	if !errors.As(err, &le) || le.What != "estates" || le.Plan != "starter" || le.Limit != 2 {
		t.Fatalf("third estate: %v", err)
	}
	n, err := f.svc.AddUnits(ctx, f.t, f.all, b.ID, estate.UnitRange{FromFloor: 1, ToFloor: 30, PerFloor: 60})
	must(t, err)
	if n != 1800 {
		t.Fatalf("created %d", n)
	}
	// 1,800 + 300 would pass 2,000: refused whole, nothing written.
	_, err = f.svc.AddUnits(ctx, f.t, f.all, b.ID, estate.UnitRange{FromFloor: 31, ToFloor: 35, PerFloor: 60})
	if !errors.As(err, &le) || le.What != "units" {
		t.Fatalf("past the unit limit: %v", err)
	}
	d, err := f.svc.GetEstate(ctx, f.t.ID, f.all, b.EstateID)
	must(t, err)
	if d.Units != 1800 {
		t.Errorf("units after refusal: %d", d.Units)
	}
	// Re-adding an existing range creates nothing and is not refused.
	n, err = f.svc.AddUnits(ctx, f.t, f.all, b.ID, estate.UnitRange{FromFloor: 1, ToFloor: 30, PerFloor: 60})
	if err != nil || n != 0 {
		t.Errorf("re-add: %d %v", n, err)
	}
}

func TestUnitsPeopleAndSearch(t *testing.T) {
	f := setup(t, "growth")
	ctx := context.Background()
	e, b := f.estateWithBuilding(t, "阳光花园")
	other, ob := f.estateWithBuilding(t, "翠湖苑")
	_, err := f.svc.AddUnits(ctx, f.t, f.all, b.ID, estate.UnitRange{FromFloor: 14, ToFloor: 15, PerFloor: 2, Entrances: []string{"2"}})
	must(t, err)
	_, err = f.svc.AddUnits(ctx, f.t, f.all, ob.ID, estate.UnitRange{FromFloor: 15, ToFloor: 15, PerFloor: 2})
	must(t, err)
	_, floors, err := f.svc.Grid(ctx, f.t.ID, f.all, b.ID)
	must(t, err)
	if len(floors) != 2 || floors[0].Floor != 15 || len(floors[0].Units) != 2 || floors[0].Units[0].Code != "3-2-1501" {
		t.Fatalf("grid %+v", floors)
	}
	unit := floors[0].Units[1] // 3-2-1502
	p, err := f.svc.AddPerson(ctx, f.t.ID, f.all, unit.ID, estate.PersonInput{Name: "王建国", Phones: []string{"138 0013 8000", "021-62345678"}},
		estate.LinkInput{Relation: estate.OwnerRel, PrimaryContact: true})
	must(t, err)
	if _, err := f.svc.AddPerson(ctx, f.t.ID, f.all, unit.ID, estate.PersonInput{Name: "x", Phones: []string{"12"}}, estate.LinkInput{Relation: estate.OwnerRel}); !errors.Is(err, estate.ErrInvalidPhone) {
		t.Errorf("bad phone: %v", err)
	}

	for _, q := range []string{"3-2-1502", "3栋2单元1502", "3栋2单元1502室", "3 2 1502"} {
		res, err := f.svc.Search(ctx, f.t.ID, f.all, q, 10)
		must(t, err)
		if len(res.Units) != 1 || res.Units[0].ID != unit.ID || res.Units[0].Contact != "王建国" {
			t.Errorf("search %q: %+v", q, res.Units)
		}
	}
	res, err := f.svc.Search(ctx, f.t.ID, f.all, "1502", 10)
	must(t, err)
	if len(res.Units) != 2 { // one in each estate
		t.Errorf("room number: %+v", res.Units)
	}
	for _, q := range []string{"8000", "13800138000", "+86 138-0013-8000", "王建", "02162345678"} {
		res, err := f.svc.Search(ctx, f.t.ID, f.all, q, 10)
		must(t, err)
		if len(res.Persons) != 1 || res.Persons[0].ID != p.ID || res.Persons[0].UnitCode != "3-2-1502" ||
			(res.Persons[0].Phone != "13800138000" && res.Persons[0].Phone != "02162345678") {
			t.Errorf("search %q: %+v", q, res.Persons)
		}
	}
	// Scope: someone who sees only the other estate finds neither the unit nor its owner.
	scoped := estate.Scope{EstateIDs: []uuid.UUID{other.ID}}
	res, err = f.svc.Search(ctx, f.t.ID, scoped, "1502", 10)
	must(t, err)
	if len(res.Units) != 1 || res.Units[0].EstateID != other.ID {
		t.Errorf("scoped room search: %+v", res.Units)
	}
	res, err = f.svc.Search(ctx, f.t.ID, scoped, "8000", 10)
	must(t, err)
	if len(res.Persons) != 0 {
		t.Errorf("scoped phone search found %+v", res.Persons)
	}
	if _, err := f.svc.GetUnit(ctx, f.t.ID, scoped, unit.ID); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("unit outside scope: %v", err)
	}
	if _, err := f.svc.GetPerson(ctx, f.t.ID, scoped, p.ID); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("person outside scope: %v", err)
	}

	d, err := f.svc.GetUnit(ctx, f.t.ID, estate.Scope{EstateIDs: []uuid.UUID{e.ID}}, unit.ID)
	must(t, err)
	if len(d.Occupants) != 1 || !d.Occupants[0].Link.PrimaryContact || len(d.Occupants[0].Person.Phones) != 2 {
		t.Errorf("unit detail %+v", d.Occupants)
	}
	// Ending the link keeps it as history; the person is no longer the contact.
	must(t, f.svc.EndLink(ctx, f.t.ID, f.all, d.Occupants[0].Link.ID, time.UTC))
	d, err = f.svc.GetUnit(ctx, f.t.ID, f.all, unit.ID)
	must(t, err)
	if len(d.Occupants) != 1 || d.Occupants[0].Link.To == "" {
		t.Errorf("ended link %+v", d.Occupants)
	}
	if _, floors, _ = f.svc.Grid(ctx, f.t.ID, f.all, b.ID); floors[0].Units[1].Contact != "" {
		t.Errorf("grid still shows the former owner")
	}
}

func TestCalendar(t *testing.T) {
	f := setup(t, "growth")
	ctx := context.Background()
	e, _ := f.estateWithBuilding(t, "一区")
	hours := estate.Hours{time.Monday: {{From: "09:00", To: "18:00"}}, time.Saturday: {{From: "09:00", To: "12:00"}}}
	days := []estate.CalendarDay{{Day: "2026-10-01", Kind: estate.Holiday, Name: "国庆节"}, {Day: "2026-10-11", Kind: estate.Workday, Name: "调休"}}
	must(t, f.svc.SetCalendar(ctx, f.t.ID, f.all, e.ID, hours, days))
	d, err := f.svc.GetEstate(ctx, f.t.ID, f.all, e.ID)
	must(t, err)
	if len(d.Days) != 2 || d.Estate.BusinessHours[time.Saturday][0].To != "12:00" || len(d.Estate.BusinessHours[time.Tuesday]) != 0 {
		t.Errorf("calendar %+v %+v", d.Days, d.Estate.BusinessHours)
	}
	for _, bad := range []estate.Hours{{time.Monday: {{From: "18:00", To: "09:00"}}}, {time.Monday: {{From: "9am", To: "10:00"}}},
		{time.Monday: {{From: "09:00", To: "12:00"}, {From: "11:00", To: "13:00"}}}} {
		if err := f.svc.SetCalendar(ctx, f.t.ID, f.all, e.ID, bad, nil); !errors.Is(err, estate.ErrInvalidHours) {
			t.Errorf("%v accepted", bad)
		}
	}
	if err := f.svc.SetCalendar(ctx, f.t.ID, f.all, e.ID, hours, []estate.CalendarDay{{Day: "2026-13-01", Kind: estate.Holiday}}); !errors.Is(err, estate.ErrInvalidDay) {
		t.Errorf("bad day: %v", err)
	}
	if err := f.svc.SetCalendar(ctx, f.t.ID, estate.Scope{}, e.ID, hours, nil); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("out of scope: %v", err)
	}
}

func TestNamesAreUniqueAndArchiveKeepsHistory(t *testing.T) {
	f := setup(t, "starter")
	ctx := context.Background()
	e, b := f.estateWithBuilding(t, "一区")
	if _, err := f.svc.CreateEstate(ctx, f.t, estate.EstateInput{Name: "一区"}); !errors.Is(err, estate.ErrNameTaken) {
		t.Errorf("duplicate estate: %v", err)
	}
	if _, err := f.svc.CreateBuilding(ctx, f.t.ID, f.all, e.ID, estate.BuildingInput{Name: "3"}); !errors.Is(err, estate.ErrNameTaken) {
		t.Errorf("duplicate building: %v", err)
	}
	must(t, f.svc.SetArchived(ctx, f.t, e.ID, true))
	vis, err := f.svc.Visible(ctx, f.t.ID, f.all)
	must(t, err)
	if len(vis) != 0 {
		t.Errorf("archived estate visible")
	}
	if _, err := f.svc.CreateBuilding(ctx, f.t.ID, f.all, e.ID, estate.BuildingInput{Name: "4"}); !errors.Is(err, estate.ErrArchived) {
		t.Errorf("building in archived estate: %v", err)
	}
	// Archiving frees the plan slot; restoring takes it back if still free.
	_, err = f.svc.CreateEstate(ctx, f.t, estate.EstateInput{Name: "二区"})
	must(t, err)
	_, err = f.svc.CreateEstate(ctx, f.t, estate.EstateInput{Name: "三区"})
	must(t, err)
	var le *tenant.LimitError
	if err := f.svc.SetArchived(ctx, f.t, e.ID, false); !errors.As(err, &le) {
		t.Errorf("restore past the limit: %v", err)
	}
	if _, _, err := f.svc.Grid(ctx, f.t.ID, f.all, b.ID); err != nil {
		t.Errorf("archived estate's building is gone: %v", err)
	}
}

// The estate cache serves repeated lists but never hides a change made
// through the service.
func TestEstateCacheForgetsOnWrite(t *testing.T) {
	f := setup(t, "growth")
	f.svc = estate.NewService(f.db, tenant.DefaultPlanLimits(), time.Minute)
	ctx := context.Background()
	count := func() int {
		es, err := f.svc.Visible(ctx, f.t.ID, f.all)
		must(t, err)
		return len(es)
	}
	if count() != 0 {
		t.Fatal("not empty")
	}
	e, err := f.svc.CreateEstate(ctx, f.t, estate.EstateInput{Name: "一区"})
	must(t, err)
	if count() != 1 {
		t.Error("created estate not listed")
	}
	_, err = f.svc.UpdateEstate(ctx, f.t.ID, f.all, e.ID, estate.EstateInput{Name: "一区（东）"})
	must(t, err)
	if es, _ := f.svc.Visible(ctx, f.t.ID, f.all); es[0].Name != "一区（东）" {
		t.Error("rename not listed")
	}
	must(t, f.svc.SetArchived(ctx, f.t, e.ID, true))
	if count() != 0 {
		t.Error("archived estate still listed")
	}
}

func TestBuildingRenameArchiveAndUnitArchive(t *testing.T) {
	f := setup(t, "starter")
	ctx := context.Background()
	e, b := f.estateWithBuilding(t, "一区")
	_, err := f.svc.AddUnits(ctx, f.t, f.all, b.ID, estate.UnitRange{FromFloor: 1, ToFloor: 2, PerFloor: 2, Entrances: []string{"1"}})
	must(t, err)
	_, err = f.svc.UpdateBuilding(ctx, f.t.ID, f.all, b.ID, estate.BuildingInput{Name: "3A"})
	must(t, err)
	res, err := f.svc.Search(ctx, f.t.ID, f.all, "3A-1-201", 10)
	must(t, err)
	if len(res.Units) != 1 {
		t.Fatalf("renamed building's unit not found by its new address: %+v", res.Units)
	}
	unitID := res.Units[0].ID
	must(t, f.svc.SetUnitArchived(ctx, f.t, f.all, unitID, true))
	if d, _ := f.svc.GetEstate(ctx, f.t.ID, f.all, e.ID); d.Units != 3 {
		t.Errorf("units after archiving one: %d", d.Units)
	}
	must(t, f.svc.SetBuildingArchived(ctx, f.t, f.all, b.ID, true))
	if d, _ := f.svc.GetEstate(ctx, f.t.ID, f.all, e.ID); d.Units != 0 || d.Buildings != 0 {
		t.Errorf("after archiving the building: %d units, %d buildings", d.Units, d.Buildings)
	}
	if _, err := f.svc.AddUnits(ctx, f.t, f.all, b.ID, estate.UnitRange{FromFloor: 3, ToFloor: 3, PerFloor: 1}); !errors.Is(err, estate.ErrArchived) {
		t.Errorf("units into an archived building: %v", err)
	}
	// Restoring brings back the units archived with the building, not the
	// one archived before it.
	must(t, f.svc.SetBuildingArchived(ctx, f.t, f.all, b.ID, false))
	if d, _ := f.svc.GetEstate(ctx, f.t.ID, f.all, e.ID); d.Units != 3 {
		t.Errorf("after restoring the building: %d units", d.Units)
	}
	if err := f.svc.SetUnitArchived(ctx, f.t, estate.Scope{}, unitID, false); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("out of scope: %v", err)
	}
}
