package team_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/team"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// fixture is tenant alpha with estates North and South, tenant bravo with
// one estate, and staff of alpha by name.
type fixture struct {
	t        *testing.T
	ctx      context.Context
	db       *database.DB
	accounts *account.Service
	teams    *team.Service
	alpha    *tenant.Tenant
	bravo    *tenant.Tenant
	north    uuid.UUID
	south    uuid.UUID
	bravoEst uuid.UUID
	people   map[string]uuid.UUID
}

var all = estate.Scope{All: true}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), db: dbtest.New(t), people: map[string]uuid.UUID{}}
	f.accounts = account.NewService(f.db, account.Settings{}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.teams = team.NewService(f.db)
	f.alpha = f.tenant("alpha")
	f.bravo = f.tenant("bravo")
	f.north = f.estate(f.alpha, "North")
	f.south = f.estate(f.alpha, "South")
	f.bravoEst = f.estate(f.bravo, "Bravo Garden")
	f.member(f.alpha, "lead", []string{"team_leader"}, f.north)
	f.member(f.alpha, "lead2", []string{"team_leader"}, f.north)
	f.member(f.alpha, "worker", []string{"worker"}, f.north)
	f.member(f.alpha, "southlead", []string{"team_leader"}, f.south)
	f.member(f.alpha, "southworker", []string{"worker"}, f.south)
	f.member(f.alpha, "clerk", []string{"clerk"}, f.north)
	f.member(f.alpha, "head", []string{"office_head"}, f.north)
	f.member(f.alpha, "roving", []string{"assistant", "team_leader"})
	f.member(f.alpha, "gone", []string{"team_leader"}, f.north)
	must(t, f.accounts.RemoveMember(f.ctx, f.alpha.ID, f.people["gone"]))
	f.member(f.bravo, "bravolead", []string{"team_leader"}, f.bravoEst)
	return f
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

func (f *fixture) member(tn *tenant.Tenant, name string, roles []string, estates ...uuid.UUID) {
	u, err := f.accounts.EnsureUser(f.ctx, name+"@"+tn.Slug+".example.com", "Name "+name, func() (string, error) { return "x", nil }, false)
	must(f.t, err)
	must(f.t, f.accounts.AddMember(f.ctx, tn.ID, u.ID, account.Access{Roles: roles, EstateIDs: estates}))
	f.people[name] = u.ID
}

func (f *fixture) id(name string) *uuid.UUID {
	id, ok := f.people[name]
	if !ok {
		f.t.Fatalf("no person %q", name)
	}
	return &id
}

func (f *fixture) archiveEstate(id uuid.UUID) {
	must(f.t, f.db.InTenant(f.ctx, f.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*estate.Estate)(nil)).Set("archived_at = ?", time.Now().UTC()).
			Where("tenant_id = ? AND id = ?", f.alpha.ID, id).Exec(ctx)
		return err
	}))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}

func names(ps []team.Person) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestCreateAndList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tm, err := f.teams.Create(f.ctx, f.alpha.ID, all, f.north, team.Maintenance, " 维修 ", f.id("lead"))
	must(t, err)
	if tm.Name != "维修" || tm.Kind != team.Maintenance || tm.EstateID != f.north || tm.Leader == nil ||
		tm.Leader.Name != "Name lead" || tm.Leader.Email != "lead@alpha.example.com" || !tm.Leader.Active || tm.Members == nil {
		t.Fatalf("created %+v leader %+v", tm, tm.Leader)
	}
	_, err = f.teams.SetMembers(f.ctx, f.alpha.ID, all, f.north, tm.ID, []uuid.UUID{*f.id("worker"), *f.id("lead2"), *f.id("worker")})
	must(t, err)
	_, err = f.teams.Create(f.ctx, f.alpha.ID, all, f.north, team.Custom, "水电班", nil)
	must(t, err)
	_, err = f.teams.Create(f.ctx, f.alpha.ID, all, f.north, team.Security, "安管", nil)
	must(t, err)

	ts, err := f.teams.List(f.ctx, f.alpha.ID, all, f.north)
	must(t, err)
	var got []string
	for _, x := range ts {
		got = append(got, x.Name)
	}
	if want := []string{"安管", "维修", "水电班"}; !slices.Equal(got, want) {
		t.Errorf("list %v, want %v", got, want)
	}
	if m := names(ts[1].Members); !slices.Equal(m, []string{"Name lead2", "Name worker"}) {
		t.Errorf("members %v", m)
	}
	if ts[0].Leader != nil || len(ts[0].Members) != 0 {
		t.Errorf("a team without leader or members: %+v", ts[0])
	}
	g, err := f.teams.Get(f.ctx, f.alpha.ID, all, tm.ID)
	must(t, err)
	if g.Leader == nil || len(g.Members) != 2 {
		t.Errorf("get: %+v", g)
	}
	empty, err := f.teams.List(f.ctx, f.alpha.ID, all, f.south)
	must(t, err)
	if empty == nil || len(empty) != 0 {
		t.Errorf("south: %v", empty)
	}
}

