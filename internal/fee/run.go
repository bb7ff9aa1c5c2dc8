package fee

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// A billing run bills an estate's periodic items whose cycle is the
// period's (a run of 2026-03 bills the monthly items, one of 2026-Q1 the
// quarterly ones): one bill per active unit and item, unless the unit is
// skipped (no rate, no reading, not charged yet, nothing to charge). The
// plan is computed by the same code for the preview and the run; the run
// writes it in batches with ON CONFLICT DO NOTHING on (unit, item,
// period), so running a period again creates nothing and says so.

// planned is a run's bills and the names its summary shows.
type planned struct {
	bills     []*Bill
	skipped   map[Skip]int
	buildings []estate.Building
	items     []Item
}

// plan computes the bills of an estate and period.
func (s *Service) plan(ctx context.Context, db bun.IDB, tenantID, estateID uuid.UUID, p Period) (*planned, error) {
	pl := &planned{skipped: map[Skip]int{}}
	all, err := itemsOf(ctx, db, tenantID, estateID, false)
	if err != nil {
		return nil, err
	}
	var ids, meters []uuid.UUID
	parking := false
	for _, it := range all {
		if it.Kind.Periodic() && it.Cycle == p.Cycle {
			pl.items = append(pl.items, it)
			ids = append(ids, it.ID)
			switch it.Kind {
			case ByMeter:
				meters = append(meters, it.ID)
			case FixedParking:
				parking = true
			}
		}
	}
	if len(pl.items) == 0 {
		return pl, nil
	}
	if pl.buildings, err = estate.Buildings(ctx, db, tenantID, estateID, true); err != nil {
		return nil, err
	}
	rs, err := ratesOf(ctx, db, tenantID, ids)
	if err != nil {
		return nil, err
	}
	rates := map[uuid.UUID][]Rate{}
	for _, r := range rs {
		rates[r.ItemID] = append(rates[r.ItemID], r)
	}
	var units []estate.Unit
	if err := db.NewSelect().Model(&units).Where("tenant_id = ? AND estate_id = ? AND archived_at IS NULL", tenantID, estateID).
		OrderExpr("building_id, code").Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	var starts []unitStart
	if err := db.NewSelect().Model(&starts).Where("tenant_id = ? AND unit_id IN (SELECT id FROM units WHERE tenant_id = ? AND estate_id = ?)",
		tenantID, tenantID, estateID).Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	from := map[uuid.UUID]time.Time{}
	for _, st := range starts {
		if d, err := ParseDate(st.ChargedFrom); err == nil {
			from[st.UnitID] = d
		}
	}
	spaces := map[uuid.UUID]int{}
	if parking {
		var rows []struct {
			UnitID uuid.UUID `bun:"unit_id,type:uuid"`
			N      int       `bun:"n"`
		}
		if err := db.NewSelect().TableExpr("parking_spaces").ColumnExpr("unit_id, count(*) AS n").
			Where("tenant_id = ? AND estate_id = ? AND archived_at IS NULL AND unit_id IS NOT NULL", tenantID, estateID).
			GroupExpr("unit_id").Scan(ctx, &rows); err != nil {
			return nil, database.Normalize(err)
		}
		for _, r := range rows {
			spaces[r.UnitID] = r.N
		}
	}
	used := map[unitItem]int64{}
	if len(meters) > 0 {
		var rds []Reading
		if err := db.NewSelect().Model(&rds).Where("tenant_id = ? AND item_id IN (?) AND period = ?", tenantID, bun.In(meters), p.String()).
			Scan(ctx); err != nil {
			return nil, database.Normalize(err)
		}
		for _, r := range rds {
			used[unitItem{r.UnitID, r.ItemID}] = r.Consumption()
		}
	}
	start, end := formatDate(p.Start()), formatDate(p.End())
	for i := range units {
		u := &units[i]
		for _, it := range pl.items {
			r := rateFor(rates[it.ID], u.Kind, p.Start())
			if r == nil {
				pl.skipped[SkipNoRate]++
				continue
			}
			c := Charge{Kind: it.Kind, Period: p, Price: r.Price, Tiers: r.Tiers, Area: int64(u.Area), Spaces: spaces[u.ID],
				Vacant: u.Status == estate.Vacant, VacantPercent: it.VacantPercent, ChargedFrom: from[u.ID]}
			if it.Kind == ByMeter {
				q, ok := used[unitItem{u.ID, it.ID}]
				if !ok {
					pl.skipped[SkipNoReading]++
					continue
				}
				c.Consumption = q
			}
			a := Calculate(c)
			if a.Skip != SkipNone {
				pl.skipped[a.Skip]++
				continue
			}
			pl.bills = append(pl.bills, &Bill{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), EstateID: estateID, BuildingID: u.BuildingID,
				UnitID: u.ID, ItemID: it.ID, Period: p.String(), PeriodStart: start, PeriodEnd: end, Quantity: a.Quantity, Price: r.Price,
				AmountFen: a.Fen, DueDate: formatDate(p.DueDate(it.DueDay)), Status: Open})
		}
	}
	return pl, nil
}

