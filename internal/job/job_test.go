package job_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
	"github.com/estatedesk/estatedesk/internal/job"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// clock is the controllable time the tests hand to job.Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	// Real time as the start, so River's rows look ordinary; SQLite keeps
	// milliseconds.
	return &clock{now: time.Now().UTC().Truncate(time.Millisecond)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// counter counts runs per key across clients, as a restart keeps the process.
type counter struct {
	mu   sync.Mutex
	runs map[string]int
}

func (c *counter) add(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runs == nil {
		c.runs = map[string]int{}
	}
	c.runs[key]++
	return c.runs[key]
}

func (c *counter) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.runs[key]
}

type countArgs struct {
	Key string `json:"key"`
}

func (countArgs) Kind() string { return "test_count" }

type countWorker struct {
	river.WorkerDefaults[countArgs]
	runs *counter
}

func (w *countWorker) Work(_ context.Context, j *river.Job[countArgs]) error {
	w.runs.add(j.Args.Key)
	return nil
}

type failArgs struct{}

func (failArgs) Kind() string { return "test_fail" }

type failWorker struct {
	river.WorkerDefaults[failArgs]
	runs *counter
}

func (w *failWorker) Work(context.Context, *river.Job[failArgs]) error {
	w.runs.add("fail")
	return errors.New("the mail server said no")
}

