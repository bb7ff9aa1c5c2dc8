package ticket

import (
	"context"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/tenant"
)

// BatchItem is one create of a batch that WriteBatch writes.
type BatchItem struct {
	Actor Actor
	In    Intake
	Key   string
	Auto  bool
}

// BatchResult is what the batch gave one create.
type BatchResult struct {
	Ticket   *Ticket
	Replayed bool
	Err      error
}

// WriteBatch writes creates of t as one batch, as creates that arrive
// together are: goroutines cannot be made to arrive together on cue.
func (s *Service) WriteBatch(ctx context.Context, t *tenant.Tenant, items []BatchItem) []BatchResult {
	batch := make([]*createReq, len(items))
	for i, it := range items {
		batch[i] = &createReq{t: t, a: it.Actor, in: it.In, key: it.Key, auto: it.Auto, id: uuid.Must(uuid.NewV7()), now: s.now()}
		if it.Key != "" {
			batch[i].hash = it.In.hash(it.Auto)
		}
	}
	s.creates.write(batch)
	out := make([]BatchResult, len(batch))
	for i, r := range batch {
		out[i] = BatchResult{Ticket: r.out, Replayed: r.replayed, Err: r.err}
	}
	return out
}
