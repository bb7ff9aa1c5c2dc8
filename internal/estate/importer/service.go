package importer

import (
	"context"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/filename"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Service is the use cases of importing.
type Service struct {
	db     *database.DB
	limits tenant.PlanLimits
	jobs   *job.Client
	now    func() time.Time

	// running holds the progress of the applies this process works on.
	// On SQLite it is the only live progress: the apply's transaction
	// holds the one writer connection, so no other transaction can record
	// progress until it ends.
	running sync.Map // import ID → *tracker

	// turns lets one import of this process read and write at a time: a
	// file of 100,000 rows takes a hundred megabytes or more while it is
	// checked and applied, and the server's memory must not grow with the
	// number of uploads. The others wait in their jobs.
	turns chan struct{}

	// saveEvery is how often an apply on PostgreSQL records its progress
	// in the imports row, for the pages of every replica.
	saveEvery time.Duration

	// fault, set by tests, fails an apply at a phase of its writes.
	fault func(phase string) error
}

// NewService wires the importer and registers its job workers on jobs,
// which must not have started yet.
func NewService(db *database.DB, limits tenant.PlanLimits, jobs *job.Client) (*Service, error) {
	s := &Service{db: db, limits: limits, jobs: jobs, now: func() time.Time { return time.Now().UTC() }, saveEvery: time.Second,
		turns: make(chan struct{}, 1)}
	if err := job.AddWorker(jobs, &validateWorker{s: s}); err != nil {
		return nil, err
	}
	if err := job.AddWorker(jobs, &applyWorker{s: s}); err != nil {
		return nil, err
	}
	return s, nil
}

// Upload is a file a user sends to be imported.
type Upload struct {
	Filename string
	Content  []byte
	Options  Options
	Lang     string    // the uploader's language
	UserID   uuid.UUID // the uploader
}

// Upload stores the file and queues its dry run, in one transaction.
func (s *Service) Upload(ctx context.Context, t *tenant.Tenant, scope estate.Scope, estateID uuid.UUID, up Upload) (*Import, error) {
	if len(up.Content) == 0 {
		return nil, ErrNoFile
	}
	if len(up.Content) > MaxFileBytes {
		return nil, ErrTooLarge
	}
	now := s.now()
	im := &Import{TenantID: t.ID, ID: uuid.Must(uuid.NewV7()), EstateID: estateID, Filename: filename.Clean(up.Filename, "import"),
		Content: up.Content, Status: Validating, Lang: up.Lang, CreatedBy: up.UserID, CreatedAt: now, UpdatedAt: now,
		Report: Report{Options: up.Options}}
	im.encode()
	err := s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		e, err := estateInScope(ctx, tx, t.ID, scope, estateID)
		if err != nil {
			return err
		}
		if e.ArchivedAt != nil {
			return estate.ErrArchived
		}
		if _, err := tx.NewInsert().Model(im).Exec(ctx); err != nil {
			return err
		}
		return s.jobs.InsertTx(ctx, tx, validateArgs{TenantID: t.ID, ImportID: im.ID}, nil)
	})
	if err != nil {
		return nil, err
	}
	im.Content = nil
	return im, nil
}

// Apply confirms a validated import and queues its apply, in one
// transaction; only one confirmation of an import succeeds.
func (s *Service) Apply(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID) (*Import, error) {
	var im *Import
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if im, err = s.get(ctx, tx, tenantID, scope, id); err != nil {
			return err
		}
		res, err := tx.NewUpdate().Model((*Import)(nil)).Set("status = ?", Applying).Set("done_rows = 0").Set("updated_at = ?", s.now()).
			Where("tenant_id = ? AND id = ? AND status = ?", tenantID, id, Validated).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return ErrNotReady
		}
		im.Status, im.DoneRows = Applying, 0
		return s.jobs.InsertTx(ctx, tx, applyArgs{TenantID: tenantID, ImportID: id}, nil)
	})
	if err != nil {
		return nil, err
	}
	return im, nil
}

