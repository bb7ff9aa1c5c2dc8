package database_test

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func seedTenant(t *testing.T, db *database.DB, slug string) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	err := db.InPlatform(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		if err := insertTenant(ctx, tx, id, slug); err != nil {
			return err
		}
		return insertEstate(ctx, tx, id, slug+" estate")
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func insertTenant(ctx context.Context, tx bun.Tx, id uuid.UUID, slug string) error {
	now := time.Now().UTC()
	_, err := tx.ExecContext(ctx, "INSERT INTO tenants (id, slug, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
		id, slug, slug, now, now)
	return err
}

func insertEstate(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, name string) error {
	now := time.Now().UTC()
	_, err := tx.ExecContext(ctx, "INSERT INTO estates (tenant_id, id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
		tenantID, uuid.Must(uuid.NewV7()), name, now, now)
	return err
}

// The proof that row-level security applies to the connections the app
// uses: a query deliberately written without a tenant filter sees only the
// current tenant, and a write for another tenant is refused.
func TestRowLevelSecurityFiltersUnscopedQueries(t *testing.T) {
	if dbtest.Dialect() != "postgres" {
		t.Skip("row-level security is a PostgreSQL feature")
	}
	db := dbtest.New(t)
	ctx := context.Background()
	a := seedTenant(t, db, "alpha")
	b := seedTenant(t, db, "bravo")

	err := db.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
		var user string
		var bypass, super bool
		if err := tx.QueryRowContext(ctx, "SELECT current_user, rolbypassrls, rolsuper FROM pg_roles WHERE rolname = current_user").
			Scan(&user, &bypass, &super); err != nil {
			return err
		}
		if user != database.AppRole || bypass || super {
			t.Errorf("app works as %s (bypassrls=%v super=%v), want %s subject to policies", user, bypass, super, database.AppRole)
		}
		var tenants []uuid.UUID
		if err := tx.NewRaw("SELECT tenant_id FROM estates").Scan(ctx, &tenants); err != nil {
			return err
		}
		if len(tenants) != 1 || tenants[0] != a {
			t.Errorf("unfiltered query saw tenants %v, want only %v", tenants, a)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
		return insertEstate(ctx, tx, b, "smuggled")
	})
	if err == nil {
		t.Error("insert of another tenant's row succeeded")
	}

	// Outside any tenant scope nothing is visible at all: forgetting the
	// scope fails closed.
	var n int
	if err := db.Bun.NewRaw("SELECT count(*) FROM estates").Scan(ctx, &n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("unscoped connection saw %d estates, want 0", n)
	}
}

// Every tenant-owned table has tenant_id leading its primary key and, on
// PostgreSQL, forced row-level security with a policy.
func TestTenantTablesAreWalled(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	for _, table := range tables(t, db) {
		cols := columns(t, db, table)
		if !contains(cols, "tenant_id") || table == "tenants" {
			continue
		}
		pk := primaryKey(t, db, table)
		if len(pk) == 0 || pk[0] != "tenant_id" {
			t.Errorf("%s: primary key %v does not lead with tenant_id", table, pk)
		}
		if !db.Postgres() {
			continue
		}
		var enabled, forced bool
		var policies int
		err := db.Bun.QueryRowContext(ctx, `SELECT c.relrowsecurity, c.relforcerowsecurity,
			(SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
			FROM pg_class c WHERE c.relname = ? AND c.relkind = 'r'`, table).Scan(&enabled, &forced, &policies)
		if err != nil {
			t.Fatal(err)
		}
		if !enabled || !forced || policies == 0 {
			t.Errorf("%s: rls enabled=%v forced=%v policies=%d", table, enabled, forced, policies)
		}
	}
}

