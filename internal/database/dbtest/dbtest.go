// Package dbtest gives each test a fresh, migrated database of the dialect
// under test: SQLite by default, PostgreSQL when ESTATEDESK_TEST_POSTGRES is
// set to a server URL. In CI (CI=true) a PostgreSQL run never skips: it fails
// if the server cannot be reached.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for admin statements

	"github.com/estatedesk/estatedesk/internal/database"
)

// EnvPostgres names the variable holding the PostgreSQL server URL under test.
const EnvPostgres = "ESTATEDESK_TEST_POSTGRES"

// Dialect is "postgres" or "sqlite": the suite under test.
func Dialect() string {
	if os.Getenv(EnvPostgres) != "" {
		return "postgres"
	}
	return "sqlite"
}

var (
	templateOnce sync.Once
	templateErr  error
	templateName string // PostgreSQL template database, or SQLite template file
)

// Options returns connection options for a brand-new migrated database that
// is dropped when the test ends.
func Options(t testing.TB) database.Options {
	t.Helper()
	templateOnce.Do(func() { templateErr = buildTemplate() })
	if templateErr != nil {
		if os.Getenv("CI") == "" && Dialect() == "postgres" {
			t.Skipf("PostgreSQL unavailable: %v", templateErr)
		}
		t.Fatalf("test database template: %v", templateErr)
	}
	if Dialect() == "sqlite" {
		dir := t.TempDir()
		if err := copyFile(templateName, database.SQLitePath(dir)); err != nil {
			t.Fatal(err)
		}
		return database.Options{DataDir: dir}
	}
	// CREATE DATABASE costs about half a second here, so databases are
	// reused: emptied when a test ends and handed to the next one.
	var name string
	select {
	case name = <-pool:
	default:
		name = "edt_" + randomHex(8)
		admin := adminDB(t)
		_, err := admin.Exec(fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, templateName))
		if err == nil {
			// Tests need no durability; waiting for fsync on every commit
			// would dominate their run time.
			_, err = admin.Exec(fmt.Sprintf("ALTER DATABASE %s SET synchronous_commit = off", name))
		}
		admin.Close()
		if err != nil {
			t.Fatalf("create test database: %v", err)
		}
		poolMu.Lock()
		created = append(created, name)
		poolMu.Unlock()
	}
	url := withDatabase(os.Getenv(EnvPostgres), name)
	t.Cleanup(func() {
		if err := truncateAll(url); err != nil {
			t.Logf("test database %s not reused: %v", name, err)
			return
		}
		pool <- name
	})
	// The tenant pool logs in as the application does in production: as
	// the role that cannot reach the platform role. (The test server trusts
	// local connections, so the role needs no password.)
	return database.Options{URL: url, TenantURL: withUser(url, database.TenantLogin), DataDir: t.TempDir(), MaxConns: 8}
}

var (
	pool    = make(chan string, 256)
	poolMu  sync.Mutex
	created []string
)

// truncateAll empties every table but the migration bookkeeping (bun's and
// River's), as the superuser, whom row-level security does not restrict.
func truncateAll(url string) error {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer db.Close()
	// DELETE with foreign-key triggers off is much cheaper than TRUNCATE on
	// tiny tables: TRUNCATE creates and fsyncs new files for each.
	_, err = db.Exec(`DO $$
DECLARE t text;
BEGIN
    SET LOCAL session_replication_role = replica;
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'bun%' AND tablename <> 'river_migration' LOOP
        EXECUTE format('DELETE FROM %I', t);
    END LOOP;
END $$`)
	return err
}

// New opens a fresh migrated database for one test and closes it after.
func New(t testing.TB) *database.DB {
	t.Helper()
	opts := Options(t)
	db, err := database.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func buildTemplate() error {
	ctx := context.Background()
	if Dialect() == "sqlite" {
		dir, err := os.MkdirTemp("", "estatedesk-dbtest-")
		if err != nil {
			return err
		}
		if _, err := database.Migrate(ctx, database.Options{DataDir: dir}); err != nil {
			return err
		}
		// Fold the WAL into the main file so that one copy is a whole database.
		db, err := database.Open(ctx, database.Options{DataDir: dir})
		if err != nil {
			return err
		}
		if _, err := db.Bun.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			return err
		}
		db.Close()
		templateName = database.SQLitePath(dir)
		return nil
	}
	admin, err := sql.Open("pgx", os.Getenv(EnvPostgres))
	if err != nil {
		return err
	}
	defer admin.Close()
	if err := admin.Ping(); err != nil {
		return fmt.Errorf("connect to %s: %w", EnvPostgres, err)
	}
	name := "edt_template_" + randomHex(6)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		return err
	}
	if _, err := database.Migrate(ctx, database.Options{URL: withDatabase(os.Getenv(EnvPostgres), name)}); err != nil {
		return err
	}
	templateName = name
	return nil
}

func adminDB(t testing.TB) *sql.DB {
	admin, err := sql.Open("pgx", os.Getenv(EnvPostgres))
	if err != nil {
		t.Fatal(err)
	}
	return admin
}

// DropTemplate removes the PostgreSQL template and test databases; call it
// from TestMain.
func DropTemplate() {
	if Dialect() != "postgres" || templateName == "" {
		return
	}
	if admin, err := sql.Open("pgx", os.Getenv(EnvPostgres)); err == nil {
		poolMu.Lock()
		for _, name := range append(created, templateName) {
			_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		}
		poolMu.Unlock()
		admin.Close()
	}
}

// Main runs a package's tests and drops the template database afterwards.
func Main(m interface{ Run() int }) {
	code := m.Run()
	DropTemplate()
	if Dialect() == "sqlite" && templateName != "" {
		os.RemoveAll(filepath.Dir(templateName))
	}
	os.Exit(code)
}

func withDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + name
	return u.String()
}

// withUser is raw with another user and no password.
func withUser(raw, user string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.User = url.User(user)
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Empty returns options for a database with no migrations applied, for tests
// of migrating itself. It is dropped when the test ends.
func Empty(t testing.TB) database.Options {
	t.Helper()
	if Dialect() == "sqlite" {
		return database.Options{DataDir: t.TempDir()}
	}
	templateOnce.Do(func() { templateErr = buildTemplate() })
	if templateErr != nil {
		t.Fatalf("test database template: %v", templateErr)
	}
	name := "edt_empty_" + randomHex(8)
	admin := adminDB(t)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	return database.Options{URL: withDatabase(os.Getenv(EnvPostgres), name), DataDir: t.TempDir()}
}