type unitItem struct{ unit, item uuid.UUID }

// existingBills are the unit and item pairs of an estate's bills of a
// period.
func existingBills(ctx context.Context, db bun.IDB, tenantID, estateID uuid.UUID, p Period) (map[unitItem]bool, error) {
	var have []struct {
		UnitID uuid.UUID `bun:"unit_id,type:uuid"`
		ItemID uuid.UUID `bun:"item_id,type:uuid"`
	}
	if err := db.NewSelect().TableExpr("bills").Column("unit_id", "item_id").
		Where("tenant_id = ? AND estate_id = ? AND period = ?", tenantID, estateID, p.String()).Scan(ctx, &have); err != nil {
		return nil, database.Normalize(err)
	}
	exists := make(map[unitItem]bool, len(have))
	for _, h := range have {
		exists[unitItem{h.UnitID, h.ItemID}] = true
	}
	return exists, nil
}

// tally is the count and total of bills of one building and item.
type tally struct {
	bills, existing int
	fen             int64
}

type lineKey struct{ building, item uuid.UUID }

// summary orders tallies into lines: buildings in the estate's order, then
// items in theirs.
func (pl *planned) summary(t map[lineKey]*tally) Summary {
	sum := Summary{Lines: []Line{}}
	for _, b := range pl.buildings {
		for _, it := range pl.items {
			x := t[lineKey{b.ID, it.ID}]
			if x == nil {
				continue
			}
			sum.Lines = append(sum.Lines, Line{BuildingID: b.ID, Building: b.Name, ItemID: it.ID, Item: it.Name, Bills: x.bills, TotalFen: x.fen, Existing: x.existing})
			sum.Bills += x.bills
			sum.TotalFen += x.fen
			sum.Existing += x.existing
		}
	}
	if len(pl.skipped) > 0 {
		sum.Skipped = pl.skipped
	}
	return sum
}

// Preview is what a run of the estate and period would create, by
// building and item, without writing anything: bills that exist already
// count as Existing, not in the totals.
func (s *Service) Preview(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID uuid.UUID, period string) (*Summary, error) {
	p, err := ParsePeriod(period)
	if err != nil {
		return nil, err
	}
	var sum Summary
	err = s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := estate.InScope(ctx, tx, tenantID, scope, estateID); err != nil {
			return err
		}
		pl, err := s.plan(ctx, tx, tenantID, estateID, p)
		if err != nil {
			return err
		}
		exists, err := existingBills(ctx, tx, tenantID, estateID, p)
		if err != nil {
			return err
		}
		t := map[lineKey]*tally{}
		for _, b := range pl.bills {
			k := lineKey{b.BuildingID, b.ItemID}
			if t[k] == nil {
				t[k] = &tally{}
			}
			if exists[unitItem{b.UnitID, b.ItemID}] {
				t[k].existing++
			} else {
				t[k].bills++
				t[k].fen += b.AmountFen
			}
		}
		sum = pl.summary(t)
		return nil
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	return &sum, nil
}

