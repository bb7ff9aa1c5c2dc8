package database_test

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
)

// A change to the tenants table, whoever makes it (a billing job, a
// webhook, the console), makes every listening replica forget its caches
// once the change commits, and not before.
func TestTenantChangesReachListenersAtCommit(t *testing.T) {
	if dbtest.Dialect() != "postgres" {
		t.Skip("replicas share a PostgreSQL database")
	}
	ctx := context.Background()
	opts := dbtest.Options(t)
	open := func() *database.DB {
		db, err := database.Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	writer, replica := open(), open()
	var forgot atomic.Int32
	replica.OnInvalidate(func() { forgot.Add(1) })
	if err := replica.Listen(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	tx, err := writer.Bun.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE tenants SET updated_at = updated_at"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if n := forgot.Load(); n != 0 {
		t.Fatalf("the replica forgot %d times before the commit", n)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for forgot.Load() == 0 {
		if time.Since(start) > time.Second {
			t.Fatal("the replica did not forget within a second of the commit")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("forgotten %v after the commit", time.Since(start).Round(time.Millisecond))
}