func newClient(t *testing.T, db *database.DB, clk *clock, runs *counter, opts job.Options) *job.Client {
	t.Helper()
	if clk != nil {
		opts.Now = clk.Now
	}
	opts.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := job.New(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := job.AddWorker(c, &countWorker{runs: runs}); err != nil {
		t.Fatal(err)
	}
	if err := job.AddWorker(c, &failWorker{runs: runs}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return c
}

func runPending(t *testing.T, c *job.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.RunPending(ctx); err != nil {
		t.Fatal(err)
	}
}

// jobState reads River's row of the only job of kind.
func jobState(t *testing.T, db *database.DB, kind string) (state string, attempt int) {
	t.Helper()
	err := db.Bun.QueryRowContext(context.Background(),
		"SELECT state, attempt FROM river_job WHERE kind = ?", kind).Scan(&state, &attempt)
	if err != nil {
		t.Fatalf("job %s: %v", kind, err)
	}
	return state, attempt
}

func insertTenant(ctx context.Context, tx bun.Tx, slug string) error {
	now := time.Now().UTC()
	_, err := tx.ExecContext(ctx, "INSERT INTO tenants (id, slug, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
		uuid.Must(uuid.NewV7()), slug, slug, now, now)
	return err
}

func TestCommittedInsertRunsExactlyOnce(t *testing.T) {
	db := dbtest.New(t)
	runs := &counter{}
	c := newClient(t, db, newClock(), runs, job.Options{})
	ctx := context.Background()
	err := db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := insertTenant(ctx, tx, "acme"); err != nil {
			return err
		}
		return c.InsertTx(ctx, tx, countArgs{Key: "welcome"}, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	runPending(t, c)
	runPending(t, c)
	if n := runs.get("welcome"); n != 1 {
		t.Errorf("ran %d times, want once", n)
	}
	if state, attempt := jobState(t, db, "test_count"); state != "completed" || attempt != 1 {
		t.Errorf("job %s after %d attempts, want completed after 1", state, attempt)
	}
}

func TestRolledBackInsertNeverRuns(t *testing.T) {
	db := dbtest.New(t)
	runs := &counter{}
	c := newClient(t, db, newClock(), runs, job.Options{})
	ctx := context.Background()
	errAbort := errors.New("the business change failed")
	err := db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := insertTenant(ctx, tx, "acme"); err != nil {
			return err
		}
		if err := c.InsertTx(ctx, tx, countArgs{Key: "welcome"}, nil); err != nil {
			return err
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("transaction: %v", err)
	}
	runPending(t, c)
	if n := runs.get("welcome"); n != 0 {
		t.Errorf("ran %d times, want never", n)
	}
	var jobs int
	if err := db.Bun.QueryRowContext(ctx, "SELECT count(*) FROM river_job").Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	if jobs != 0 {
		t.Errorf("%d job rows left by a rolled-back transaction", jobs)
	}
}

func TestScheduledJobWaitsForItsTime(t *testing.T) {
	db := dbtest.New(t)
	runs := &counter{}
	clk := newClock()
	c := newClient(t, db, clk, runs, job.Options{})
	ctx := context.Background()
	if err := c.Insert(ctx, countArgs{Key: "sla"}, &river.InsertOpts{ScheduledAt: clk.Now().Add(4 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	runPending(t, c)
	clk.Advance(4*time.Hour - time.Second)
	runPending(t, c)
	if n := runs.get("sla"); n != 0 {
		t.Fatalf("ran %d times a second before its time", n)
	}
	clk.Advance(time.Second)
	runPending(t, c)
	if n := runs.get("sla"); n != 1 {
		t.Errorf("ran %d times once due, want once", n)
	}
}

// A restart: the first client and its connections go away without working
// the jobs; a new client on the same database, later, works each once.
func TestJobsSurviveRestart(t *testing.T) {
	opts := dbtest.Options(t)
	ctx := context.Background()
	runs := &counter{}
	clk := newClock()

	db1, err := database.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	c1 := newClient(t, db1, clk, runs, job.Options{})
	if err := c1.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c1.Insert(ctx, countArgs{Key: "reminder"}, &river.InsertOpts{ScheduledAt: clk.Now().Add(10 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := c1.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	// Enqueued while nothing works: a process that dies right after a commit.
	if err := c1.Insert(ctx, countArgs{Key: "email"}, nil); err != nil {
		t.Fatal(err)
	}
	db1.Close()
	if runs.get("reminder")+runs.get("email") != 0 {
		t.Fatalf("worked before the restart: %v", runs.runs)
	}

	clk.Advance(11 * time.Minute)
	db2, err := database.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	c2 := newClient(t, db2, clk, runs, job.Options{})
	runPending(t, c2)
	if runs.get("reminder") != 1 || runs.get("email") != 1 {
		t.Errorf("after restart ran %v, want each once", runs.runs)
	}
}

func TestRetriesWithBackoffUpToMaxAttempts(t *testing.T) {
	db := dbtest.New(t)
	runs := &counter{}
	clk := newClock()
	c := newClient(t, db, clk, runs, job.Options{})
	ctx := context.Background()
	if err := c.Insert(ctx, failArgs{}, &river.InsertOpts{MaxAttempts: 3}); err != nil {
		t.Fatal(err)
	}
	// River's default backoff is attempt⁴ seconds ± 10 %: about 1 s after
	// the first failure, 16 s after the second. A job waiting for its retry
	// is "retryable", or "available" with a later scheduled_at once it is
	// close (River's leader looks a few seconds ahead): either way queued.
	steps := []struct {
		advance time.Duration
		runs    int
		final   bool
	}{
		{0, 1, false},                      // first attempt; retry due in ~1 s
		{0, 1, false},                      // not before its backoff
		{800 * time.Millisecond, 1, false}, // still inside the backoff
		{400 * time.Millisecond, 2, false}, // second attempt; retry in ~16 s
		{14 * time.Second, 2, false},
		{4 * time.Second, 3, true}, // third and last attempt
		{24 * time.Hour, 3, true},
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		runPending(t, c)
		state, attempt := jobState(t, db, "test_fail")
		queued := state == "retryable" || state == "available"
		if got := runs.get("fail"); got != s.runs || attempt != s.runs || (s.final && state != "discarded") || (!s.final && !queued) {
			t.Fatalf("step %d (+%v): %d runs, attempt %d, %s; want %d runs, final %v", i, s.advance, got, attempt, state, s.runs, s.final)
		}
	}
}

type blockArgs struct{}

func (blockArgs) Kind() string { return "test_block" }

// blockWorker's first run holds on until its context ends, as a job still
// busy at shutdown would; later runs finish at once.
type blockWorker struct {
	river.WorkerDefaults[blockArgs]
	runs    *counter
	started chan struct{}
	hold    time.Duration // 0: until the context ends
}

func (w *blockWorker) Work(ctx context.Context, _ *river.Job[blockArgs]) error {
	if w.runs.add("block") > 1 {
		return nil
	}
	close(w.started)
	if w.hold > 0 {
		time.Sleep(w.hold)
		return nil
	}
	<-ctx.Done()
	return ctx.Err()
}

func TestStopLetsRunningJobsFinish(t *testing.T) {
	db := dbtest.New(t)
	runs := &counter{}
	c := newClient(t, db, nil, runs, job.Options{StopTimeout: 5 * time.Second})
	w := &blockWorker{runs: runs, started: make(chan struct{}), hold: 300 * time.Millisecond}
	if err := job.AddWorker(c, w); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Insert(ctx, blockArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	<-w.started
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if state, _ := jobState(t, db, "test_block"); state != "completed" {
		t.Errorf("job %s after a graceful stop, want completed", state)
	}
}

// A job still running when the stop timeout runs out is cancelled and goes
// back to the queue without using up an attempt; the next client works it.
func TestStopTimeoutRequeuesRunningJob(t *testing.T) {
	db := dbtest.New(t)
	runs := &counter{}
	c := newClient(t, db, nil, runs, job.Options{StopTimeout: 100 * time.Millisecond})
	w := &blockWorker{runs: runs, started: make(chan struct{})}
	if err := job.AddWorker(c, w); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Insert(ctx, blockArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	<-w.started
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := c.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	if state, attempt := jobState(t, db, "test_block"); state != "available" || attempt != 0 {
		t.Fatalf("interrupted job %s, attempt %d; want available, 0", state, attempt)
	}
	next := newClient(t, db, nil, runs, job.Options{})
	if err := job.AddWorker(next, w); err != nil {
		t.Fatal(err)
	}
	runPending(t, next)
	if state, _ := jobState(t, db, "test_block"); state != "completed" || runs.get("block") != 2 {
		t.Errorf("after restart: %s, %d runs; want completed on the second run", state, runs.get("block"))
	}
}

// Start is the production path: a job inserted while the client runs is
// picked up promptly (LISTEN on PostgreSQL, the notification table on
// SQLite), without RunPending.
func TestStartedClientWorksNewJobs(t *testing.T) {
	db := dbtest.New(t)
	runs := &counter{}
	c := newClient(t, db, nil, runs, job.Options{})
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	inserted := time.Now()
	err := db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		return c.InsertTx(ctx, tx, countArgs{Key: "now"}, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	for runs.get("now") == 0 {
		if time.Since(inserted) > 10*time.Second {
			t.Fatal("job not worked within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("worked %v after commit", time.Since(inserted).Round(time.Millisecond))
}

type whoArgs struct{}

func (whoArgs) Kind() string { return "test_who" }

// whoWorker does its work in a transaction of the application's own handle
// and completes the job in that same transaction.
type whoWorker struct {
	river.WorkerDefaults[whoArgs]
	db   *database.DB
	user chan string
}

func (w *whoWorker) Work(ctx context.Context, j *river.Job[whoArgs]) error {
	return w.db.Bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		user := "sqlite"
		if w.db.Postgres() {
			if err := tx.QueryRowContext(ctx, "SELECT current_user").Scan(&user); err != nil {
				return err
			}
		}
		w.user <- user
		return job.CompleteTx(ctx, tx, j)
	})
}

func TestWorkersRunAsTheApplicationRole(t *testing.T) {
	db := dbtest.New(t)
	c := newClient(t, db, newClock(), &counter{}, job.Options{})
	w := &whoWorker{db: db, user: make(chan string, 1)}
	if err := job.AddWorker(c, w); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Insert(ctx, whoArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	runPending(t, c)
	if user := <-w.user; db.Postgres() && user != database.AppRole {
		t.Errorf("worker's transaction runs as %s, want %s", user, database.AppRole)
	}
	if state, attempt := jobState(t, db, "test_who"); state != "completed" || attempt != 1 {
		t.Errorf("job %s after %d attempts, want completed by CompleteTx", state, attempt)
	}
}

// River's tables, sequences, functions and types are created by the owner
// after the foundation migration; its default privileges must reach them.
func TestAppRoleCanUseRiverObjects(t *testing.T) {
	if dbtest.Dialect() != "postgres" {
		t.Skip("roles are a PostgreSQL matter")
	}
	db := dbtest.New(t)
	ctx := context.Background()
	// CASE keeps each privilege function to objects of its kind: PostgreSQL
	// may evaluate the conditions of a WHERE in any order. A list of
	// privileges in one call would ask whether any of them is held, not all.
	checks := []struct{ what, query string }{
		{"table", `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = 'public' AND c.relname LIKE 'river%'
			AND CASE WHEN c.relkind = 'r' THEN NOT (has_table_privilege(c.oid, 'SELECT') AND has_table_privilege(c.oid, 'INSERT')
				AND has_table_privilege(c.oid, 'UPDATE') AND has_table_privilege(c.oid, 'DELETE')) END`},
		{"sequence", `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = 'public' AND c.relname LIKE 'river%'
			AND CASE WHEN c.relkind = 'S' THEN NOT has_sequence_privilege(c.oid, 'USAGE') END`},
		{"function", `SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
			WHERE n.nspname = 'public' AND p.proname LIKE 'river%' AND NOT has_function_privilege(p.oid, 'EXECUTE')`},
		{"type", `SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
			WHERE n.nspname = 'public' AND t.typname LIKE 'river%'
			AND CASE WHEN t.typtype = 'e' THEN NOT has_type_privilege(t.oid, 'USAGE') END`},
	}
	// Asked on the application's own connection: the privileges are
	// current_user's, which is the application role there.
	for _, c := range checks {
		var denied []string
		if err := db.Bun.NewRaw(c.query).Scan(ctx, &denied); err != nil {
			t.Fatal(err)
		}
		if len(denied) > 0 {
			t.Errorf("%s role may not use River %ss %v", database.AppRole, c.what, denied)
		}
	}
	var tables int
	if err := db.Bun.QueryRowContext(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'river%'").Scan(&tables); err != nil || tables == 0 {
		t.Fatalf("no River tables found (%v)", err)
	}
}

func TestPendingCountsRiverMigrations(t *testing.T) {
	opts := dbtest.Empty(t)
	ctx := context.Background()
	if _, err := database.Migrate(ctx, opts); err != nil {
		t.Fatal(err)
	}
	db, err := database.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := db.Pending(ctx); err != nil || n != 0 {
		t.Fatalf("pending after migrate = %d, %v", n, err)
	}
	if _, err := db.Bun.ExecContext(ctx, "DELETE FROM river_migration WHERE version = (SELECT max(version) FROM river_migration)"); err != nil {
		t.Fatal(err)
	}
	if n, err := db.Pending(ctx); err != nil || n != 1 {
		t.Errorf("pending with River's last version missing = %d, %v; want 1", n, err)
	}
}