// runArgs is the job of one billing run; the run row holds the rest.
type runArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	RunID    uuid.UUID `json:"run_id"`
}

func (runArgs) Kind() string { return "fee_billing_run" }

// InsertOpts: every attempt continues where the last stopped (the unique
// key skips what it wrote), so retrying is safe.
func (runArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

type runWorker struct {
	river.WorkerDefaults[runArgs]
	s *Service
}

func (w *runWorker) Timeout(*river.Job[runArgs]) time.Duration { return 30 * time.Minute }

func (w *runWorker) Work(ctx context.Context, j *river.Job[runArgs]) error {
	err := w.s.work(ctx, j.Args, func(ctx context.Context, tx bun.Tx) error { return job.CompleteTx(ctx, tx, j) })
	if err != nil && j.Attempt >= j.MaxAttempts && !errors.Is(ctx.Err(), context.Canceled) {
		// The last attempt failed: the run's page stops waiting.
		ctx := context.WithoutCancel(ctx)
		_ = w.s.db.InTenant(ctx, j.Args.TenantID, func(ctx context.Context, tx bun.Tx) error {
			_, err2 := tx.NewUpdate().Model((*Run)(nil)).Set("status = ?", RunFailed).Set("error = ?", err.Error()).Set("finished_at = ?", w.s.now()).
				Where("tenant_id = ? AND id = ? AND status <> ?", j.Args.TenantID, j.Args.RunID, RunDone).Exec(ctx)
			return err2
		})
	}
	return err
}

// StartRun queues a billing run of an estate and period; Run reads its
// progress and outcome. The run and its job commit together.
func (s *Service) StartRun(ctx context.Context, tenantID uuid.UUID, a Actor, estateID uuid.UUID, period string) (*Run, error) {
	p, err := ParsePeriod(period)
	if err != nil {
		return nil, err
	}
	r := &Run{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), EstateID: estateID, Period: p.String(), Status: RunQueued,
		Summary: Summary{Lines: []Line{}}, CreatedBy: &a.UserID, CreatedAt: s.now()}
	err = s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := activeEstate(ctx, tx, tenantID, a.Scope, estateID); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(r).Exec(ctx); err != nil {
			return err
		}
		return s.jobs.InsertTx(ctx, tx, runArgs{TenantID: tenantID, RunID: r.ID}, nil)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// RunInline makes a billing run in the caller's goroutine, by the same
// steps as the job, and returns the finished run. It is for a past played
// on the service's own clock (the demo's year), which the job workers'
// clock is not; people's runs go through StartRun.
func (s *Service) RunInline(ctx context.Context, tenantID uuid.UUID, a Actor, estateID uuid.UUID, period string) (*Run, error) {
	p, err := ParsePeriod(period)
	if err != nil {
		return nil, err
	}
	r := &Run{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), EstateID: estateID, Period: p.String(), Status: RunQueued,
		Summary: Summary{Lines: []Line{}}, CreatedBy: &a.UserID, CreatedAt: s.now()}
	err = s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := activeEstate(ctx, tx, tenantID, a.Scope, estateID); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(r).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.work(ctx, runArgs{TenantID: tenantID, RunID: r.ID}, nil); err != nil {
		return nil, err
	}
	return s.Run(ctx, tenantID, a.Scope, r.ID)
}

// Run reads a billing run in scope.
func (s *Service) Run(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID) (*Run, error) {
	r := new(Run)
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(r).Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx)
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	if !scope.Allows(r.EstateID) {
		return nil, database.ErrNotFound
	}
	return r, nil
}

