package manifest_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/mail"
	"github.com/estatedesk/estatedesk/internal/manifest"
	"github.com/estatedesk/estatedesk/internal/team"
	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/tenants"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func newApplier(t testing.TB) *manifest.Applier {
	t.Helper()
	db := dbtest.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	accounts := account.NewService(db, account.Settings{BaseURL: "http://x.test", InvitationTTL: 1e15, Limits: tenant.DefaultPlanLimits()},
		mail.LogSender{Log: log}, log)
	return &manifest.Applier{DB: db, Accounts: accounts, Estates: estate.NewService(db, tenant.DefaultPlanLimits(), 0),
		Teams: team.NewService(db), DefaultTimeZone: "Asia/Shanghai"}
}

const full = `company: {slug: acme, name: Acme 物业, plan: growth, status: active}
estates:
  - name: 东区
    address: 东路 1 号
    office_phone: 021-12345678
    business_hours: {mon: [09:00-18:00], sat: [09:00-12:00]}
    holidays: [{day: 2026-10-01, name: 国庆节}]
    workdays: [{day: 2026-10-11, name: 调休}]
    buildings:
      - name: "1"
        floors: 3
        units: [{floors: 1-3, per_floor: 2, entrances: ["1", "2"], area: "88.00"}]
        rooms: [{floor: 1, number: S01, kind: shop, area: "40.5"}]
      - {name: B, units: [{floors: -1-1, per_floor: 1, kind: parking}]}
    teams:
      - {kind: maintenance, name: 维修班, leader: lead@acme.example.com, members: [fix@acme.example.com]}
      - {kind: security, name: 安管班}
staff:
  - {email: boss@acme.example.com, roles: [manager]}
  - {email: lead@acme.example.com, roles: [team_leader], estates: [东区]}
  - {email: fix@acme.example.com, roles: [worker], estates: [东区]}
`

func apply(t *testing.T, a *manifest.Applier, yaml string, opts manifest.Options) []string {
	t.Helper()
	m, err := manifest.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Apply(context.Background(), m, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res.Changes
}

func TestApplyDryRunReapplyAndExportRoundTrip(t *testing.T) {
	a := newApplier(t)
	ctx := context.Background()
	// Staff with accounts become members directly, so that teams can name them.
	for _, e := range []string{"boss@acme.example.com", "lead@acme.example.com", "fix@acme.example.com"} {
		if _, err := a.Accounts.EnsureUser(ctx, e, "", func() (string, error) { return "x", nil }, false); err != nil {
			t.Fatal(err)
		}
	}
	dry := apply(t, a, full, manifest.Options{DryRun: true, Direct: true})
	if got := strings.Join(dry, "\n"); !strings.Contains(got, "+ building 东区/1 with 13 unit(s)") || !strings.Contains(got, "+ team 东区/维修班") {
		t.Fatalf("dry run:\n%s", got)
	}
	if _, err := tenant.BySlug(ctx, a.DB.Reader(), "acme"); err == nil {
		t.Fatal("dry run created the tenant")
	}
	changes := apply(t, a, full, manifest.Options{Direct: true})
	if len(changes) != len(dry) {
		t.Errorf("apply made %d changes, dry run announced %d:\n%s", len(changes), len(dry), strings.Join(changes, "\n"))
	}
	if again := apply(t, a, full, manifest.Options{Direct: true}); len(again) != 0 {
		t.Fatalf("second apply changed:\n%s", strings.Join(again, "\n"))
	}
	tn, err := tenant.BySlug(ctx, a.DB.Reader(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	all := estate.Scope{All: true}
	es, err := a.Estates.Visible(ctx, tn.ID, all)
	if err != nil || len(es) != 1 {
		t.Fatal(es, err)
	}
	d, err := a.Estates.GetEstate(ctx, tn.ID, all, es[0].ID)
	if err != nil || d.Units != 15 || d.Buildings != 2 || len(d.Days) != 2 || es[0].OfficePhone != "021-12345678" {
		t.Fatalf("estate %+v %v", d, err)
	}
	teams, err := a.Teams.List(ctx, tn.ID, all, es[0].ID)
	if err != nil || len(teams) != 2 {
		t.Fatal(teams, err)
	}
	for _, tm := range teams {
		if tm.Name == "维修班" && (tm.Leader == nil || tm.Leader.Email != "lead@acme.example.com" || len(tm.Members) != 1) {
			t.Errorf("team %+v", tm)
		}
	}

	// Export, then apply the export: nothing changes.
	m, err := a.Export(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	out, err := manifest.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if again := apply(t, a, string(out), manifest.Options{Direct: true}); len(again) != 0 {
		t.Fatalf("applying the export changed:\n%s\nexport:\n%s", strings.Join(again, "\n"), out)
	}
	for _, want := range []string{"floors: 1-3", "per_floor: 2", "entrances: [\"1\", \"2\"]", "number: S01", "kind: parking", "name: 维修班", "leader: lead@acme.example.com"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("export lacks %q:\n%s", want, out)
		}
	}

	// A change in the manifest is applied, and only it.
	changed := strings.Replace(full, "per_floor: 2,", "per_floor: 3,", 1)
	changed = strings.Replace(changed, "09:00-18:00", "08:00-18:00", 1)
	got := strings.Join(apply(t, a, changed, manifest.Options{Direct: true}), "\n")
	if !strings.Contains(got, "+ 6 unit(s) in building 东区/1") || !strings.Contains(got, "business hours") || strings.Contains(got, "team") {
		t.Errorf("update:\n%s", got)
	}
}

func TestBadManifests(t *testing.T) {
	a := newApplier(t)
	for name, y := range map[string]string{
		"unknown key":      "company: {slug: acme, name: x}\ncolour: red\n",
		"duplicate estate": "company: {slug: acme, name: x}\nestates: [{name: A}, {name: A}]\n",
		"bad floors":       "company: {slug: acme, name: x}\nestates: [{name: A, buildings: [{name: b, units: [{floors: one, per_floor: 2}]}]}]\n",
		"bad hours":        "company: {slug: acme, name: x}\nestates: [{name: A, business_hours: {mon: [18:00-09:00]}}]\n",
		"bad team kind":    "company: {slug: acme, name: x}\nestates: [{name: A, teams: [{kind: navy, name: x}]}]\n",
	} {
		m, err := manifest.Parse([]byte(y))
		if err == nil {
			_, err = a.Apply(context.Background(), m, manifest.Options{})
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The demo manifest applies and re-applies cleanly.
func TestDemoManifest(t *testing.T) {
	a := newApplier(t)
	m, err := manifest.Parse(tenants.Demo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Apply(context.Background(), m, manifest.Options{}); err != nil {
		t.Fatal(err)
	}
	res, err := a.Apply(context.Background(), m, manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Staff were invited (no accounts exist), so the team leader is pending.
	for _, c := range res.Changes {
		if !strings.Contains(c, "is not a member yet") {
			t.Errorf("second apply changed: %s", c)
		}
	}
}