// Get loads an import in scope, without its file, with its live progress.
func (s *Service) Get(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID) (*Import, error) {
	var im *Import
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		im, err = s.get(ctx, tx, tenantID, scope, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.overlay(im)
	return im, nil
}

// Detail is Get with the import's estate, for its page.
func (s *Service) Detail(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID) (*Import, *estate.Estate, error) {
	var im *Import
	var e *estate.Estate
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if im, err = s.get(ctx, tx, tenantID, scope, id); err != nil {
			return err
		}
		e, err = estate.ByID(ctx, tx, tenantID, im.EstateID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	s.overlay(im)
	return im, e, nil
}

func (s *Service) get(ctx context.Context, db bun.IDB, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID) (*Import, error) {
	im := new(Import)
	if err := db.NewSelect().Model(im).ExcludeColumn("content").Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	if !scope.Allows(im.EstateID) {
		return nil, database.ErrNotFound
	}
	im.decode()
	return im, nil
}

// List returns an estate in scope and its latest imports, newest first.
func (s *Service) List(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID uuid.UUID) (*estate.Estate, []Import, error) {
	var e *estate.Estate
	var out []Import
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if e, err = estateInScope(ctx, tx, tenantID, scope, estateID); err != nil {
			return err
		}
		return tx.NewSelect().Model(&out).ExcludeColumn("content", "report").Where("tenant_id = ? AND estate_id = ?", tenantID, estateID).
			OrderExpr("created_at DESC, id DESC").Limit(50).Scan(ctx)
	})
	if err != nil {
		return nil, nil, database.Normalize(err)
	}
	for i := range out {
		out[i].decode()
		s.overlay(&out[i])
	}
	return e, out, nil
}

// FindEstate finds an estate by name or ID, for the command line.
func (s *Service) FindEstate(ctx context.Context, tenantID uuid.UUID, nameOrID string) (*estate.Estate, error) {
	var e *estate.Estate
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if id, perr := uuid.Parse(nameOrID); perr == nil {
			e, err = estate.ByID(ctx, tx, tenantID, id)
		} else {
			e, err = estate.ByName(ctx, tx, tenantID, strings.TrimSpace(nameOrID))
		}
		return err
	})
	return e, err
}

func estateInScope(ctx context.Context, db bun.IDB, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID) (*estate.Estate, error) {
	if !scope.Allows(id) {
		return nil, database.ErrNotFound
	}
	return estate.ByID(ctx, db, tenantID, id)
}

// Run is an import the command line performs in-process, without the job
// queue: a dry run, or a check and apply in one transaction.
type Run struct {
	Filename string
	Content  []byte
	Options  Options
	DryRun   bool
	Lang     string
	// Progress, if set, hears how many of the file's rows are written.
	Progress func(done, total int)
}

// Result is what a Run found and did.
type Result struct {
	Report  Report
	Summary Summary
	// Import is the record of an applied run; nil for a dry run or a file
	// with problems, which change nothing.
	Import *Import
}

// Run checks a file and, unless it is a dry run or has problems, applies
// it and records it as an import by the command line (CreatedBy uuid.Nil).
func (s *Service) Run(ctx context.Context, t *tenant.Tenant, estateID uuid.UUID, r Run) (*Result, error) {
	release, err := s.turn(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	res := &Result{Report: Report{Options: r.Options}}
	progress := r.Progress
	if progress == nil {
		progress = func(int, int) {}
	}
	if r.DryRun {
		err = s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
			_, ch, err := s.check(ctx, tx, t, estateID, r.Content, &res.Report)
			if ch != nil {
				res.Summary = ch.summary
			}
			return err
		})
		return res, err
	}
	written := 0
	err = s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		if err := s.lockEstate(ctx, tx, t.ID, estateID); err != nil {
			return err
		}
		p, ch, err := s.check(ctx, tx, t, estateID, r.Content, &res.Report)
		if err != nil || ch == nil {
			return err
		}
		res.Summary, written = ch.summary, ch.work()
		work := max(written, 1)
		if err := s.write(ctx, tx, ch, func(done int) { progress(p.rows*done/work, p.rows) }); err != nil {
			return err
		}
		now := s.now()
		im := &Import{TenantID: t.ID, ID: uuid.Must(uuid.NewV7()), EstateID: estateID, Filename: filename.Clean(r.Filename, "import"),
			Content: r.Content, Status: Applied, Lang: r.Lang, TotalRows: p.rows, DoneRows: p.rows, CreatedAt: now, UpdatedAt: now,
			Report: res.Report, Summary: ch.summary}
		im.encode()
		if _, err := tx.NewInsert().Model(im).Exec(ctx); err != nil {
			return err
		}
		im.Content = nil
		res.Import = im
		progress(p.rows, p.rows)
		return nil
	})
	if err == nil && res.Import != nil {
		s.afterBulk(ctx, written)
	}
	return res, err
}

