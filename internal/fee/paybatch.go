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

// How payments get their receipt numbers. A company's receipt counter row
// is held from a number's taking to its commit (so numbers are gap-free
// and follow commit order), which makes a company's payments one queue:
// paid one transaction each, 16 clerks at once waited for 15 commits
// before their own (payAlone, kept for the benchmark's comparison).
//
// Batched (SQLite, whose one writer runs transactions one after another
// anyway): the payments of a company that arrive while one batch is being
// written go together in the next transaction, each in its own savepoint:
// a payment that fails rolls back to its savepoint, giving back its
// number, and the others go on. The counter moves once per payment that
// stays, so the numbers of a batch are consecutive and the next batch's
// follow them. But a batch's statements run one after another: 16
// payments of ten statements are 160 round trips in a row.
//
// Sequenced (PostgreSQL): each payment is written in its own transaction
// on its own connection, in parallel with the others (they meet only on
// their units' and bills' rows), without a number and unpublished. Then a
// company's sequencer numbers every payment of the company still without
// one — those waiting, and any a process killed between the two steps
// left — in one short transaction: the counter moves once for them all,
// the numbers are written in one statement and the payments published
// there, with their numbers. A request is answered only once its payment
// is numbered; a payment whose number is not written yet is the next
// step's, so no number is lost or taken twice.

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

// payMode is how payments are written (above).
type payMode int

const (
	payBatched payMode = iota
	paySequenced
	payAlone
)

// payments queues each company's payments (batched) or numbers
// (sequenced); a company's queue exists while its one writer drains it.
// One writer: a second would only wait at the counter row.
type payments struct {
	s       *Service
	mode    payMode
	mu      sync.Mutex
	waiting map[uuid.UUID]*payQueue
}

type payQueue struct{ reqs []*payReq }

func newPayments(s *Service) *payments {
	p := &payments{s: s, waiting: map[uuid.UUID]*payQueue{}}
	if s.db.Postgres() {
		p.mode = paySequenced
	}
	return p
}

// do records r's payment and waits for its number. A caller that gives up
// gets ctx's error; the payment may still commit and be numbered, which a
// retry with the same Idempotency-Key finds.
func (p *payments) do(ctx context.Context, r *payReq) error {
	switch p.mode {
	case payAlone:
		p.write([]*payReq{r})
		return nil
	case paySequenced:
		// Its commit need not wait for the disk: nobody is told of it
		// before the sequencer's commit, which waits for the WAL up to
		// its own record, this one's before it.
		err := p.s.db.InTenantUnflushed(ctx, r.t.ID, func(ctx context.Context, tx bun.Tx) error {
			var err error
			r.out, err = p.s.pay(ctx, tx, r.t, r.a, r.in, r.key, r.hash, false)
			return err
		})
		if err != nil {
			r.out, r.err = nil, err
			return nil
		}
	}
	return p.queue(ctx, r)
}

// queue hands r to its company's writer and waits for it: batched, to be
// written; sequenced, to be numbered (a request without a payment of its
// own, out nil, numbers what is left).
func (p *payments) queue(ctx context.Context, r *payReq) error {
	r.done = make(chan struct{})
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
		if p.mode == paySequenced {
			p.number(batch)
		} else {
			p.write(batch)
		}
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
			outs[0], err = p.s.pay(ctx, tx, r.t, r.a, r.in, r.key, r.hash, true)
			errs[0] = err
			return err
		}
		for i, r := range batch {
			outs[i], errs[i] = nil, nil
			errs[i] = tx.RunInTx(ctx, nil, func(ctx context.Context, sp bun.Tx) error {
				var err error
				outs[i], err = p.s.pay(ctx, sp, r.t, r.a, r.in, r.key, r.hash, true)
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

// number numbers the batch's payments with the company's others still
// without a number. Its failure leaves them recorded and unnumbered: the
// batch's requests are told, and the company's next payment, or a retry
// with the same Idempotency-Key, numbers them.
func (p *payments) number(batch []*payReq) {
	ctx, cancel := context.WithTimeout(context.Background(), payBatchTimeout)
	defer cancel()
	mine := make(map[uuid.UUID]*Receipt, len(batch))
	for _, r := range batch {
		if r.out != nil {
			mine[r.out.Payment.ID] = r.out
		}
	}
	err := p.s.numberPayments(ctx, batch[0].t, mine)
	if err == nil {
		return
	}
	err = fmt.Errorf("fee: payment recorded, its receipt number not yet: %w", err)
	for _, r := range batch {
		r.out, r.err = nil, err
	}
}

// numberPayments numbers, in payment order, every payment of the company
// without a number, publishes them, and fills in the numbers of mine's
// receipts (numbered here or, by another process's sequencer, before).
func (s *Service) numberPayments(ctx context.Context, t *tenant.Tenant, mine map[uuid.UUID]*Receipt) (err error) {
	defer func() {
		if x := recover(); x != nil {
			err = fmt.Errorf("fee: numbering panicked: %v", x)
		}
	}()
	return s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		for _, rc := range mine {
			rc.Payment.ReceiptNo = ""
		}
		// Locked in order: another process's sequencer waits, then skips
		// what this one numbered.
		var pays []*Payment
		if err := tx.NewSelect().Model(&pays).Where("tenant_id = ? AND receipt_no IS NULL", t.ID).
			OrderExpr("paid_at, id").For("UPDATE").Scan(ctx); err != nil {
			return err
		}
		if len(pays) > 0 {
			var years []string
			count := map[string]int64{}
			for _, pm := range pays {
				y := receiptYear(pm.PaidAt, t)
				if count[y] == 0 {
					years = append(years, y)
				}
				count[y]++
			}
			next := map[string]int64{}
			for _, y := range years {
				first, err := takeReceipts(ctx, tx, t.ID, y, count[y])
				if err != nil {
					return err
				}
				next[y] = first
			}
			for _, pm := range pays {
				y := receiptYear(pm.PaidAt, t)
				pm.ReceiptNo = formatReceipt(y, next[y])
				next[y]++
			}
			if _, err := tx.NewUpdate().Model(&pays).Column("receipt_no").Bulk().Exec(ctx); err != nil {
				return err
			}
			for _, pm := range pays {
				rc := mine[pm.ID]
				if rc == nil {
					// Left by a process that died before numbering it.
					var err error
					if rc, err = receipt(ctx, tx, pm); err != nil {
						return err
					}
				}
				rc.Payment.ReceiptNo = pm.ReceiptNo
				if err := s.publish(ctx, tx, t.ID, EventPaymentRecorded, rc); err != nil {
					return err
				}
			}
		}
		var others []uuid.UUID
		for id, rc := range mine {
			if rc.Payment.ReceiptNo == "" {
				others = append(others, id)
			}
		}
		if len(others) == 0 {
			return nil
		}
		var got []Payment
		if err := tx.NewSelect().Model(&got).Column("id", "receipt_no").Where("tenant_id = ? AND id IN (?)", t.ID, bun.In(others)).
			Scan(ctx); err != nil {
			return err
		}
		for _, pm := range got {
			mine[pm.ID].Payment.ReceiptNo = pm.ReceiptNo
		}
		for _, id := range others {
			if mine[id].Payment.ReceiptNo == "" {
				return fmt.Errorf("fee: payment %s not numbered", id)
			}
		}
		return nil
	})
}
