package fee

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/tenant"
)

// RecordUnnumbered writes a payment as the sequenced mode does before its
// number, and stops there, as a process killed between the two steps.
func RecordUnnumbered(s *Service, t *tenant.Tenant, a Actor, in PayInput, key string) (*Receipt, error) {
	hash := ""
	if key != "" {
		hash = in.hash()
	}
	var rc *Receipt
	err := s.db.InTenant(context.Background(), t.ID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		rc, err = s.pay(ctx, tx, t, a, in, key, hash, false)
		return err
	})
	return rc, err
}

// QueuedPayments is how many payments of a company wait for a batch.
func QueuedPayments(s *Service, tenantID uuid.UUID) int {
	s.payments.mu.Lock()
	defer s.payments.mu.Unlock()
	if q := s.payments.waiting[tenantID]; q != nil {
		return len(q.reqs)
	}
	return 0
}

// PayMode sets how payments are written: "alone" (each in its own
// transaction with its number, as before the batches), "batched" or
// "sequenced" (paybatch.go).
func PayMode(s *Service, mode string) {
	s.payments.mode = map[string]payMode{"alone": payAlone, "batched": payBatched, "sequenced": paySequenced}[mode]
}

// PaysSequenced reports whether payments are numbered after their commit.
func PaysSequenced(s *Service) bool { return s.payments.mode == paySequenced }
