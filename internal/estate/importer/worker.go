package importer

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// The jobs carry only IDs: the file is in the imports row, so any replica
// can work them and a retry reads the same file.
type validateArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	ImportID uuid.UUID `json:"import_id"`
}

func (validateArgs) Kind() string { return "import_validate" }

// InsertOpts: a check that fails three times will not pass a fourth.
func (validateArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 3} }

type applyArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	ImportID uuid.UUID `json:"import_id"`
}

func (applyArgs) Kind() string { return "import_apply" }

// InsertOpts: each attempt is all or nothing, so retrying is safe.
func (applyArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

type validateWorker struct {
	river.WorkerDefaults[validateArgs]
	s *Service
}

func (w *validateWorker) Timeout(*river.Job[validateArgs]) time.Duration { return 10 * time.Minute }

func (w *validateWorker) Work(ctx context.Context, j *river.Job[validateArgs]) error {
	err := w.s.validate(ctx, j)
	w.s.gaveUp(ctx, j.JobRow.Attempt, j.JobRow.MaxAttempts, j.Args.TenantID, j.Args.ImportID, Validating, err)
	return err
}

type applyWorker struct {
	river.WorkerDefaults[applyArgs]
	s *Service
}

// Timeout: 200,000 rows take well under a minute on PostgreSQL; the
// margin covers a slow disk, not a loop.
func (w *applyWorker) Timeout(*river.Job[applyArgs]) time.Duration { return 30 * time.Minute }

func (w *applyWorker) Work(ctx context.Context, j *river.Job[applyArgs]) error {
	err := w.s.apply(ctx, j)
	w.s.gaveUp(ctx, j.JobRow.Attempt, j.JobRow.MaxAttempts, j.Args.TenantID, j.Args.ImportID, Applying, err)
	return err
}

// load reads an import with its file.
func (s *Service) load(ctx context.Context, tenantID, id uuid.UUID) (*Import, *tenant.Tenant, error) {
	im := new(Import)
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(im).Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx)
	})
	if err != nil {
		return nil, nil, database.Normalize(err)
	}
	im.decode()
	t, err := tenant.ByID(ctx, s.db.Reader(), tenantID)
	return im, t, err
}

// validate is the dry run: it reads the database in a read-only
// transaction and records the report.
func (s *Service) validate(ctx context.Context, j *river.Job[validateArgs]) error {
	// The file is read once it is this import's turn: an import waiting
	// for its turn holds nothing.
	release, err := s.turn(ctx)
	if err != nil {
		return err
	}
	defer release()
	im, t, err := s.load(ctx, j.Args.TenantID, j.Args.ImportID)
	if errors.Is(err, database.ErrNotFound) {
		return nil // the tenant's data is gone; nothing to check
	}
	if err != nil {
		return err
	}
	if im.Status != Validating {
		return nil // an earlier attempt finished it
	}
	rep := Report{Options: im.Report.Options}
	var p *parsed
	var ch *changes
	err = s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		p, ch, err = s.check(ctx, tx, t, im.EstateID, im.Content, &rep)
		return err
	})
	if err != nil {
		return err
	}
	im.Report, im.Status = rep, Invalid
	if ch != nil {
		im.Summary, im.Status = ch.summary, Validated
	}
	im.TotalRows, im.Content = p.rows, nil
	err = s.finish(ctx, im, Validating, func(ctx context.Context, tx bun.Tx) error { return job.CompleteTx(ctx, tx, j) })
	freeMemory(im.TotalRows)
	return err
}

