package account_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
	"github.com/estatedesk/estatedesk/internal/mail"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// Two replicas on one database, each remembering sessions for a minute: a
// session ended on A is refused on B within a second, through PostgreSQL's
// notifications, not after the TTL.
func TestRevocationReachesTheOtherReplicaWithinASecond(t *testing.T) {
	if dbtest.Dialect() != "postgres" {
		t.Skip("replicas share a PostgreSQL database")
	}
	ctx := context.Background()
	opts := dbtest.Options(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	replica := func() *account.Service {
		db, err := database.Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Listen(ctx, log); err != nil {
			t.Fatal(err)
		}
		return account.NewService(db, account.Settings{SessionTTL: time.Hour, SessionCacheTTL: time.Minute}, mail.LogSender{Log: log}, log)
	}
	a, b := replica(), replica()
	u, err := a.EnsureUser(ctx, "clerk@example.com", "Clerk", func() (string, error) { return "x", nil }, false)
	if err != nil {
		t.Fatal(err)
	}
	sess, token, err := a.OpenSession(ctx, u, account.KindWeb, account.Client{IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(ctx, token); err != nil { // B now remembers it
		t.Fatal(err)
	}
	if err := a.RevokeSession(ctx, u.ID, sess.ID); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for {
		_, err := b.Authenticate(ctx, token)
		if errors.Is(err, account.ErrSessionInvalid) {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("replica B still accepts the session %v after it was revoked on A", time.Since(start))
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("refused on B %v after the revocation on A", time.Since(start).Round(time.Millisecond))
}