// Runs lists an estate's latest billing runs, newest first.
func (s *Service) Runs(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID uuid.UUID) ([]Run, error) {
	var out []Run
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := estate.InScope(ctx, tx, tenantID, scope, estateID); err != nil {
			return err
		}
		return tx.NewSelect().Model(&out).Where("tenant_id = ? AND estate_id = ?", tenantID, estateID).
			OrderExpr("created_at DESC, id DESC").Limit(50).Scan(ctx)
	})
	return out, database.Normalize(err)
}

// work is a run's job: plan, write the bills in batches (each its own
// transaction, recording progress, applying prepaid balances to the new
// bills), then record the outcome and complete the job (complete, when
// there is one) together.
func (s *Service) work(ctx context.Context, args runArgs, complete func(context.Context, bun.Tx) error) error {
	tenantID := args.TenantID
	r, err := s.Run(ctx, tenantID, estate.Scope{All: true}, args.RunID)
	if errors.Is(err, database.ErrNotFound) {
		return nil // the tenant's data is gone
	}
	if err != nil {
		return err
	}
	if r.Status == RunDone || r.Status == RunFailed {
		return nil
	}
	p, err := ParsePeriod(r.Period)
	if err != nil {
		return err
	}
	var pl *planned
	var todo []*Bill
	if err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if pl, err = s.plan(ctx, tx, tenantID, r.EstateID, p); err != nil {
			return err
		}
		// The bills that exist already (a rerun, or an earlier attempt's)
		// are not sent again: a rerun writes none, and the inserts below
		// meet the unique key only for bills made meanwhile.
		exists, err := existingBills(ctx, tx, tenantID, r.EstateID, p)
		if err != nil {
			return err
		}
		todo = make([]*Bill, 0, len(pl.bills)-min(len(exists), len(pl.bills)))
		for _, b := range pl.bills {
			if !exists[unitItem{b.UnitID, b.ItemID}] {
				todo = append(todo, b)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	skipped := len(pl.bills) - len(todo)
	if err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model(r).Set("status = ?", RunRunning).Set("planned = ?", len(pl.bills)).Set("done = ?", skipped).WherePK().Exec(ctx)
		return err
	}); err != nil {
		return err
	}
	if err := s.writeBills(ctx, r, todo); err != nil {
		return err
	}
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		// The outcome is read back from the bills the run made, so an
		// attempt that continues an interrupted one counts both.
		var rows []struct {
			BuildingID uuid.UUID `bun:"building_id,type:uuid"`
			ItemID     uuid.UUID `bun:"item_id,type:uuid"`
			N          int       `bun:"n"`
			Fen        int64     `bun:"fen"`
		}
		if err := tx.NewSelect().TableExpr("bills").ColumnExpr("building_id, item_id, count(*) AS n, sum(amount_fen) AS fen").
			// A run's bills are of its estate and period: that index finds
			// them (bills keep no index of their own by run).
			Where("tenant_id = ? AND estate_id = ? AND period_start = ? AND run_id = ?", tenantID, r.EstateID, formatDate(p.Start()), r.ID).
			GroupExpr("building_id, item_id").Scan(ctx, &rows); err != nil {
			return err
		}
		t := map[lineKey]*tally{}
		for _, x := range rows {
			t[lineKey{x.BuildingID, x.ItemID}] = &tally{bills: x.N, fen: x.Fen}
		}
		sum := pl.summary(t)
		sum.Existing = len(pl.bills) - sum.Bills
		now := s.now()
		r.Status, r.Planned, r.Done, r.Created, r.Existing, r.TotalFen, r.Summary, r.FinishedAt =
			RunDone, len(pl.bills), len(pl.bills), sum.Bills, sum.Existing, sum.TotalFen, sum, &now
		if _, err := tx.NewUpdate().Model(r).Column("status", "planned", "done", "created", "existing", "total_fen", "summary", "finished_at").
			WherePK().Exec(ctx); err != nil {
			return err
		}
		if complete == nil {
			return nil
		}
		return complete(ctx, tx)
	})
}

