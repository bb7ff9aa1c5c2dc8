package rbac

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// inPlatform runs raw statements the way other packages change roles: one
// transaction, platform scope so that tests can reach any tenant.
func inPlatform(t testing.TB, db *database.DB, fn func(ctx context.Context, tx bun.Tx) error) {
	t.Helper()
	if err := db.InPlatform(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func seedTenant(t testing.TB, db *database.DB) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	now := time.Now().UTC()
	inPlatform(t, db, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO tenants (id, slug, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
			id, "t-"+id.String(), "Tenant "+id.String(), now, now)
		return err
	})
	return id
}

func seedUser(t testing.TB, db *database.DB) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	now := time.Now().UTC()
	inPlatform(t, db, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO users (id, email, created_at, updated_at) VALUES (?, ?, ?, ?)",
			id, id.String()+"@example.com", now, now)
		return err
	})
	return id
}

// seedStaff makes user a member of the tenant holding roles.
func seedStaff(t testing.TB, db *database.DB, tenantID, userID uuid.UUID, roles ...Role) {
	t.Helper()
	inPlatform(t, db, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO memberships (tenant_id, id, user_id, created_at) VALUES (?, ?, ?, ?)",
			tenantID, uuid.Must(uuid.NewV7()), userID, time.Now().UTC())
		return err
	})
	grant(t, db, tenantID, userID, roles...)
}

// grant adds roles and bumps the tenant's rbac_version, as role changes must.
func grant(t testing.TB, db *database.DB, tenantID, userID uuid.UUID, roles ...Role) {
	t.Helper()
	inPlatform(t, db, func(ctx context.Context, tx bun.Tx) error {
		for _, r := range roles {
			if _, err := tx.ExecContext(ctx, "INSERT INTO membership_roles (tenant_id, user_id, role, created_at) VALUES (?, ?, ?, ?)",
				tenantID, userID, string(r), time.Now().UTC()); err != nil {
				return err
			}
		}
		return bumpVersion(ctx, tx, tenantID)
	})
}

func revoke(t testing.TB, db *database.DB, tenantID, userID uuid.UUID, roles ...Role) {
	t.Helper()
	inPlatform(t, db, func(ctx context.Context, tx bun.Tx) error {
		for _, r := range roles {
			if _, err := tx.ExecContext(ctx, "DELETE FROM membership_roles WHERE tenant_id = ? AND user_id = ? AND role = ?",
				tenantID, userID, string(r)); err != nil {
				return err
			}
		}
		return bumpVersion(ctx, tx, tenantID)
	})
}

func rbacVersion(t testing.TB, db *database.DB, tenantID uuid.UUID) int64 {
	t.Helper()
	var v int64
	inPlatform(t, db, func(ctx context.Context, tx bun.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT rbac_version FROM tenants WHERE id = ?", tenantID).Scan(&v)
	})
	return v
}

func newAuthorizer(t testing.TB, db *database.DB) *Authorizer {
	t.Helper()
	a, err := New(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func syncTenant(t testing.TB, a *Authorizer, db *database.DB, tenantID uuid.UUID) {
	t.Helper()
	if err := a.Sync(context.Background(), tenantID, rbacVersion(t, db, tenantID)); err != nil {
		t.Fatal(err)
	}
}
