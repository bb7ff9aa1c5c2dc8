package rbac

import (
	"context"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"
	"unsafe"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database/dbtest"
)

func TestNoPermissionInAnotherTenant(t *testing.T) {
	db := dbtest.New(t)
	tenantA, tenantB := seedTenant(t, db), seedTenant(t, db)
	boss, both := seedUser(t, db), seedUser(t, db)
	seedStaff(t, db, tenantA, boss, Manager)
	seedStaff(t, db, tenantA, both, Manager)
	seedStaff(t, db, tenantB, both, Worker)
	a := newAuthorizer(t, db)

	for _, p := range allPermissions() {
		obj, act, _ := strings.Cut(p, ":")
		if a.Can(boss, tenantB, obj, act) {
			t.Errorf("manager of A can %s in B", p)
		}
		if got, want := a.Can(both, tenantB, obj, act), slices.Contains(Permissions(Worker), p); got != want {
			t.Errorf("worker of B, manager of A: %s in B = %v, want %v", p, got, want)
		}
		if !slices.Contains(Permissions(Manager), p) {
			continue
		}
		if !a.Can(boss, tenantA, obj, act) || !a.Can(both, tenantA, obj, act) {
			t.Errorf("manager of A cannot %s in A", p)
		}
	}
	if got := a.Roles(boss, tenantB); len(got) != 0 {
		t.Errorf("Roles in B = %v", got)
	}
	if a.Can(boss, uuid.Nil, ObjTenant, ActRead) || a.Can(uuid.Nil, tenantA, ObjTenant, ActRead) {
		t.Error("nil IDs allowed")
	}
}

func TestSyncFollowsTheDatabase(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	tenantA, tenantB := seedTenant(t, db), seedTenant(t, db)
	clerk, other := seedUser(t, db), seedUser(t, db)
	seedStaff(t, db, tenantA, clerk, Clerk)
	seedStaff(t, db, tenantB, other, OfficeHead)
	a := newAuthorizer(t, db)

	// Cache decisions in both tenants: Sync must forget A's, not B's.
	if a.Can(clerk, tenantA, ObjTicket, ActAssign) {
		t.Fatal("clerk can assign")
	}
	if !a.Can(other, tenantB, ObjTicket, ActAssign) {
		t.Fatal("office head of B cannot assign")
	}
	loaded := rbacVersion(t, db, tenantA)

	// Another replica promotes the clerk: role and version bump in one transaction.
	grant(t, db, tenantA, clerk, OfficeHead)
	if err := a.Sync(ctx, tenantA, loaded); err != nil {
		t.Fatal(err)
	}
	if a.Can(clerk, tenantA, ObjTicket, ActAssign) {
		t.Error("Sync with the loaded version reloaded the tenant")
	}
	syncTenant(t, a, db, tenantA)
	if !a.Can(clerk, tenantA, ObjTicket, ActAssign) {
		t.Error("promotion not seen after Sync")
	}
	if got := a.Roles(clerk, tenantA); !slices.Equal(got, []Role{Clerk, OfficeHead}) {
		t.Errorf("Roles = %v", got)
	}
	if _, ok := a.p.decisions.tenants[tenantB]; !ok {
		t.Error("Sync of A forgot B's decisions")
	}

	revoke(t, db, tenantA, clerk, Clerk, OfficeHead)
	syncTenant(t, a, db, tenantA)
	if a.Can(clerk, tenantA, ObjTicket, ActRead) || len(a.Roles(clerk, tenantA)) != 0 {
		t.Error("revoked roles still effective")
	}
	if !a.Can(other, tenantB, ObjTicket, ActAssign) {
		t.Error("tenant B lost its roles")
	}

	// A disabled membership keeps its rows but grants nothing.
	inPlatform(t, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE memberships SET disabled_at = ? WHERE tenant_id = ? AND user_id = ?",
			time.Now().UTC(), tenantB, other); err != nil {
			return err
		}
		return bumpVersion(ctx, tx, tenantB)
	})
	syncTenant(t, a, db, tenantB)
	if a.Can(other, tenantB, ObjTicket, ActRead) {
		t.Error("disabled member still allowed")
	}

	// A tenant created after New is loaded on its first Sync, whatever its version.
	tenantC := seedTenant(t, db)
	newcomer := seedUser(t, db)
	seedStaff(t, db, tenantC, newcomer, Worker)
	if err := a.Sync(ctx, tenantC, 0); err != nil {
		t.Fatal(err)
	}
	if !a.Can(newcomer, tenantC, ObjTicket, ActWork) {
		t.Error("new tenant not loaded")
	}

	grant(t, db, tenantA, clerk, Manager)
	if err := a.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if !a.Can(clerk, tenantA, ObjStaff, ActInvite) {
		t.Error("Reload missed a change")
	}
	if !a.loaded(tenantA, rbacVersion(t, db, tenantA)) {
		t.Error("Reload did not record the current version")
	}
}