func TestValidationAndUniqueness(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	create := func(kind team.Kind, name string, estateID uuid.UUID) error {
		_, err := f.teams.Create(f.ctx, f.alpha.ID, all, estateID, kind, name, nil)
		return err
	}
	wantErr(t, "empty name", create(team.Custom, "  ", f.north), team.ErrInvalidName)
	wantErr(t, "51 characters", create(team.Custom, strings.Repeat("班", 51), f.north), team.ErrInvalidName)
	must(t, create(team.Custom, strings.Repeat("班", 50), f.north))
	wantErr(t, "unknown kind", create(team.Kind("plumbing"), "水电", f.north), team.ErrInvalidKind)
	wantErr(t, "empty kind", create("", "水电", f.north), team.ErrInvalidKind)
	must(t, create(team.Cleaning, "保洁", f.north))
	wantErr(t, "same name, same estate", create(team.Custom, "保洁", f.north), team.ErrNameTaken)
	wantErr(t, "same name after trimming", create(team.Cleaning, " 保洁 ", f.north), team.ErrNameTaken)
	must(t, create(team.Cleaning, "保洁", f.south))

	// Renaming onto a taken name is refused too, and the team is unchanged.
	other, err := f.teams.Create(f.ctx, f.alpha.ID, all, f.north, team.Cleaning, "保洁二班", nil)
	must(t, err)
	_, err = f.teams.Update(f.ctx, f.alpha.ID, all, f.north, other.ID, team.Changes{Kind: team.Cleaning, Name: "保洁"})
	wantErr(t, "rename onto a taken name", err, team.ErrNameTaken)
	_, err = f.teams.Update(f.ctx, f.alpha.ID, all, f.north, other.ID, team.Changes{Kind: "nope", Name: "x"})
	wantErr(t, "update to an unknown kind", err, team.ErrInvalidKind)
	g, err := f.teams.Get(f.ctx, f.alpha.ID, all, other.ID)
	must(t, err)
	if g.Name != "保洁二班" {
		t.Errorf("after refused renames: %q", g.Name)
	}
	up, err := f.teams.Update(f.ctx, f.alpha.ID, all, f.north, other.ID, team.Changes{Kind: team.Landscaping, Name: "绿化", LeaderID: f.id("lead")})
	must(t, err)
	if up.Name != "绿化" || up.Kind != team.Landscaping || up.Leader == nil || up.Leader.UserID != *f.id("lead") {
		t.Errorf("updated %+v", up)
	}
	up, err = f.teams.Update(f.ctx, f.alpha.ID, all, f.north, other.ID, team.Changes{Kind: team.Landscaping, Name: "绿化"})
	must(t, err)
	if up.LeaderID != nil || up.Leader != nil {
		t.Errorf("leader not cleared: %+v", up)
	}
}