// runWriters is how many of a run's batches are written at once on
// PostgreSQL: while one waits for the server to insert its rows, the next
// is built and sent, so the two cores both work. SQLite has one writer.
const runWriters = 2

// writeBills writes a run's new bills in batches, each in its own
// transaction with the run's progress. A batch ends with a unit's last
// bill: no two batches share a unit, whose prepaid balance pays its new
// bills in order, and none waits for another's lock on it.
func (s *Service) writeBills(ctx context.Context, r *Run, todo []*Bill) error {
	var batches [][]*Bill
	for from := 0; from < len(todo); {
		end := min(from+s.opt.RunBatch, len(todo))
		for end < len(todo) && todo[end].UnitID == todo[end-1].UnitID {
			end++
		}
		batches = append(batches, todo[from:end])
		from = end
	}
	writers := 1
	if s.db.Postgres() {
		writers = runWriters
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan []*Bill)
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for batch := range next {
				if err := s.writeBatch(ctx, r, batch); err != nil {
					errs <- err
					cancel()
					return
				}
			}
		})
	}
feed:
	for _, b := range batches {
		select {
		case next <- b:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	return ctx.Err()
}

// writeBatch inserts a batch of a run's bills that do not exist yet,
// applies prepaid balances to those it made and counts it done.
func (s *Service) writeBatch(ctx context.Context, r *Run, batch []*Bill) error {
	tenantID := r.TenantID
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		for _, b := range batch {
			b.RunID, b.CreatedAt, b.UpdatedAt = &r.ID, now, now
		}
		created, err := s.insertBills(ctx, tx, batch)
		if err != nil {
			return err
		}
		if err := s.applyBalances(ctx, tx, tenantID, created, now); err != nil {
			return err
		}
		for _, b := range created {
			if err := s.publish(ctx, tx, tenantID, EventBillCreated, b); err != nil {
				return err
			}
		}
		_, err = tx.NewUpdate().Model((*Run)(nil)).Set("done = done + ?", len(batch)).
			Where("tenant_id = ? AND id = ?", tenantID, r.ID).Exec(ctx)
		return err
	})
}

// insertBills inserts the bills whose (unit, item, period) has none yet
// and returns those.
func (s *Service) insertBills(ctx context.Context, tx bun.Tx, bills []*Bill) ([]*Bill, error) {
	const onConflict = "ON CONFLICT (tenant_id, unit_id, item_id, period) DO NOTHING RETURNING id"
	var ids []uuid.UUID
	if s.db.Postgres() {
		// Bound and prepared, as the ticket batches: 100,000 bills are
		// not parsed from text.
		q, args := database.BoundInsert(tx, &bills, onConflict)
		rows, err := database.QueryBound(ctx, tx, q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id uuid.UUID
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	} else if err := tx.NewInsert().Model(&bills).On("CONFLICT (tenant_id, unit_id, item_id, period) DO NOTHING").Returning("id").Scan(ctx, &ids); err != nil {
		return nil, err
	}
	made := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		made[id] = true
	}
	out := make([]*Bill, 0, len(ids))
	for _, b := range bills {
		if made[b.ID] {
			out = append(out, b)
		}
	}
	return out, nil
}

