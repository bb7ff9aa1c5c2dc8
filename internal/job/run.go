package job

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// RunPending works every job that is due by the client's clock, waits until
// each has finished (completed, failed for a later retry, or discarded), and
// stops again. Tests call it after moving Options.Now forward instead of
// waiting for River's timers; a retry or a scheduled job that is not yet due
// stays queued. The client must not be started.
func (c *Client) RunPending(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started {
		return errors.New("job: RunPending on a started client")
	}
	if c.kinds == 0 {
		return nil
	}
	// A job may schedule another that is already due by the test's clock
	// (a timer that sends mail); River's insert marks it scheduled, so each
	// round promotes what came due and works it, until nothing is left.
	for {
		promoted, err := c.promoteDue(ctx)
		if err != nil {
			return err
		}
		busy, err := c.busy(ctx)
		if err != nil {
			return err
		}
		if promoted == 0 && !busy {
			return nil
		}
		// A started producer fetches at once, so every due job is either
		// still available or running (ours) until it has been worked.
		if err := c.river.Start(ctx); err != nil {
			return err
		}
		err = c.waitIdle(ctx)
		if stopErr := c.river.Stop(context.WithoutCancel(ctx)); err == nil {
			err = stopErr
		}
		if err != nil {
			return err
		}
	}
}

func (c *Client) waitIdle(ctx context.Context) error {
	for {
		busy, err := c.busy(ctx)
		if err != nil || !busy {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// promoteDue makes scheduled and retryable jobs whose time has come
// available, as River's leader does every few seconds.
func (c *Client) promoteDue(ctx context.Context) (int, error) {
	now := c.now().UTC()
	total := 0
	for {
		tx, err := c.river.Driver().GetExecutor().Begin(ctx)
		if err != nil {
			return total, err
		}
		const batch = 1000
		res, err := tx.JobSchedule(ctx, &riverdriver.JobScheduleParams{Max: batch, Now: &now, Schema: c.river.Schema()})
		if err == nil {
			err = tx.Commit(ctx)
		}
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			return total, err
		}
		total += len(res)
		if len(res) < batch {
			return total, nil
		}
	}
}

// busy reports whether a due job waits in one of the client's queues or one
// that this client fetched is still running.
func (c *Client) busy(ctx context.Context) (bool, error) {
	next, err := c.river.JobList(ctx, river.NewJobListParams().
		Queues(c.queues...).States(rivertype.JobStateAvailable).
		OrderBy(river.JobListOrderByScheduledAt, river.SortOrderAsc).First(1))
	if err != nil {
		return false, err
	}
	if len(next.Jobs) > 0 && !next.Jobs[0].ScheduledAt.After(c.now()) {
		return true, nil
	}
	running, err := c.river.JobList(ctx, river.NewJobListParams().
		Queues(c.queues...).States(rivertype.JobStateRunning).First(10_000))
	if err != nil {
		return false, err
	}
	for _, j := range running.Jobs {
		// A job left running by another process is not ours to wait for:
		// River's rescuer retries it once it is stuck.
		if n := len(j.AttemptedBy); n > 0 && j.AttemptedBy[n-1] == c.river.ID() {
			return true, nil
		}
	}
	return false, nil
}