func TestLeaderMustBeAnEligibleTeamLeader(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	create := func(name string, leader *uuid.UUID) error {
		_, err := f.teams.Create(f.ctx, f.alpha.ID, all, f.north, team.Custom, name, leader)
		return err
	}
	stranger := uuid.New()
	for _, c := range []struct {
		leader *uuid.UUID
		want   error
	}{
		{f.id("worker"), team.ErrLeaderNotEligible},
		{f.id("clerk"), team.ErrLeaderNotEligible},
		{f.id("head"), team.ErrLeaderNotEligible},
		{f.id("gone"), team.ErrLeaderNotEligible},
		{f.id("bravolead"), team.ErrLeaderNotEligible},
		{&stranger, team.ErrLeaderNotEligible},
		{f.id("southlead"), team.ErrNotInEstate},
	} {
		wantErr(t, "leader "+c.leader.String(), create("T", c.leader), c.want)
	}
	must(t, create("安管", f.id("lead")))
	must(t, create("保洁", f.id("roving"))) // a company-wide role covers every estate
	must(t, create("绿化", nil))

	// On update, a new leader is checked; an unchanged one is not, so a team
	// can be renamed after its leader lost the role.
	tm, err := f.teams.Create(f.ctx, f.alpha.ID, all, f.north, team.Maintenance, "维修", f.id("lead2"))
	must(t, err)
	_, err = f.teams.Update(f.ctx, f.alpha.ID, all, f.north, tm.ID, team.Changes{Kind: team.Maintenance, Name: "维修", LeaderID: f.id("worker")})
	wantErr(t, "update to a worker leader", err, team.ErrLeaderNotEligible)
	must(t, f.accounts.SetAccess(f.ctx, f.alpha.ID, *f.id("lead2"), account.Access{Roles: []string{"worker"}, EstateIDs: []uuid.UUID{f.north}}))
	_, err = f.teams.Update(f.ctx, f.alpha.ID, all, f.north, tm.ID, team.Changes{Kind: team.Maintenance, Name: "维修一班", LeaderID: f.id("lead2")})
	must(t, err)
}

func TestSetMembers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tm, err := f.teams.Create(f.ctx, f.alpha.ID, all, f.north, team.Security, "安管", f.id("lead"))
	must(t, err)
	set := func(who ...string) (*team.Team, error) {
		var ids []uuid.UUID
		for _, w := range who {
			ids = append(ids, *f.id(w))
		}
		return f.teams.SetMembers(f.ctx, f.alpha.ID, all, f.north, tm.ID, ids)
	}
	got, err := set("worker", "lead", "roving")
	must(t, err)
	if m := names(got.Members); !slices.Equal(m, []string{"Name lead", "Name roving", "Name worker"}) {
		t.Errorf("members %v", m)
	}
	for who, want := range map[string]error{
		"clerk":       team.ErrMemberNotEligible,
		"head":        team.ErrMemberNotEligible,
		"gone":        team.ErrMemberNotEligible,
		"bravolead":   team.ErrMemberNotEligible,
		"southworker": team.ErrNotInEstate,
		"southlead":   team.ErrNotInEstate,
	} {
		_, err := set("worker", who)
		wantErr(t, "member "+who, err, want)
	}
	g, err := f.teams.Get(f.ctx, f.alpha.ID, all, tm.ID)
	must(t, err)
	if len(g.Members) != 3 {
		t.Errorf("a refused change kept %d members, want the 3 before it", len(g.Members))
	}
	got, err = set()
	must(t, err)
	if len(got.Members) != 0 {
		t.Errorf("cleared: %v", names(got.Members))
	}

	// Someone who leaves the company stays on the team's record, marked.
	_, err = set("worker")
	must(t, err)
	must(t, f.accounts.RemoveMember(f.ctx, f.alpha.ID, *f.id("worker")))
	g, err = f.teams.Get(f.ctx, f.alpha.ID, all, tm.ID)
	must(t, err)
	if len(g.Members) != 1 || g.Members[0].Active {
		t.Errorf("member who left: %+v", g.Members)
	}
}

