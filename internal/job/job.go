// Package job runs durable background work — SLA deadlines and escalations,
// call-back reminders, imports, outgoing email and webhooks — as River jobs
// stored in the application's own database, so that a restart loses nothing
// and a job enqueued with a business change commits or rolls back with it.
//
// Domain packages define their job args and workers with River's types
// (river.JobArgs, river.Worker[T]); this package owns the client: which
// driver, which queues, how it starts and stops, and how to insert inside a
// bun transaction.
package job

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
)

// Options configures a Client.
type Options struct {
	// Queues and how many of each queue's jobs run at once. Default: River's
	// default queue with 10 workers.
	Queues map[string]river.QueueConfig
	// StopTimeout is how long Stop lets running jobs finish before their
	// contexts are cancelled; a job cut short goes back to the queue without
	// using up an attempt. Default 10 s.
	StopTimeout time.Duration
	// Now replaces the wall clock, for tests: River schedules, fetches and
	// backs off by it, so a test can move time forward instead of waiting,
	// and hand the same clock to a new Client to simulate a restart.
	Now func() time.Time
	// Logger receives River's own logs, its routine heartbeats demoted to
	// Debug. Default: warnings on stdout.
	Logger *slog.Logger
}

// Client enqueues and works jobs on the application's database.
type Client struct {
	river   *river.Client[*sql.Tx]
	workers *river.Workers
	now     func() time.Time
	queues  []string

	mu      sync.Mutex
	kinds   int // registered workers
	started bool
}

// New builds a client on the application's own connections, so on
// PostgreSQL every River query runs as database.AppRole like the rest of the
// application. It does not start working; call Start (or RunPending in
// tests). Jobs can be inserted at once.
func New(db *database.DB, opts Options) (*Client, error) {
	workers := river.NewWorkers()
	queues := opts.Queues
	if len(queues) == 0 {
		queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}}
	}
	cfg := &river.Config{
		Logger:          riverLogger(opts.Logger),
		Queues:          queues,
		SoftStopTimeout: cmp.Or(opts.StopTimeout, 10*time.Second),
		Workers:         workers,
	}
	if opts.Now != nil {
		cfg.Test.Time = clock(opts.Now)
		// Only tests replace the clock; TestOnly skips the jittered start of
		// River's maintenance services, which would only slow them down.
		cfg.TestOnly = true
	}
	c := &Client{workers: workers, now: time.Now}
	if opts.Now != nil {
		c.now = opts.Now
	}
	for q := range queues {
		c.queues = append(c.queues, q)
	}

	var err error
	if db.Postgres() {
		// riverpgxv5 would want pgx.Tx, but the application's transactions
		// are bun's over database/sql (*sql.Tx), and a job must be inserted
		// in the same transaction as the change that causes it. So River
		// talks database/sql over the same pgx pool as bun, and borrows one
		// pgx connection from that pool to LISTEN, so inserts wake workers
		// at once instead of at the next poll. Every connection of the pool
		// has SET ROLE AppRole.
		//
		// REINDEX needs table ownership, which the application role lacks
		// by design; River's nightly reindexer would only log failures.
		cfg.ReindexerIndexNames = []string{}
		c.river, err = river.NewClient(riverdatabasesql.NewWithPgxListener(db.Bun.DB, db.Pool()), cfg)
	} else {
		// The writer: its single connection serializes River's writes with
		// the application's (SQLite has one writer anyway, and River's
		// driver advises one connection to avoid SQLITE_BUSY).
		c.river, err = river.NewClient(riversqlite.New(db.Bun.DB), cfg)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AddWorker registers the worker of one job kind, before Start. Workers are
// added after New because the services they call usually need the Client to
// enqueue jobs themselves.
func AddWorker[T river.JobArgs](c *Client, w river.Worker[T]) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started {
		return errors.New("job: AddWorker after Start")
	}
	if err := river.AddWorkerSafely(c.workers, w); err != nil {
		return err
	}
	c.kinds++
	return nil
}

// InsertTx enqueues a job in the caller's transaction: it exists, and will
// run, only if tx commits.
func (c *Client) InsertTx(ctx context.Context, tx bun.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := c.river.InsertTx(ctx, tx.Tx, args, opts)
	return err
}

// InsertManyTx enqueues several jobs in the caller's transaction with one
// statement.
func (c *Client) InsertManyTx(ctx context.Context, tx bun.Tx, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	_, err := c.river.InsertManyTx(ctx, tx.Tx, params)
	return err
}

// Every enqueues args' job every interval and once at start, from the
// elected leader: once across the replicas.
func (c *Client) Every(interval time.Duration, args river.JobArgs) {
	c.river.PeriodicJobs().Add(river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return args, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
}

// Insert enqueues a job in its own transaction. Inside a transaction use
// InsertTx: on SQLite, Insert would wait forever for the single writer
// connection that the transaction holds.
func (c *Client) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := c.river.Insert(ctx, args, opts)
	return err
}

// CompleteTx marks the running job completed inside the worker's own bun
// transaction, so its effects and its completion commit together: a crash
// in between cannot make it run twice. Call it only from inside Work.
func CompleteTx[T river.JobArgs](ctx context.Context, tx bun.Tx, j *river.Job[T]) error {
	// The driver type parameter only names the transaction type (*sql.Tx
	// on both dialects); River completes through the client in ctx, which
	// carries the real driver.
	_, err := river.JobCompleteTx[*riverdatabasesql.Driver](ctx, tx.Tx, j)
	return err
}

// Start works jobs in the background until Stop, or until ctx is cancelled
// (which also stops gracefully). With no worker registered there is nothing
// to work and Start does nothing.
func (c *Client) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started {
		return nil
	}
	if c.kinds == 0 {
		// River refuses to start without workers, and there is nothing to
		// work; the application starts before any domain registers one.
		return nil
	}
	if err := c.river.Start(ctx); err != nil {
		return err
	}
	c.started = true
	return nil
}

// Stop stops fetching jobs and waits for running ones: they get
// Options.StopTimeout to finish, then their contexts are cancelled and they
// return to the queue without using up an attempt. Give ctx longer than
// StopTimeout: if it ends first, Stop returns its error while jobs may still
// run, and a job cut off by the process exiting waits for River's rescuer
// (an hour) before it is retried.
func (c *Client) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started {
		return nil
	}
	if err := c.river.Stop(ctx); err != nil {
		return err
	}
	c.started = false
	return nil
}

// clock adapts Options.Now to River's time generator.
type clock func() time.Time

func (f clock) Now() time.Time { return f() }

// NowOrNil is the time River writes into the database (created_at,
// scheduled_at, fetch cut-offs); a stubbed clock returns it always.
func (f clock) NowOrNil() *time.Time {
	t := f().UTC()
	return &t
}
