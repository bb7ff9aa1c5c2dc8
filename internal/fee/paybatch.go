package fee

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Group commit for payments. A company's receipt counter row is held from
// a payment's number to its commit (so numbers are gap-free and follow
// commit order), which makes a company's payments one queue: paid one
// transaction each, 16 clerks at once waited for 15 commits before their
// own. Instead the payments of a company that arrive while one batch is
// being written go together in the next transaction, each in its own
// savepoint: a payment that fails rolls back to its savepoint, giving back
// its number, and the others go on. The counter then moves once per
// payment that stays, inside the one transaction, so the numbers of a
// batch are consecutive and the next batch's follow them.

// maxPayBatch bounds the payments one transaction writes.
const maxPayBatch = 64

// payBatchTimeout bounds a batch's transaction: its callers may have gone,
// and one caller's cancellation must not undo the others' payments.
const payBatchTimeout = time.Minute

// payReq is one payment on its way through a batch.
type payReq struct {
	t         *tenant.Tenant
	a         Actor
	in        PayInput
	key, hash string

	// Set once the batch has committed (or failed).
	out  *Receipt
	err  error
	done chan struct{}
}

// payments queues each company's payments; a company's queue exists while
// its one writer drains it. One writer: a second batch would only wait at
// the counter row, holding its units' locks meanwhile.
type payments struct {
	s       *Service
	mu      sync.Mutex
	waiting map[uuid.UUID]*payQueue
	// alone writes each payment in its own transaction at once, as before
	// the batches: the benchmark's comparison.
	alone bool
}

type payQueue struct{ reqs []*payReq }

func newPayments(s *Service) *payments {
	return &payments{s: s, waiting: map[uuid.UUID]*payQueue{}}
}

// do queues r and waits for its batch. A caller that gives up gets ctx's
// error; the payment may still commit, which a retry with the same
// Idempotency-Key finds.
func (p *payments) do(ctx context.Context, r *payReq) error {
	r.done = make(chan struct{})
	if p.alone {
		p.write([]*payReq{r})
		return nil
	}
	tid := r.t.ID
	p.mu.Lock()
	q := p.waiting[tid]
	start := q == nil
	if start {
		q = &payQueue{}
		p.waiting[tid] = q
	}
	q.reqs = append(q.reqs, r)
	p.mu.Unlock()
	if start {
		go p.drain(tid, q)
	}
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// drain writes the company's waiting payments a batch at a time until
// none is left. A payment that finds its company idle is written at once,
// a batch of one: nothing waits for company.
func (p *payments) drain(tid uuid.UUID, q *payQueue) {
	for {
		p.mu.Lock()
		if len(q.reqs) == 0 {
			delete(p.waiting, tid)
			p.mu.Unlock()
			return
		}
		n := min(len(q.reqs), maxPayBatch)
		batch := q.reqs[:n:n]
		q.reqs = q.reqs[n:]
		p.mu.Unlock()
		p.write(batch)
		for _, r := range batch {
			close(r.done)
		}
	}
}

// write commits a batch. When the transaction itself fails (its commit, a
// lost connection), nothing of it stays, so each payment is then tried on
// its own: a request's error is only ever its own.
func (p *payments) write(batch []*payReq) {
	ctx, cancel := context.WithTimeout(context.Background(), payBatchTimeout)
	defer cancel()
	err := p.commit(ctx, batch)
	if err == nil {
		return
	}
	if len(batch) == 1 {
		batch[0].out, batch[0].err = nil, err
		return
	}
	for _, r := range batch {
		if err := p.commit(ctx, []*payReq{r}); err != nil {
			r.out, r.err = nil, err
		}
	}
}

// commit writes a batch in one transaction, each payment of several in
// its own savepoint; the results are set only if the transaction commits.
func (p *payments) commit(ctx context.Context, batch []*payReq) (err error) {
	defer func() {
		if x := recover(); x != nil {
			err = fmt.Errorf("fee: payment panicked: %v", x)
		}
	}()
	outs := make([]*Receipt, len(batch))
	errs := make([]error, len(batch))
	err = p.s.db.InTenant(ctx, batch[0].t.ID, func(ctx context.Context, tx bun.Tx) error {
		if len(batch) == 1 {
			// Alone, its failure is the transaction's.
			r := batch[0]
			var err error
			outs[0], err = p.s.pay(ctx, tx, r.t, r.a, r.in, r.key, r.hash)
			errs[0] = err
			return err
		}
		for i, r := range batch {
			outs[i], errs[i] = nil, nil
			errs[i] = tx.RunInTx(ctx, nil, func(ctx context.Context, sp bun.Tx) error {
				var err error
				outs[i], err = p.s.pay(ctx, sp, r.t, r.a, r.in, r.key, r.hash)
				return err
			})
			if errs[i] != nil {
				outs[i] = nil
			}
		}
		return nil
	})
	if len(batch) == 1 && errs[0] != nil {
		// The payment's own error, not a failed batch: told as it is.
		batch[0].out, batch[0].err = nil, errs[0]
		return nil
	}
	if err != nil {
		return err
	}
	for i, r := range batch {
		r.out, r.err = outs[i], errs[i]
	}
	return nil
}