func TestArchiveKeepsHistory(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tm, err := f.teams.Create(f.ctx, f.alpha.ID, all, f.north, team.Cleaning, "保洁", f.id("lead"))
	must(t, err)
	_, err = f.teams.SetMembers(f.ctx, f.alpha.ID, all, f.north, tm.ID, []uuid.UUID{*f.id("worker")})
	must(t, err)
	a, err := f.teams.Archive(f.ctx, f.alpha.ID, all, f.north, tm.ID)
	must(t, err)
	if a.ArchivedAt == nil || a.Leader == nil || len(a.Members) != 1 {
		t.Errorf("archived: %+v", a)
	}
	_, err = f.teams.Archive(f.ctx, f.alpha.ID, all, f.north, tm.ID)
	wantErr(t, "archive twice", err, team.ErrArchived)
	_, err = f.teams.Update(f.ctx, f.alpha.ID, all, f.north, tm.ID, team.Changes{Kind: team.Cleaning, Name: "保洁"})
	wantErr(t, "edit archived", err, team.ErrArchived)
	_, err = f.teams.SetMembers(f.ctx, f.alpha.ID, all, f.north, tm.ID, nil)
	wantErr(t, "staff archived", err, team.ErrArchived)
	_, err = f.teams.Create(f.ctx, f.alpha.ID, all, f.north, team.Cleaning, "保洁一班", nil)
	must(t, err)
	ts, err := f.teams.List(f.ctx, f.alpha.ID, all, f.north)
	must(t, err)
	if len(ts) != 2 || ts[0].Archived() || !ts[1].Archived() || ts[1].Name != "保洁" {
		t.Errorf("list after archive: %+v", ts)
	}
}

func TestEnsureStandardIsIdempotent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	created, err := f.teams.EnsureStandard(f.ctx, f.alpha.ID, f.north)
	must(t, err)
	var got []string
	for _, x := range created {
		got = append(got, string(x.Kind)+":"+x.Name)
	}
	if want := []string{"security:安管", "cleaning:保洁", "landscaping:绿化", "maintenance:维修"}; !slices.Equal(got, want) {
		t.Errorf("created %v, want %v", got, want)
	}
	again, err := f.teams.EnsureStandard(f.ctx, f.alpha.ID, f.north)
	must(t, err)
	if len(again) != 0 {
		t.Errorf("second run created %d", len(again))
	}

	// South already has its own security team under another name, and a
	// custom team called 保洁: neither is duplicated.
	_, err = f.teams.Create(f.ctx, f.alpha.ID, all, f.south, team.Security, "秩序维护部", nil)
	must(t, err)
	_, err = f.teams.Create(f.ctx, f.alpha.ID, all, f.south, team.Custom, "保洁", nil)
	must(t, err)
	created, err = f.teams.EnsureStandard(f.ctx, f.alpha.ID, f.south)
	must(t, err)
	if len(created) != 2 || created[0].Name != "绿化" || created[1].Name != "维修" {
		t.Errorf("south: %+v", created)
	}
	ts, err := f.teams.List(f.ctx, f.alpha.ID, all, f.south)
	must(t, err)
	if len(ts) != 4 {
		t.Errorf("south has %d teams, want 4", len(ts))
	}

	// An archived standard team keeps its name; the run neither fails nor
	// revives it.
	for _, x := range ts {
		if x.Kind == team.Landscaping {
			_, err := f.teams.Archive(f.ctx, f.alpha.ID, all, f.south, x.ID)
			must(t, err)
		}
	}
	created, err = f.teams.EnsureStandard(f.ctx, f.alpha.ID, f.south)
	must(t, err)
	if len(created) != 0 {
		t.Errorf("after archiving: created %+v", created)
	}

	_, err = f.teams.EnsureStandard(f.ctx, f.alpha.ID, f.bravoEst)
	wantErr(t, "another tenant's estate", err, database.ErrNotFound)
	f.archiveEstate(f.north)
	_, err = f.teams.EnsureStandard(f.ctx, f.alpha.ID, f.north)
	wantErr(t, "archived estate", err, estate.ErrArchived)
}

func TestArchivedEstateGetsNoNewTeams(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tm, err := f.teams.Create(f.ctx, f.alpha.ID, all, f.south, team.Custom, "客服", nil)
	must(t, err)
	f.archiveEstate(f.south)
	_, err = f.teams.Create(f.ctx, f.alpha.ID, all, f.south, team.Custom, "新班组", nil)
	wantErr(t, "create in an archived estate", err, estate.ErrArchived)
	ts, err := f.teams.List(f.ctx, f.alpha.ID, all, f.south)
	must(t, err)
	if len(ts) != 1 {
		t.Errorf("an archived estate's teams stay listed: %d", len(ts))
	}
	_, err = f.teams.Archive(f.ctx, f.alpha.ID, all, f.south, tm.ID)
	must(t, err)
}

