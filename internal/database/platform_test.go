package database_test

import (
	"context"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
)

// A connection of the tenant pool that sets every setting it likes and
// tries every role it can name still sees at most one company: what an SQL
// injection in tenant code could do. Only the platform pool sees both.
func TestTenantConnectionCannotReachThePlatform(t *testing.T) {
	if dbtest.Dialect() != "postgres" {
		t.Skip("row-level security is a PostgreSQL feature")
	}
	db := dbtest.New(t)
	ctx := context.Background()
	a := seedTenant(t, db, "alpha")
	seedTenant(t, db, "bravo")

	conn, err := db.Bun.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var login string
	if err := conn.QueryRowContext(ctx, "SELECT session_user").Scan(&login); err != nil {
		t.Fatal(err)
	}
	if login != database.TenantLogin {
		t.Fatalf("the tenant pool logs in as %s, want %s", login, database.TenantLogin)
	}
	tries := []struct {
		sql    string
		refuse bool // the database must refuse the statement
	}{
		{"SELECT set_config('app.platform', 'on', false)", false},
		{"SET app.platform = 'on'", false},
		{"SET ROLE " + database.PlatformRole, true},
		{"SET ROLE postgres", true},
		{"SET SESSION AUTHORIZATION postgres", true},
		{"SET SESSION AUTHORIZATION " + database.PlatformRole, true},
		{"RESET ROLE", false},
		{"SET row_security = off", false},
		{"SET app.tenant_id = '" + a.String() + "'", false},
		{"GRANT " + database.PlatformRole + " TO " + database.TenantLogin, true},
		{"ALTER ROLE " + database.TenantLogin + " BYPASSRLS", true},
		{"ALTER TABLE estates DISABLE ROW LEVEL SECURITY", true},
		{"CREATE FUNCTION public.peek() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS 'SELECT count(*) FROM estates'", true},
	}
	for _, try := range tries {
		_, err := conn.ExecContext(ctx, try.sql)
		if try.refuse && err == nil {
			t.Errorf("%s: accepted", try.sql)
		}
		if !try.refuse && err != nil {
			t.Fatalf("%s: %v", try.sql, err)
		}
		var n int
		err = conn.QueryRowContext(ctx, "SELECT count(DISTINCT tenant_id) FROM estates").Scan(&n)
		if err != nil && !strings.Contains(err.Error(), "row-level security") {
			t.Fatalf("after %s: %v", try.sql, err)
		}
		if n > 1 {
			t.Errorf("after %s the tenant connection sees %d companies", try.sql, n)
		}
	}

	var n int
	err = db.ReadPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(DISTINCT tenant_id) FROM estates").Scan(&n)
	})
	if err != nil || n != 2 {
		t.Errorf("the platform pool sees %d companies (%v), want 2", n, err)
	}
}