// Both dialects reach the same tables, columns and primary keys.
func TestMigrationsReachSameSchemaOnBothDialects(t *testing.T) {
	if dbtest.Dialect() != "postgres" {
		t.Skip("compares against PostgreSQL; runs in the PostgreSQL suite")
	}
	pg := dbtest.New(t)
	dir := t.TempDir()
	if _, err := database.Migrate(context.Background(), database.Options{DataDir: dir}); err != nil {
		t.Fatal(err)
	}
	lite, err := database.Open(context.Background(), database.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	describe := func(db *database.DB) string {
		var b strings.Builder
		for _, table := range tables(t, db) {
			cols := columns(t, db, table)
			sort.Strings(cols)
			b.WriteString(table + "(" + strings.Join(cols, ",") + ") pk(" + strings.Join(primaryKey(t, db, table), ",") + ")\n")
		}
		return b.String()
	}
	if got, want := describe(lite), describe(pg); got != want {
		t.Errorf("schemas differ\nsqlite:\n%s\npostgres:\n%s", got, want)
	}
}

func TestMigrateIsIdempotentAndReversible(t *testing.T) {
	opts := dbtest.Options(t)
	ctx := context.Background()
	applied, err := database.Migrate(ctx, opts)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second migrate applied %v, err %v", applied, err)
	}
	db, err := database.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := db.Pending(ctx); err != nil || n != 0 {
		t.Fatalf("pending = %d, %v", n, err)
	}
	db.Close()
	if _, err := database.Rollback(ctx, opts); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if applied, err := database.Migrate(ctx, opts); err != nil || len(applied) == 0 {
		t.Fatalf("re-migrate after rollback: %v %v", applied, err)
	}
}

func TestNormalizeErrors(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	seedTenant(t, db, "dup")
	err := db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		return insertTenant(ctx, tx, uuid.Must(uuid.NewV7()), "dup")
	})
	if !errors.Is(err, database.ErrConflict) {
		t.Errorf("duplicate slug: %v, want ErrConflict", err)
	}
	err = db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		var name string
		return tx.NewRaw("SELECT name FROM tenants WHERE slug = ?", "nope").Scan(ctx, &name)
	})
	if !errors.Is(err, database.ErrNotFound) {
		t.Errorf("missing row: %v, want ErrNotFound", err)
	}
}

func tables(t *testing.T, db *database.DB) []string {
	t.Helper()
	var names []string
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'bun_%' ORDER BY name"
	if db.Postgres() {
		q = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'bun_%' ORDER BY tablename"
	}
	if err := db.Bun.NewRaw(q).Scan(context.Background(), &names); err != nil {
		t.Fatal(err)
	}
	return names
}

func columns(t *testing.T, db *database.DB, table string) []string {
	t.Helper()
	var names []string
	q := "SELECT name FROM pragma_table_info(?)"
	if db.Postgres() {
		q = "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ?"
	}
	if err := db.Bun.NewRaw(q, table).Scan(context.Background(), &names); err != nil {
		t.Fatal(err)
	}
	return names
}