// Run with -race: decisions, Syncs and a Reload at once.
func TestConcurrentUse(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	tenantID := seedTenant(t, db)
	user := seedUser(t, db)
	seedStaff(t, db, tenantID, user, Worker)
	a := newAuthorizer(t, db)

	stop := make(chan struct{})
	var wg gosync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					a.Can(user, tenantID, ObjTicket, ActWork)
					a.Can(user, tenantID, ObjTicket, ActCreate)
					a.Roles(user, tenantID)
				}
			}
		})
	}
	for i := range 6 {
		if i%2 == 0 {
			grant(t, db, tenantID, user, Clerk)
		} else {
			revoke(t, db, tenantID, user, Clerk)
		}
		syncTenant(t, a, db, tenantID)
		if got, want := a.Can(user, tenantID, ObjTicket, ActCreate), i%2 == 0; got != want {
			t.Errorf("step %d: ticket:create = %v, want %v", i, got, want)
		}
	}
	if err := a.Reload(ctx); err != nil {
		t.Error(err)
	}
	close(stop)
	wg.Wait()
}

func TestDecisionCache(t *testing.T) {
	c := newDecisionCache(3)
	t1, t2, t3 := uuid.New(), uuid.New(), uuid.New()
	u1, u2 := uuid.New(), uuid.New()
	read := func(user uuid.UUID) decision { return decision{user, ObjTicket, ActRead} }
	c.put(t1, read(u1), true)
	c.put(t1, read(u2), false)
	c.put(t2, read(u1), true)
	c.put(t3, read(u1), true)
	if c.size != 3 {
		t.Errorf("size %d past the bound", c.size)
	}
	if allowed, ok := c.get(t3, read(u1)); !ok || !allowed {
		t.Errorf("latest decision evicted: %v %v", allowed, ok)
	}
	c.forget(t3)
	if _, ok := c.get(t3, read(u1)); ok {
		t.Error("forgotten decision kept")
	}
	if c.size != 2 {
		t.Errorf("size %d after forget", c.size)
	}

	// A caller's buffer reused after the call must not change the key.
	buf := []byte("ticket")
	obj := unsafe.String(&buf[0], len(buf))
	c.put(t1, decision{u1, obj, ActWork}, true)
	copy(buf, "estate")
	if _, ok := c.get(t1, decision{u1, ObjTicket, ActWork}); !ok {
		t.Error("cached key shares the caller's buffer")
	}
}

func TestRoleManagerLinks(t *testing.T) {
	rm := newRoleManager()
	for _, l := range [][3]string{{"u1", "clerk", "t1"}, {"u2", "worker", "t1"}, {"manager", "clerk", anyTenant}} {
		_ = rm.AddLink(l[0], l[1], l[2])
	}
	if ok, _ := rm.HasLink("u1", "clerk", "t2"); ok {
		t.Error("link leaked across domains")
	}
	_ = rm.AddLink("u3", "manager", "t2")
	if ok, _ := rm.HasLink("u3", "clerk", "t2"); !ok {
		t.Error("global link not followed")
	}
	_ = rm.DeleteLink("nobody", "clerk", "t1")
	_ = rm.DeleteLink("u1", "clerk", "t1")
	if ok, _ := rm.HasLink("u2", "worker", "t1"); !ok {
		t.Error("deleting one user's link dropped another's")
	}
	_ = rm.DeleteLink("u2", "worker", "t1")
	if _, ok := rm.links["t1"]; ok {
		t.Error("empty domain kept")
	}
	if got, _ := rm.GetImplicitUsers("clerk", "t2"); !slices.Equal(got, []string{"manager", "u3"}) {
		t.Errorf("implicit users of clerk: %v", got)
	}
}
