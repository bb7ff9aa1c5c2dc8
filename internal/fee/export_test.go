package fee

import "github.com/google/uuid"

// QueuedPayments is how many payments of a company wait for a batch.
func QueuedPayments(s *Service, tenantID uuid.UUID) int {
	s.payments.mu.Lock()
	defer s.payments.mu.Unlock()
	if q := s.payments.waiting[tenantID]; q != nil {
		return len(q.reqs)
	}
	return 0
}

// PayAlone makes each payment its own transaction, as before the batches.
func PayAlone(s *Service, alone bool) { s.payments.alone = alone }
