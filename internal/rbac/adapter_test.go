package rbac

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
)

func TestAdapterFilteredLoad(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	tenantA, tenantB := seedTenant(t, db), seedTenant(t, db)
	userA, userB := seedUser(t, db), seedUser(t, db)
	seedStaff(t, db, tenantA, userA, Clerk, DocumentController)
	seedStaff(t, db, tenantB, userB, Manager)

	ad := newAdapter(db)
	m := newModel()
	if err := ad.LoadFilteredPolicyCtx(ctx, m, tenantA); err != nil {
		t.Fatal(err)
	}
	if !ad.IsFiltered() {
		t.Error("filtered load not reported")
	}
	gotG, _ := m.GetPolicy("g", "g")
	wantG := [][]string{
		{"manager", "assistant", "*"}, {"assistant", "office_head", "*"}, {"office_head", "clerk", "*"},
		{userA.String(), "clerk", tenantA.String()}, {userA.String(), "document_controller", tenantA.String()},
	}
	slices.SortFunc(gotG, slices.Compare)
	slices.SortFunc(wantG, slices.Compare)
	if !slices.EqualFunc(gotG, wantG, slices.Equal) {
		t.Errorf("g rules %v, want %v", gotG, wantG)
	}
	if got, _ := m.GetPolicy("p", "p"); len(got) != len(embeddedRules())-len(inherits) {
		t.Errorf("%d p rules", len(got))
	}

	// An enforcer on the filtered policy decides for its tenant only.
	p, err := newPolicy(m)
	if err != nil {
		t.Fatal(err)
	}
	if !p.can(userA.String(), tenantA.String(), ObjDocument, ActManage) || p.can(userB.String(), tenantB.String(), ObjTenant, ActRead) {
		t.Error("filtered enforcer decided wrong")
	}

	// Loading the same tenant again over the model adds nothing twice.
	if err := ad.LoadFilteredPolicyCtx(ctx, m, tenantA); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.GetPolicy("g", "g"); len(got) != len(wantG) {
		t.Errorf("%d g rules after a second load", len(got))
	}

	if err := ad.LoadFilteredPolicy(newModel(), "tenant A"); err == nil {
		t.Error("filter of the wrong type accepted")
	}
	m = newModel()
	if err := ad.LoadPolicy(m); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.GetPolicy("g", "g"); ad.IsFiltered() || len(got) != len(wantG)+1 {
		t.Errorf("full load: filtered %v, g rules %v", ad.IsFiltered(), got)
	}
}

// Through casbin with autosave, as any casbin user of the adapter would.
func TestAdapterWrites(t *testing.T) {
	db := dbtest.New(t)
	tenantA, tenantB := seedTenant(t, db), seedTenant(t, db)
	user := seedUser(t, db)
	seedStaff(t, db, tenantA, user)
	seedStaff(t, db, tenantB, user, Worker)
	e, err := casbin.NewEnforcer(newModel(), newAdapter(db))
	if err != nil {
		t.Fatal(err)
	}
	versionA, versionB := rbacVersion(t, db, tenantA), rbacVersion(t, db, tenantB)
	u, a := user.String(), tenantA.String()

	if _, err := e.AddGroupingPolicy(u, "clerk", a); err != nil {
		t.Fatal(err)
	}
	if _, err := e.AddGroupingPolicies([][]string{{u, "office_head", a}, {u, "team_leader", a}}); err != nil {
		t.Fatal(err)
	}
	if got := storedRoles(t, db, tenantA, user); !slices.Equal(got, []string{"clerk", "office_head", "team_leader"}) {
		t.Errorf("stored %v", got)
	}
	if _, err := e.RemoveGroupingPolicy(u, "team_leader", a); err != nil {
		t.Fatal(err)
	}
	if got := storedRoles(t, db, tenantA, user); !slices.Equal(got, []string{"clerk", "office_head"}) {
		t.Errorf("stored %v after removal", got)
	}
	if got := rbacVersion(t, db, tenantA); got != versionA+3 {
		t.Errorf("version %d after three writes from %d", got, versionA)
	}

	// Removing a user everywhere bumps every tenant touched.
	if _, err := e.RemoveFilteredGroupingPolicy(0, u); err != nil {
		t.Fatal(err)
	}
	if len(storedRoles(t, db, tenantA, user)) != 0 || len(storedRoles(t, db, tenantB, user)) != 0 {
		t.Error("filtered removal left rows")
	}
	if rbacVersion(t, db, tenantA) != versionA+4 || rbacVersion(t, db, tenantB) != versionB+1 {
		t.Error("filtered removal did not bump both tenants")
	}

	for name, err := range map[string]error{
		"p rule":       func() error { _, err := e.AddPolicy("clerk", "*", "staff", "invite"); return err }(),
		"global g":     func() error { _, err := e.AddGroupingPolicy("worker", "clerk", "*"); return err }(),
		"unknown role": func() error { _, err := e.AddGroupingPolicy(u, "admin", a); return err }(),
		"two tenants": func() error {
			_, err := e.AddGroupingPolicies([][]string{{u, "clerk", a}, {u, "clerk", tenantB.String()}})
			return err
		}(),
		"save": e.SavePolicy(),
	} {
		if err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if err := newAdapter(db).AddPolicy("p", "p", []string{"clerk", "*", "staff", "invite"}); !errors.Is(err, errEmbedded) {
		t.Errorf("p rule: %v", err)
	}
}

func storedRoles(t *testing.T, db *database.DB, tenantID, userID uuid.UUID) []string {
	t.Helper()
	var roles []string
	inPlatform(t, db, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model((*assignment)(nil)).Column("role").
			Where("tenant_id = ? AND user_id = ?", tenantID, userID).OrderExpr("role").Scan(ctx, &roles)
	})
	return roles
}
