package database

import (
	"context"
	"fmt"
	"io"

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

func newMigrator(opts Options) (*migrate.Migrator, func() error, error) {
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
	return m, owner.Close, nil
}

// Migrate applies every pending migration as the schema owner.
func Migrate(ctx context.Context, opts Options) (applied []string, err error) {
	m, closeFn, err := newMigrator(opts)
	if err != nil {
		return nil, err
	}
	defer closeFn()
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
	return applied, nil
}

// Rollback undoes the last group of migrations.
func Rollback(ctx context.Context, opts Options) (rolledBack []string, err error) {
	m, closeFn, err := newMigrator(opts)
	if err != nil {
		return nil, err
	}
	defer closeFn()
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

// PrintStatus writes one line per migration: applied or pending.
func PrintStatus(ctx context.Context, opts Options, w io.Writer) error {
	m, closeFn, err := newMigrator(opts)
	if err != nil {
		return err
	}
	defer closeFn()
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
	return nil
}

// Pending counts the migrations not yet applied; /readyz wants zero. It reads
// through the application's own connections.
func (db *DB) Pending(ctx context.Context) (int, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(migrations.FS); err != nil {
		return 0, err
	}
	var applied []string
	if err := db.Bun.NewSelect().Table("bun_migrations").Column("name").Scan(ctx, &applied); err != nil {
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
	return pending, nil
}