// Scope: a team or estate the caller may not see does not exist for them.
func TestScopeAndTenantHideTeams(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	south, err := f.teams.Create(f.ctx, f.alpha.ID, all, f.south, team.Cleaning, "保洁", nil)
	must(t, err)
	north, err := f.teams.Create(f.ctx, f.alpha.ID, all, f.north, team.Cleaning, "保洁", nil)
	must(t, err)
	bravo, err := f.teams.Create(f.ctx, f.bravo.ID, all, f.bravoEst, team.Cleaning, "保洁", f.id("bravolead"))
	must(t, err)
	northOnly := estate.Scope{EstateIDs: []uuid.UUID{f.north}}
	nf := database.ErrNotFound

	_, err = f.teams.List(f.ctx, f.alpha.ID, northOnly, f.south)
	wantErr(t, "list out of scope", err, nf)
	_, err = f.teams.Board(f.ctx, f.alpha.ID, northOnly, f.south)
	wantErr(t, "board out of scope", err, nf)
	_, err = f.teams.Create(f.ctx, f.alpha.ID, northOnly, f.south, team.Custom, "x", nil)
	wantErr(t, "create out of scope", err, nf)
	_, err = f.teams.Get(f.ctx, f.alpha.ID, northOnly, south.ID)
	wantErr(t, "get out of scope", err, nf)
	_, err = f.teams.Update(f.ctx, f.alpha.ID, northOnly, f.south, south.ID, team.Changes{Kind: team.Custom, Name: "x"})
	wantErr(t, "update out of scope", err, nf)
	_, err = f.teams.Archive(f.ctx, f.alpha.ID, northOnly, f.south, south.ID)
	wantErr(t, "archive out of scope", err, nf)
	_, err = f.teams.SetMembers(f.ctx, f.alpha.ID, northOnly, f.south, south.ID, nil)
	wantErr(t, "members out of scope", err, nf)
	// A South team addressed through North, which is in scope.
	_, err = f.teams.Update(f.ctx, f.alpha.ID, northOnly, f.north, south.ID, team.Changes{Kind: team.Custom, Name: "x"})
	wantErr(t, "team of another estate", err, nf)
	_, err = f.teams.Archive(f.ctx, f.alpha.ID, all, f.north, south.ID)
	wantErr(t, "team of another estate, all scope", err, nf)
	_, err = f.teams.Update(f.ctx, f.alpha.ID, northOnly, f.north, north.ID, team.Changes{Kind: team.Custom, Name: "保洁"})
	must(t, err)

	// Another tenant's estate and team are not found even with full scope.
	_, err = f.teams.List(f.ctx, f.alpha.ID, all, f.bravoEst)
	wantErr(t, "list other tenant", err, nf)
	_, err = f.teams.Create(f.ctx, f.alpha.ID, all, f.bravoEst, team.Custom, "x", nil)
	wantErr(t, "create other tenant", err, nf)
	_, err = f.teams.Get(f.ctx, f.alpha.ID, all, bravo.ID)
	wantErr(t, "get other tenant", err, nf)
	_, err = f.teams.Archive(f.ctx, f.alpha.ID, all, f.bravoEst, bravo.ID)
	wantErr(t, "archive other tenant", err, nf)
	_, err = f.teams.List(f.ctx, f.alpha.ID, all, uuid.New())
	wantErr(t, "unknown estate", err, nf)
}

func TestBoardListsEligibleStaff(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b, err := f.teams.Board(f.ctx, f.alpha.ID, all, f.north)
	must(t, err)
	var got []string
	for _, c := range b.Candidates {
		s := c.Name
		if c.CanLead {
			s += "*"
		}
		got = append(got, s)
	}
	// Team leaders (*) and workers assigned to North, and the roving team
	// leader whose company-wide role covers it; not clerks, office heads,
	// South's staff, nor anyone who left.
	if want := []string{"Name lead*", "Name lead2*", "Name roving*", "Name worker"}; !slices.Equal(got, want) {
		t.Errorf("candidates %v, want %v", got, want)
	}
	if b.Estate.Name != "North" || b.Teams == nil {
		t.Errorf("board %+v", b)
	}
}