func primaryKey(t *testing.T, db *database.DB, table string) []string {
	t.Helper()
	var names []string
	q := "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk"
	if db.Postgres() {
		q = `SELECT a.attname FROM pg_index i
			JOIN pg_class c ON c.oid = i.indrelid
			JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
			JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
			WHERE c.relname = ? AND i.indisprimary ORDER BY k.ord`
	}
	if err := db.Bun.NewRaw(q, table).Scan(context.Background(), &names); err != nil {
		t.Fatal(err)
	}
	return names
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// boundRow has a column of every kind BoundInsert takes, nullable and not.
type boundRow struct {
	bun.BaseModel `bun:"table:bound_rows"`

	ID    uuid.UUID  `bun:"id,type:uuid"`
	Ref   *uuid.UUID `bun:"ref,type:uuid"`
	Name  string     `bun:"name"`
	Note  *string    `bun:"note"`
	On    bool       `bun:"on_"`
	N     int        `bun:"n"`
	At    time.Time  `bun:"at"`
	Until *time.Time `bun:"until_"`
}

// BoundInsert's rows read back as they went in, NULLs included, with and
// without a suffix.
func TestBoundInsert(t *testing.T) {
	if dbtest.Dialect() != "postgres" {
		t.Skip("PostgreSQL only")
	}
	db := dbtest.New(t)
	ctx := context.Background()
	ref, note := uuid.New(), "备注"
	at := time.Date(2026, 11, 27, 9, 30, 0, 123000, time.UTC)
	rows := []*boundRow{
		{ID: uuid.New(), Ref: &ref, Name: "甲", Note: &note, On: true, N: 42, At: at, Until: &at},
		{ID: uuid.New(), Name: "", N: -1, At: at.Add(time.Hour)},
	}
	err := db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE bound_rows (id uuid PRIMARY KEY, ref uuid, name text NOT NULL,
			note text, on_ boolean NOT NULL, n integer NOT NULL, at timestamptz NOT NULL, until_ timestamptz) ON COMMIT DROP`); err != nil {
			return err
		}
		q, args := database.BoundInsert(tx, &rows, "")
		if err := database.ExecBound(ctx, tx, q, args...); err != nil {
			return err
		}
		// Again with a suffix: the first row conflicts, the new one returns.
		again := []*boundRow{rows[0], {ID: uuid.New(), Name: "乙", At: at}}
		q, args = database.BoundInsert(tx, &again, "ON CONFLICT DO NOTHING RETURNING id")
		rs, err := database.QueryBound(ctx, tx, q, args...)
		if err != nil {
			return err
		}
		var returned []uuid.UUID
		for rs.Next() {
			var id uuid.UUID
			if err := rs.Scan(&id); err != nil {
				return err
			}
			returned = append(returned, id)
		}
		rs.Close()
		if len(returned) != 1 || returned[0] != again[1].ID {
			t.Errorf("returned %v, want only %v", returned, again[1].ID)
		}
		var got []*boundRow
		if err := tx.NewSelect().Model(&got).Where("id IN (?)", bun.In([]uuid.UUID{rows[0].ID, rows[1].ID})).Order("n DESC").Scan(ctx); err != nil {
			return err
		}
		for i := range got {
			got[i].At, got[i].Until = got[i].At.UTC(), utc(got[i].Until)
			if !reflect.DeepEqual(got[i], rows[i]) {
				t.Errorf("row %d: got %+v, want %+v", i, got[i], rows[i])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Instants come back from either database in UTC, so the API writes one
// form of time whatever zone the server runs in.
func TestTimesReadBackInUTC(t *testing.T) {
	// A server east of Greenwich (this test does not run in parallel).
	local := time.Local
	time.Local = time.FixedZone("CST", 8*3600)
	defer func() { time.Local = local }()
	db := dbtest.New(t)
	ctx := context.Background()
	id := seedTenant(t, db, "alpha")
	written := time.Date(2026, 11, 23, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	var got time.Time
	err := db.InTenant(ctx, id, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE tenants SET updated_at = ? WHERE id = ?", written, id); err != nil {
			return err
		}
		return tx.NewSelect().Table("tenants").Column("updated_at").Where("id = ?", id).Scan(ctx, &got)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, offset := got.Zone(); !got.Equal(written) || offset != 0 {
		t.Fatalf("read back %v (%v), want %v in UTC", got, got.Location(), written)
	}
}

// Analyze works as the application's role, which owns no table: on
// PostgreSQL through the schema owner's function; on SQLite it does nothing.
func TestAnalyze(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	seedTenant(t, db, "alpha")
	if !db.Postgres() {
		if err := db.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
		return
	}
	// Test databases are reused, emptied: count the analyses.
	analyses := func() map[string]int {
		var rows []struct {
			Name string `bun:"relname"`
			N    int    `bun:"analyze_count"`
		}
		if err := db.Bun.NewRaw("SELECT relname, analyze_count FROM pg_stat_user_tables WHERE schemaname = 'public' AND relname IN ('estates', 'tenants', 'tickets')").Scan(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		m := map[string]int{}
		for _, r := range rows {
			m[r.Name] = r.N
		}
		return m
	}
	before := analyses()
	if err := db.Analyze(ctx, "estates"); err != nil {
		t.Fatal(err)
	}
	if got := analyses(); got["estates"] != before["estates"]+1 || got["tenants"] != before["tenants"] {
		t.Errorf("analyze estates: %v, before %v", got, before)
	}
	if err := db.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	if got := analyses(); got["tenants"] != before["tenants"]+1 || got["tickets"] != before["tickets"]+1 {
		t.Errorf("analyze all: %v, before %v", got, before)
	}
}
