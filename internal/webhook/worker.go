package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/job"
)

// Headers of every delivery.
const (
	UserAgent       = "estatedesk-webhooks/1"
	EventHeader     = "X-Estatedesk-Event"
	DeliveryHeader  = "X-Estatedesk-Delivery"
	SignatureHeader = "X-Estatedesk-Signature"
)

// MaxAttempts is how many times a delivery is tried before it is failed.
const MaxAttempts = 8

// retrySchedule is the wait after each failed attempt: after the first 30
// seconds, after the seventh 24 hours, so the eighth and last attempt comes
// about 43 hours 52 minutes after the first. It is fixed, without jitter,
// so that receivers (docs/webhooks.md) and tests can predict it.
var retrySchedule = [MaxAttempts - 1]time.Duration{
	30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// Backoff is the wait after failed attempt number attempt (1-based): 30 s,
// 2 min, 10 min, 1 h, 6 h, 12 h, then 24 h.
func Backoff(attempt int) time.Duration {
	return retrySchedule[min(max(attempt, 1), len(retrySchedule))-1]
}

// sendTimeout bounds one attempt: connecting, sending and the answer.
const sendTimeout = 10 * time.Second

// deliverArgs carry only IDs: the body is in the delivery row, so every
// attempt sends, and signs, the same bytes.
type deliverArgs struct {
	TenantID   uuid.UUID `json:"tenant_id"`
	DeliveryID uuid.UUID `json:"delivery_id"`
}

func (deliverArgs) Kind() string { return "webhook_deliver" }

func (deliverArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: MaxAttempts} }

type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	s *Service
}

// Timeout leaves the HTTP attempt its 10 s and the bookkeeping the rest.
func (w *deliverWorker) Timeout(*river.Job[deliverArgs]) time.Duration { return 30 * time.Second }

// NextRetry follows RetrySchedule from the attempt's start, on River's clock.
func (w *deliverWorker) NextRetry(j *river.Job[deliverArgs]) time.Time {
	at := w.s.now()
	if j.AttemptedAt != nil {
		at = *j.AttemptedAt
	}
	return at.Add(Backoff(j.Attempt))
}

func (w *deliverWorker) Work(ctx context.Context, j *river.Job[deliverArgs]) error {
	return w.s.deliver(ctx, j)
}

// deliver makes one attempt. Success and its job's completion commit
// together, so a crash in between cannot record a delivery twice; a failure
// is recorded and returned, and River retries it.
func (s *Service) deliver(ctx context.Context, j *river.Job[deliverArgs]) error {
	tenantID, id := j.Args.TenantID, j.Args.DeliveryID
	d, h := new(Delivery), new(Webhook)
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(d).Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx); err != nil {
			return err
		}
		return tx.NewSelect().Model(h).Where("tenant_id = ? AND id = ?", tenantID, d.WebhookID).Scan(ctx)
	})
	if errors.Is(err, database.ErrNotFound) {
		return nil // deleted with its webhook (or its tenant): nothing to send
	}
	if err != nil {
		return err
	}
	if d.Status.Final() {
		return nil // cancelled when the webhook was switched off, or done
	}
	if !h.Active {
		return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
			if err := s.finish(ctx, tx, d, Cancelled, 0, "", false); err != nil {
				return err
			}
			return job.CompleteTx(ctx, tx, j)
		})
	}

	code, sendErr := s.send(ctx, h, d)
	if sendErr == nil {
		// The receiver has it: a shutdown starting now must not leave the
		// success unrecorded and the delivery to be sent again.
		return s.db.InTenant(context.WithoutCancel(ctx), tenantID, func(ctx context.Context, tx bun.Tx) error {
			if err := s.finish(ctx, tx, d, Delivered, code, "", true); err != nil {
				return err
			}
			return job.CompleteTx(ctx, tx, j)
		})
	}

	// A job stopped by a shutdown goes back to the queue without using up
	// an attempt, so it is not the last one even if its number says so.
	status := Retrying
	if j.Attempt >= j.MaxAttempts && !errors.Is(ctx.Err(), context.Canceled) {
		status = Failed
	}
	var recorded bool
	err = s.db.InTenant(context.WithoutCancel(ctx), tenantID, func(ctx context.Context, tx bun.Tx) error {
		res, err := s.update(tx, d, status, code, truncate(sendErr.Error(), maxErrorLen), true).
			Where("status IN (?)", bun.In([]Status{Pending, Retrying})).Exec(ctx)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		recorded = n == 1
		return err
	})
	if err != nil {
		return errors.Join(sendErr, err)
	}
	if !recorded {
		return nil // cancelled while the attempt ran: do not retry
	}
	return fmt.Errorf("webhook: delivery %s: %w", id, sendErr)
}

// finish records a delivery's outcome.
func (s *Service) finish(ctx context.Context, tx bun.Tx, d *Delivery, status Status, code int, lastErr string, attempted bool) error {
	q := s.update(tx, d, status, code, lastErr, attempted)
	if status == Cancelled {
		q = q.Where("status IN (?)", bun.In([]Status{Pending, Retrying}))
	}
	_, err := q.Exec(ctx)
	return err
}

func (s *Service) update(tx bun.Tx, d *Delivery, status Status, code int, lastErr string, attempted bool) *bun.UpdateQuery {
	q := tx.NewUpdate().Model((*Delivery)(nil)).Set("status = ?", status).Set("updated_at = ?", s.now()).
		Where("tenant_id = ? AND id = ?", d.TenantID, d.ID)
	if attempted {
		q = q.Set("attempts = attempts + 1").Set("response_code = ?", code).Set("last_error = ?", lastErr)
	}
	return q
}

// send POSTs the delivery's body, signed, and reports the answer's status
// code. Anything but a 2xx answer is an error.
func (s *Service) send(ctx context.Context, h *Webhook, d *Delivery) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	body := []byte(d.Payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(EventHeader, d.Event)
	req.Header.Set(DeliveryHeader, d.ID.String())
	req.Header.Set(SignatureHeader, Sign(h.Secret, s.now(), body))
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	// Reading a little of the answer lets the connection be reused; the
	// answer itself is not kept.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return resp.StatusCode, nil
}