// importGCPercent is the collector's pace while an import runs. A file of
// 100,000 rows keeps about 100 MB live between its check and its writes;
// at the default of 100 the heap may grow to twice that before a
// collection, and with the binary, the stacks and SQLite's own heap the
// server would pass 250 MB. At 30 it collects after 30 MB of garbage: more
// collections for a rare, long task, and a third less memory at its peak.
const importGCPercent = 30

// turn waits for this process's turn to import; release gives it back.
// While an import has its turn, the collector runs at importGCPercent.
func (s *Service) turn(ctx context.Context) (release func(), err error) {
	select {
	case s.turns <- struct{}{}:
		pace := debug.SetGCPercent(importGCPercent)
		return func() {
			debug.SetGCPercent(pace)
			<-s.turns
		}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// freeAfter is how many rows make an import give its memory back to the
// system when it ends.
const freeAfter = 10_000

// freeMemory returns the memory of a large import, now unreachable, to the
// system. The Go runtime would keep most of it for minutes, in case the
// heap grows again; a server imports rarely, and those hundred megabytes
// belong to its other work (and to the other processes on the machine).
func freeMemory(rows int) {
	if rows >= freeAfter {
		debug.FreeOSMemory()
	}
}

// analyzeAfter is how many written rows make an apply analyze the tables
// it wrote: autovacuum analyzes a table once a tenth of it has changed,
// at its own pace, and until then the planner reckons with the old size
// (a first import of 100,000 units into empty tables planned as if they
// were still empty).
const analyzeAfter = 5_000

// afterBulk tidies up after an apply that wrote written rows.
func (s *Service) afterBulk(ctx context.Context, written int) {
	if written < analyzeAfter {
		return
	}
	// The statistics are a courtesy to later queries: the import is
	// done, and a failure here must not fail it.
	_ = s.db.Analyze(ctx, "buildings", "units", "persons", "person_phones", "unit_persons")
}

// lockEstate makes the applies of one estate take turns, the job's and the
// command line's alike. An apply looks the file's people up and then
// creates those it did not find; two at once would each create them, as
// persons has no natural key that could refuse the second. On PostgreSQL
// the estate's row stays locked until the transaction ends, and the
// second apply, under READ COMMITTED, then sees the first one's people.
// NO KEY UPDATE, not UPDATE: inserting the estate's buildings and units
// takes a key-share lock on it for the foreign key, which must not wait.
// On SQLite the one writer connection begins its transactions immediate,
// so applies take turns already.
func (s *Service) lockEstate(ctx context.Context, tx bun.Tx, tenantID, estateID uuid.UUID) error {
	if !s.db.Postgres() {
		return nil
	}
	_, err := tx.NewSelect().Model((*estate.Estate)(nil)).Column("id").
		Where("tenant_id = ? AND id = ?", tenantID, estateID).For("NO KEY UPDATE").Exec(ctx)
	return database.Normalize(err)
}

// check parses the file and plans its changes against the database as db
// sees it. Changes are nil when the report has problems.
func (s *Service) check(ctx context.Context, db bun.IDB, t *tenant.Tenant, estateID uuid.UUID, content []byte, rep *Report) (*parsed, *changes, error) {
	p := parse(content, rep)
	ch, err := s.plan(ctx, db, t, estateID, p, rep.Options, rep)
	// The changes hold what the writes need: the records may go before
	// them (callers keep p for its count of rows).
	p.records, p.unchecked = nil, nil
	if err != nil || rep.Count() > 0 {
		sortProblems(rep, p.header)
		return p, nil, err
	}
	return p, ch, nil
}

// sortProblems orders the report as the user reads the file: by row, and
// within a row by column.
func sortProblems(rep *Report, h *header) {
	col := map[string]int{}
	if h != nil {
		for c, name := range h.names {
			if name != "" {
				col[name] = h.index[c]
			}
		}
	}
	slices.SortStableFunc(rep.Problems, func(a, b Problem) int {
		if a.Row != b.Row {
			return a.Row - b.Row
		}
		return col[a.Column] - col[b.Column]
	})
}

// tracker is the live progress of one apply in this process.
type tracker struct{ done atomic.Int64 }

// overlay shows the live progress of an apply this process is running,
// which is ahead of what the database has (or, on SQLite, all there is).
func (s *Service) overlay(im *Import) {
	if im.Status != Applying {
		return
	}
	if v, ok := s.running.Load(im.ID); ok {
		if d := int(v.(*tracker).done.Load()); d > im.DoneRows {
			im.DoneRows = d
		}
	}
}