// apply checks the file again inside the writing transaction (the estate
// may have changed since the dry run) and writes it, all or nothing.
func (s *Service) apply(ctx context.Context, j *river.Job[applyArgs]) error {
	release, err := s.turn(ctx)
	if err != nil {
		return err
	}
	defer release()
	im, t, err := s.load(ctx, j.Args.TenantID, j.Args.ImportID)
	if errors.Is(err, database.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if im.Status != Applying {
		return nil
	}
	tr := &tracker{}
	s.running.Store(im.ID, tr)
	defer s.running.Delete(im.ID)
	saved := time.Now()
	written := 0
	err = s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		if err := s.lockEstate(ctx, tx, t.ID, im.EstateID); err != nil {
			return err
		}
		rep := Report{Options: im.Report.Options}
		p, ch, err := s.check(ctx, tx, t, im.EstateID, im.Content, &rep)
		if err != nil {
			return err
		}
		im.Report, im.TotalRows = rep, p.rows
		if ch == nil {
			im.Status = Invalid
			return s.update(ctx, tx, im, Applying, func(ctx context.Context, tx bun.Tx) error { return job.CompleteTx(ctx, tx, j) })
		}
		written = ch.work()
		work := max(written, 1)
		err = s.write(ctx, tx, ch, func(done int) {
			rows := p.rows * done / work
			tr.done.Store(int64(rows))
			// On PostgreSQL other replicas see progress through the row,
			// written by its own short transaction on another connection;
			// the apply's transaction touches the row only at its end, so
			// the two never wait for each other. On SQLite the writer is
			// busy with the apply, and only this process's memory shows
			// progress.
			if s.db.Postgres() && time.Since(saved) >= s.saveEvery {
				saved = time.Now()
				s.saveProgress(ctx, t.ID, im.ID, rows)
			}
		})
		if err != nil {
			return err
		}
		im.Status, im.Summary, im.DoneRows = Applied, ch.summary, p.rows
		return s.update(ctx, tx, im, Applying, func(ctx context.Context, tx bun.Tx) error { return job.CompleteTx(ctx, tx, j) })
	})
	im.Content = nil
	if err == nil {
		s.afterBulk(ctx, written)
	}
	freeMemory(im.TotalRows)
	return err
}

// finish records a job's outcome and completes the job in one transaction.
func (s *Service) finish(ctx context.Context, im *Import, from Status, complete database.TxFunc) error {
	return s.db.InTenant(ctx, im.TenantID, func(ctx context.Context, tx bun.Tx) error {
		return s.update(ctx, tx, im, from, complete)
	})
}

// update writes an import's outcome if it is still in the status from,
// then completes the job in the same transaction.
func (s *Service) update(ctx context.Context, tx bun.Tx, im *Import, from Status, complete database.TxFunc) error {
	im.UpdatedAt = s.now()
	im.encode()
	_, err := tx.NewUpdate().Model(im).Column("status", "total_rows", "done_rows", "report", "summary", "updated_at").
		Where("tenant_id = ? AND id = ? AND status = ?", im.TenantID, im.ID, from).Exec(ctx)
	if err != nil {
		return err
	}
	return complete(ctx, tx)
}

func (s *Service) saveProgress(ctx context.Context, tenantID, id uuid.UUID, done int) {
	// Progress is a courtesy: a failure to record it must not fail the import.
	_ = s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*Import)(nil)).Set("done_rows = ?", done).
			Where("tenant_id = ? AND id = ? AND status = ?", tenantID, id, Applying).Exec(ctx)
		return err
	})
}

// gaveUp marks an import failed when its job has used its last attempt, so
// the page stops waiting. A job stopped by a shutdown is not given up: it
// goes back to the queue.
func (s *Service) gaveUp(ctx context.Context, attempt, maxAttempts int, tenantID, id uuid.UUID, from Status, err error) {
	if err == nil || attempt < maxAttempts || errors.Is(ctx.Err(), context.Canceled) {
		return
	}
	ctx = context.WithoutCancel(ctx)
	_ = s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		im := new(Import)
		if err := tx.NewSelect().Model(im).ExcludeColumn("content").Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx); err != nil {
			return err
		}
		im.decode()
		im.Status, im.Report.Problems, im.Report.More = Failed, []Problem{{Code: CodeFailed}}, 0
		return s.update(ctx, tx, im, from, func(context.Context, bun.Tx) error { return nil })
	})
}