// applyBalances settles new bills from their units' prepaid balances, in
// the order given.
func (s *Service) applyBalances(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, bills []*Bill, now time.Time) error {
	if len(bills) == 0 {
		return nil
	}
	units := make([]uuid.UUID, 0, len(bills))
	for _, b := range bills {
		units = append(units, b.UnitID)
	}
	slices.SortFunc(units, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	units = slices.Compact(units)
	var bals []balance
	q := tx.NewSelect().Model(&bals).Where("tenant_id = ? AND unit_id IN (?) AND balance_fen > 0", tenantID, bun.In(units)).OrderExpr("unit_id")
	if s.db.Postgres() {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil || len(bals) == 0 {
		return err
	}
	left := make(map[uuid.UUID]int64, len(bals))
	for _, b := range bals {
		left[b.UnitID] = b.BalanceFen
	}
	var allocs []Allocation
	var moves []Movement
	var settled []*Bill
	for _, b := range bills {
		have := left[b.UnitID]
		if have <= 0 {
			continue
		}
		use := min(have, b.OpenFen())
		left[b.UnitID] = have - use
		b.settle(use, 0, now)
		settled = append(settled, b)
		allocs = append(allocs, Allocation{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), BillID: b.ID, Source: FromBalance, AmountFen: use, At: now})
		moves = append(moves, Movement{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), UnitID: b.UnitID, Kind: Apply, AmountFen: -use,
			BalanceFen: have - use, BillID: &b.ID, At: now})
	}
	if len(settled) == 0 {
		return nil
	}
	if _, err := tx.NewInsert().Model(&allocs).Exec(ctx); err != nil {
		return err
	}
	if _, err := tx.NewInsert().Model(&moves).Exec(ctx); err != nil {
		return err
	}
	if err := saveBills(ctx, tx, settled...); err != nil {
		return err
	}
	for _, b := range bals {
		if left[b.UnitID] != b.BalanceFen {
			if err := setBalance(ctx, tx, tenantID, b.UnitID, left[b.UnitID], now); err != nil {
				return err
			}
		}
	}
	return nil
}

// ChargeOneOff bills a one-off item (装修管理费, 装修押金) to a unit on a day.
// amountFen 0 takes the item's rate for the unit's kind on that day. The
// bill's period is the day, so the same charge on the same day is refused
// as a conflict.
func (s *Service) ChargeOneOff(ctx context.Context, t *tenant.Tenant, a Actor, unitID, itemID uuid.UUID, day string, amountFen int64) (*Bill, error) {
	d, err := ParseDate(day)
	if err != nil {
		return nil, err
	}
	if !validFen(amountFen) {
		return nil, ErrInvalidAmount
	}
	var b *Bill
	err = s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		it, err := itemInScope(ctx, tx, t.ID, a.Scope, itemID)
		if err != nil {
			return err
		}
		if it.Kind != OneOff {
			return ErrNotOneOff
		}
		if it.ArchivedAt != nil {
			return ErrItemArchived
		}
		u, err := estate.UnitByID(ctx, tx, t.ID, unitID)
		if err != nil {
			return err
		}
		if u.EstateID != it.EstateID {
			return ErrUnitNotInEstate
		}
		price := amountFen * centi
		if amountFen == 0 {
			rates, err := ratesOf(ctx, tx, t.ID, []uuid.UUID{it.ID})
			if err != nil {
				return err
			}
			r := rateFor(rates, u.Kind, d)
			if r == nil {
				return fmt.Errorf("%w: %s", ErrInvalidPrice, SkipNoRate)
			}
			price = r.Price
		}
		amt := Calculate(Charge{Kind: OneOff, Price: price})
		if amt.Fen <= 0 {
			return ErrInvalidAmount
		}
		now := s.now()
		b = &Bill{TenantID: t.ID, ID: uuid.Must(uuid.NewV7()), EstateID: u.EstateID, BuildingID: u.BuildingID, UnitID: u.ID, ItemID: it.ID,
			Period: formatDate(d), PeriodStart: formatDate(d), PeriodEnd: formatDate(d.AddDate(0, 0, 1)), Quantity: amt.Quantity, Price: price,
			AmountFen: amt.Fen, DueDate: formatDate(d), Status: Open, CreatedAt: now, UpdatedAt: now}
		if _, err := lockUnit(ctx, tx, t.ID, u.ID, now); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(b).Exec(ctx); err != nil {
			return err
		}
		if err := s.applyBalances(ctx, tx, t.ID, []*Bill{b}, now); err != nil {
			return err
		}
		return s.publish(ctx, tx, t.ID, EventBillCreated, b)
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	return b, nil
}
