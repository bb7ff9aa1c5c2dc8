package database

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Replicas agree on their caches through PostgreSQL: a replica that changes
// something cached (a session, a tenant's status or roles, a setting)
// forgets its own entries and says so on one channel; every other replica
// listening forgets all of its cached entries. Changes are rare, so all
// instead of which; the caches' TTL stays as the safety net for a lost
// notification.
const cacheChannel = "estatedesk_cache"

// replay is when a receiver forgets once more: a replica may publish just
// before its transaction commits, and a read made between the two would
// otherwise be cached for a whole TTL.
const replay = 250 * time.Millisecond

type invalidation struct {
	mu        sync.Mutex
	forgetAll []func()
	self      string // this handle's ID, to skip its own notifications
	listening bool
	stop      context.CancelFunc
	done      chan struct{}
}

// OnInvalidate registers fn to forget a cache's entries when another
// replica changed something.
func (db *DB) OnInvalidate(fn func()) {
	db.inv.mu.Lock()
	defer db.inv.mu.Unlock()
	db.inv.forgetAll = append(db.inv.forgetAll, fn)
}

// Invalidate tells the other replicas that something cached changed. The
// caller forgets its own entries itself. Best effort: a notification lost
// is covered by the TTL.
func (db *DB) Invalidate(ctx context.Context) {
	db.inv.mu.Lock()
	listening := db.inv.listening
	db.inv.mu.Unlock()
	if !listening {
		return
	}
	_, _ = db.Bun.ExecContext(context.WithoutCancel(ctx), "SELECT pg_notify(?, ?)", cacheChannel, db.inv.self)
}

func (db *DB) forgetAll() {
	db.inv.mu.Lock()
	fns := append([]func(){}, db.inv.forgetAll...)
	db.inv.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// Listen starts following the other replicas' invalidations (PostgreSQL
// only; a SQLite database has one process). It returns once listening, so
// that a change made after it is seen. The connection is the tenant
// login's own, outside the pools; when it drops, everything is forgotten
// (notifications may have been missed) and it connects again.
func (db *DB) Listen(ctx context.Context, log *slog.Logger) error {
	if !db.Postgres() {
		return nil
	}
	url := db.opts.URL
	if db.opts.TenantURL != "" {
		url = db.opts.TenantURL
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	ctx, cancel := context.WithCancel(ctx)
	conn, err := listenConn(ctx, url)
	if err != nil {
		cancel()
		return err
	}
	db.inv.mu.Lock()
	db.inv.self, db.inv.listening, db.inv.stop, db.inv.done = hex.EncodeToString(b), true, cancel, make(chan struct{})
	db.inv.mu.Unlock()
	go func() {
		defer close(db.inv.done)
		for {
			err := db.follow(ctx, conn)
			conn.Close(context.Background())
			if ctx.Err() != nil {
				return
			}
			log.Warn("cache invalidation connection lost; reconnecting", "err", err)
			db.forgetAll()
			for conn, err = listenConn(ctx, url); err != nil; conn, err = listenConn(ctx, url) {
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Second):
				}
			}
			db.forgetAll()
		}
	}()
	return nil
}

func listenConn(ctx context.Context, url string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+cacheChannel); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	return conn, nil
}

func (db *DB) follow(ctx context.Context, conn *pgx.Conn) error {
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Payload == db.inv.self {
			continue
		}
		db.forgetAll()
		time.AfterFunc(replay, db.forgetAll)
	}
}

// stopListening ends Listen's connection (Close).
func (db *DB) stopListening() {
	db.inv.mu.Lock()
	stop, done := db.inv.stop, db.inv.done
	db.inv.listening = false
	db.inv.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}
