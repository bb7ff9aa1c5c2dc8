package ticket

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
)

// numbers hands out ticket numbers, GD + the tenant's local date + a
// sequence of at least four digits: GD202611270001. Each process reserves
// a block of sequences per tenant and day in one short transaction of its
// own, then hands them out from memory, so creates do not queue behind one
// counter row. Numbers increase within a process and are never reused; a
// block cut short by a restart leaves a gap, which the numbering allows.
type numbers struct {
	db        *database.DB
	blockSize int64

	mu     sync.Mutex
	blocks map[numberKey]*block
}

type numberKey struct {
	tenant uuid.UUID
	day    string
}

type block struct {
	mu        sync.Mutex
	next, end int64 // next to hand out; end is one past the last
}

func newNumbers(db *database.DB, blockSize int) *numbers {
	return &numbers{db: db, blockSize: int64(max(blockSize, 1)), blocks: map[numberKey]*block{}}
}

// Next is a fresh number for a ticket of tenantID received at now (in the
// tenant's zone loc). It must not be called inside a transaction: on
// SQLite a reservation needs the single writer connection.
func (n *numbers) Next(ctx context.Context, tenantID uuid.UUID, now time.Time, loc *time.Location) (string, error) {
	day := now.In(loc).Format("20060102")
	k := numberKey{tenantID, day}
	n.mu.Lock()
	b := n.blocks[k]
	if b == nil {
		// A new day: yesterday's blocks of every tenant are done with.
		for old := range n.blocks {
			if old.day != day {
				delete(n.blocks, old)
			}
		}
		b = &block{}
		n.blocks[k] = b
	}
	n.mu.Unlock()

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.next >= b.end {
		end, err := n.reserve(ctx, tenantID, day)
		if err != nil {
			return "", err
		}
		b.next, b.end = end-n.blockSize, end
	}
	seq := b.next
	b.next++
	return fmt.Sprintf("GD%s%04d", day, seq), nil
}

// reserve takes the next block of the tenant's day and returns its end.
func (n *numbers) reserve(ctx context.Context, tenantID uuid.UUID, day string) (int64, error) {
	var end int64
	err := n.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`INSERT INTO ticket_counters (tenant_id, day, next_seq) VALUES (?, ?, ?)
			ON CONFLICT (tenant_id, day) DO UPDATE SET next_seq = ticket_counters.next_seq + ?
			RETURNING next_seq`, tenantID, day, 1+n.blockSize, n.blockSize).Scan(ctx, &end)
	})
	return end, err
}
