package database

import (
	"context"
	"database/sql"
	"fmt"
	"io"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/estatedesk/estatedesk/migrations"
)

// MigrationData fills the dialect placeholders of the migration templates.
type MigrationData struct {
	PG   bool
	UUID string
	TS   string
	Blob string
}

func migrationData(pg bool) MigrationData {
	if pg {
		return MigrationData{PG: true, UUID: "uuid", TS: "timestamptz", Blob: "bytea"}
	}
	return MigrationData{UUID: "text", TS: "timestamp", Blob: "blob"}
}

func newMigrator(opts Options) (*migrate.Migrator, *bun.DB, error) {
	owner, err := openOwner(opts)
	if err != nil {
		return nil, nil, err
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(migrations.FS); err != nil {
		owner.Close()
		return nil, nil, fmt.Errorf("migrations: %w", err)
	}
	m := migrate.NewMigrator(owner, ms,
		migrate.WithTemplateData(migrationData(IsPostgresURL(opts.URL))),
		migrate.WithMarkAppliedOnSuccess(true))
	return m, owner, nil
}

// riverMigrator applies the schema of River, the job queue (internal/job).
// River versions its tables itself, in river_migration, with the SQL that
// ships with the driver; they are not copied into migrations/, so a River
// upgrade brings its own migrations.
func riverMigrator(sqldb *sql.DB, pg bool) (*rivermigrate.Migrator[*sql.Tx], error) {
	if pg {
		return rivermigrate.New(riverdatabasesql.New(sqldb), nil)
	}
	return rivermigrate.New(riversqlite.New(sqldb), nil)
}

// riverName names a River version in our lists by number only: River's own
// names hold words such as "pending" that would read as a status.
func riverName(v int) string { return fmt.Sprintf("river_%03d", v) }

// Migrate applies every pending migration as the schema owner: ours, then
// River's. River's tables come second so that the foundation's default
// privileges (PostgreSQL) already grant the application role their use.
func Migrate(ctx context.Context, opts Options) (applied []string, err error) {
	m, owner, err := newMigrator(opts)
	if err != nil {
		return nil, err
	}
	defer owner.Close()
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("migrations: init: %w", err)
	}
	if err := m.Lock(ctx); err != nil {
		return nil, fmt.Errorf("migrations: lock: %w", err)
	}
	defer m.Unlock(ctx) //nolint:errcheck // the lock row is removed on success; a failure leaves it for the operator
	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	for _, mg := range group.Migrations {
		applied = append(applied, mg.Name)
	}
	// Still under bun's migration lock, so two replicas starting together
	// do not both apply River's versions.
	rm, err := riverMigrator(owner.DB, IsPostgresURL(opts.URL))
	if err != nil {
		return applied, err
	}
	res, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return applied, fmt.Errorf("river migrations: %w", err)
	}
	for _, v := range res.Versions {
		applied = append(applied, riverName(v.Version))
	}
	return applied, nil
}

// Rollback undoes the last group of our migrations. It leaves River's
// schema alone: River's versions follow the River library, not our groups,
// and undoing them would drop the queue and every job waiting in it.
// Downgrading River is a deliberate step with River's own migrator.
func Rollback(ctx context.Context, opts Options) (rolledBack []string, err error) {
	m, owner, err := newMigrator(opts)
	if err != nil {
		return nil, err
	}
	defer owner.Close()
	if err := m.Init(ctx); err != nil {
		return nil, err
	}
	if err := m.Lock(ctx); err != nil {
		return nil, err
	}
	defer m.Unlock(ctx) //nolint:errcheck
	group, err := m.Rollback(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	for _, mg := range group.Migrations {
		rolledBack = append(rolledBack, mg.Name)
	}
	return rolledBack, nil
}

// PrintStatus writes one line per migration, ours then River's: applied or
// pending.
func PrintStatus(ctx context.Context, opts Options, w io.Writer) error {
	m, owner, err := newMigrator(opts)
	if err != nil {
		return err
	}
	defer owner.Close()
	if err := m.Init(ctx); err != nil {
		return err
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return err
	}
	for _, mg := range ms {
		state := "pending"
		if mg.IsApplied() {
			state = "applied " + mg.MigratedAt.UTC().Format("2006-01-02 15:04:05Z")
		}
		fmt.Fprintf(w, "%s\t%s\n", mg.Name+"_"+mg.Comment, state)
	}
	rm, err := riverMigrator(owner.DB, IsPostgresURL(opts.URL))
	if err != nil {
		return err
	}
	done, err := riverApplied(ctx, rm)
	if err != nil {
		return err
	}
	for _, v := range rm.AllVersions() {
		state := "pending"
		if done[v.Version] {
			state = "applied"
		}
		fmt.Fprintf(w, "%s\t%s\n", riverName(v.Version), state)
	}
	return nil
}

func riverApplied(ctx context.Context, rm *rivermigrate.Migrator[*sql.Tx]) (map[int]bool, error) {
	existing, err := rm.ExistingVersions(ctx)
	if err != nil {
		return nil, err
	}
	done := make(map[int]bool, len(existing))
	for _, v := range existing {
		done[v.Version] = true
	}
	return done, nil
}

// Pending counts the migrations not yet applied, ours and River's; /readyz
// wants zero. It reads through the application's own connections.
func (db *DB) Pending(ctx context.Context) (int, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(migrations.FS); err != nil {
		return 0, err
	}
	var applied []string
	if err := db.read.NewSelect().Table("bun_migrations").Column("name").Scan(ctx, &applied); err != nil {
		return 0, Normalize(err)
	}
	done := make(map[string]bool, len(applied))
	for _, name := range applied {
		done[name] = true
	}
	pending := 0
	for _, mg := range ms.Sorted() {
		if !done[mg.Name] {
			pending++
		}
	}
	rm, err := riverMigrator(db.read.DB, db.Postgres())
	if err != nil {
		return 0, err
	}
	riverDone, err := riverApplied(ctx, rm)
	if err != nil {
		return 0, err
	}
	for _, v := range rm.AllVersions() {
		if !riverDone[v.Version] {
			pending++
		}
	}
	return pending, nil
}
