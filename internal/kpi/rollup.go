package kpi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// overlap is how far before its watermark the job reads changed tickets
// again: a change stamped before the watermark may commit after the job
// read, and must not be missed. Transactions of a ticket take well under
// a second.
const overlap = 2 * time.Minute

// dayFormat is the rollups' day: the company's local date.
const dayFormat = time.DateOnly

// Rollup tables' kinds of subject.
const (
	KindTeam     = "team"
	KindWorker   = "worker"
	KindReceiver = "receiver"
	KindCategory = "category"
	KindBuilding = "building"
)

type dailyRow struct {
	bun.BaseModel `bun:"table:kpi_daily"`
	TenantID      uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	EstateID      uuid.UUID `bun:"estate_id,pk,type:uuid"`
	Day           string    `bun:"day,pk"`
	Counts
}

type responseRow struct {
	bun.BaseModel `bun:"table:kpi_response_daily"`
	TenantID      uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	EstateID      uuid.UUID `bun:"estate_id,pk,type:uuid"`
	Day           string    `bun:"day,pk"`
	Minutes       int       `bun:"minutes,pk"`
	N             int64     `bun:"n,notnull"`
}

type staffRow struct {
	bun.BaseModel `bun:"table:kpi_staff_daily"`
	TenantID      uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	EstateID      uuid.UUID `bun:"estate_id,pk,type:uuid"`
	Day           string    `bun:"day,pk"`
	Kind          string    `bun:"kind,pk"`
	SubjectID     uuid.UUID `bun:"subject_id,pk,type:uuid"`
	Load
}

// Load is the workload of a team, a worker or a receiver.
type Load struct {
	Received  int64 `bun:"received,notnull" json:"received"`
	Outside   int64 `bun:"outside,notnull" json:"outside"`
	Completed int64 `bun:"completed,notnull" json:"completed"`
	Breached  int64 `bun:"breached,notnull" json:"breached"`
}

type hotRow struct {
	bun.BaseModel `bun:"table:kpi_hot_daily"`
	TenantID      uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	EstateID      uuid.UUID `bun:"estate_id,pk,type:uuid"`
	Day           string    `bun:"day,pk"`
	Kind          string    `bun:"kind,pk"`
	SubjectID     uuid.UUID `bun:"subject_id,pk,type:uuid"`
	N             int64     `bun:"n,notnull"`
}

type watermark struct {
	bun.BaseModel `bun:"table:kpi_watermarks"`
	TenantID      uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	Through       time.Time `bun:"through,notnull"`
	MinorSig      string    `bun:"minor_sig,notnull"`
}

// Refresh brings every company's rollups up to date; the periodic job
// runs it. A company that fails is logged and left for the next run.
func (s *Service) Refresh(ctx context.Context) error {
	var ts []*tenant.Tenant
	if err := s.db.ReadPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&ts).Scan(ctx)
	}); err != nil {
		return err
	}
	for _, t := range ts {
		if err := s.RefreshTenant(ctx, t); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			s.opt.Log.Error("kpi rollup failed", "tenant_id", t.ID, "err", err)
		}
	}
	return nil
}

// Reset makes the next refresh of the company count every day again, as
// after writing tickets with past timestamps (the demo's history).
func (s *Service) Reset(ctx context.Context, tenantID uuid.UUID) error {
	return database.Normalize(s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDelete().Model((*watermark)(nil)).Where("tenant_id = ?", tenantID).Exec(ctx)
		return err
	}))
}

// RefreshTenant brings one company's rollups up to date. Without a
// watermark, or when the minor categories changed, it counts every day
// again; otherwise it finds the tickets changed since the watermark and
// counts again every day any of them ever touched: the days of all their
// timeline entries, which record every instant a figure is dated by —
// also the old ones a change moved (a reopen clears the completion the
// day before was counted with).
func (s *Service) RefreshTenant(ctx context.Context, t *tenant.Tenant) error {
	now := s.now()
	tree, err := s.tickets.Categories(ctx, t.ID)
	if err != nil {
		return err
	}
	sig := minorSig(tree)
	loc := t.Location()
	return database.Normalize(s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		var wm watermark
		err := tx.NewSelect().Model(&wm).Where("tenant_id = ?", t.ID).Scan(ctx)
		full := database.Normalize(err) == database.ErrNotFound || wm.MinorSig != sig
		if err != nil && !full {
			return err
		}
		if full {
			if err := s.rebuild(ctx, tx, t.ID, loc, tree, nil); err != nil {
				return err
			}
		} else {
			days, err := dirtyDays(ctx, tx, t.ID, wm.Through.Add(-overlap), loc)
			if err != nil {
				return err
			}
			if len(days) > 0 {
				if err := s.rebuild(ctx, tx, t.ID, loc, tree, days); err != nil {
					return err
				}
			}
		}
		wm = watermark{TenantID: t.ID, Through: now, MinorSig: sig}
		_, err = tx.NewInsert().Model(&wm).On("CONFLICT (tenant_id) DO UPDATE").
			Set("through = EXCLUDED.through, minor_sig = EXCLUDED.minor_sig").Exec(ctx)
		return err
	}))
}

// minorSig names the set of minor categories.
func minorSig(tree ticket.Tree) string {
	var ids []string
	for i := range tree {
		if tree.Minor(&tree[i].ID) {
			ids = append(ids, tree[i].ID.String())
		}
	}
	slices.Sort(ids)
	h := sha256.Sum256([]byte(strings.Join(ids, ",")))
	return hex.EncodeToString(h[:8])
}

// chunk bounds the IDs or days of one IN list.
const chunk = 500

// dirtyDays are the local days touched by the tickets changed since.
func dirtyDays(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, since time.Time, loc *time.Location) (map[string]bool, error) {
	var ids []uuid.UUID
	if err := tx.NewSelect().Table("tickets").Column("id").
		Where("tenant_id = ? AND updated_at >= ?", tenantID, since).Scan(ctx, &ids); err != nil {
		return nil, err
	}
	days := map[string]bool{}
	for part := range slices.Chunk(ids, chunk) {
		var ats []time.Time
		if err := tx.NewSelect().Table("ticket_events").Column("at").
			Where("tenant_id = ? AND ticket_id IN (?)", tenantID, bun.In(part)).Scan(ctx, &ats); err != nil {
			return nil, err
		}
		var created []time.Time
		if err := tx.NewSelect().Table("tickets").Column("created_at").
			Where("tenant_id = ? AND id IN (?)", tenantID, bun.In(part)).Scan(ctx, &created); err != nil {
			return nil, err
		}
		for _, at := range append(ats, created...) {
			days[at.In(loc).Format(dayFormat)] = true
		}
	}
	return days, nil
}

// rollup is the rows of a set of days, being counted.
type rollup struct {
	loc   *time.Location
	tree  ticket.Tree
	keep  map[string]bool // nil: every day
	daily map[dayKey]*Counts
	resp  map[respKey]int64
	staff map[subjKey]*Load
	hot   map[subjKey]int64
}

type dayKey struct {
	estate uuid.UUID
	day    string
}

type respKey struct {
	dayKey
	minutes int
}

type subjKey struct {
	dayKey
	kind    string
	subject uuid.UUID
}

func newRollup(loc *time.Location, tree ticket.Tree, keep map[string]bool) *rollup {
	return &rollup{loc: loc, tree: tree, keep: keep, daily: map[dayKey]*Counts{}, resp: map[respKey]int64{},
		staff: map[subjKey]*Load{}, hot: map[subjKey]int64{}}
}

// on is the day's counts of an instant, nil for a day not being counted.
func (r *rollup) on(estate uuid.UUID, at time.Time) (*Counts, dayKey) {
	k := dayKey{estate, at.In(r.loc).Format(dayFormat)}
	if r.keep != nil && !r.keep[k.day] {
		return nil, k
	}
	if r.daily[k] == nil {
		r.daily[k] = &Counts{}
	}
	return r.daily[k], k
}

func (r *rollup) load(k dayKey, kind string, subject uuid.UUID) *Load {
	sk := subjKey{k, kind, subject}
	if r.staff[sk] == nil {
		r.staff[sk] = &Load{}
	}
	return r.staff[sk]
}

// add counts one ticket on each of its days.
func (r *rollup) add(f *Fact) {
	if c, k := r.on(f.EstateID, f.CreatedAt); c != nil {
		c.Received++
		if f.Type == ticket.Complaint {
			c.Complaints++
			if f.Major {
				c.Majors++
			}
		}
		rc := r.load(k, KindReceiver, f.ReceivedBy)
		rc.Received++
		if f.ReceivedBy != f.CreatedBy {
			rc.Outside++
		}
		if f.TeamID != nil {
			r.load(k, KindTeam, *f.TeamID).Received++
		}
		if f.AssigneeID != nil {
			r.load(k, KindWorker, *f.AssigneeID).Received++
		}
		if root := r.tree.Root(f.CategoryID); root != nil {
			r.hot[subjKey{k, KindCategory, *root}]++
		}
		if f.BuildingID != nil {
			r.hot[subjKey{k, KindBuilding, *f.BuildingID}]++
		}
	}
	if m, ok := f.ResponseMinutes(); ok {
		if c, k := r.on(f.EstateID, *f.RespondedAt); c != nil {
			r.resp[respKey{k, m}]++
		}
	}
	if f.CompletedAt != nil {
		if c, k := r.on(f.EstateID, *f.CompletedAt); c != nil {
			c.Completed++
			if f.ReopenCount == 0 {
				c.FirstFix++
			}
			late := f.Late()
			if f.Minor(r.tree) {
				c.MinorDone++
				if late {
					c.MinorLate++
				}
			}
			if f.Type == ticket.Complaint {
				c.ComplaintDone++
				if late {
					c.ComplaintLate++
				}
			}
			if f.CallbackState != "" {
				c.CallbackDue++
				if f.CallbackState == ticket.CallbackDone {
					c.CallbackDone++
				}
			}
			if f.TeamID != nil {
				r.load(k, KindTeam, *f.TeamID).Completed++
			}
			if f.AssigneeID != nil {
				r.load(k, KindWorker, *f.AssigneeID).Completed++
			}
		}
	}
	if f.ResolveBreachedAt != nil {
		if c, k := r.on(f.EstateID, *f.ResolveBreachedAt); c != nil {
			c.Breached++
			if f.TeamID != nil {
				r.load(k, KindTeam, *f.TeamID).Breached++
			}
			if f.AssigneeID != nil {
				r.load(k, KindWorker, *f.AssigneeID).Breached++
			}
		}
	}
}

// reached is one call-back that reached the owner.
type reached struct {
	EstateID uuid.UUID `bun:"estate_id"`
	At       time.Time `bun:"at"`
	Overall  int       `bun:"overall"`
}

func (r *rollup) addCallback(cb reached) {
	if c, _ := r.on(cb.EstateID, cb.At); c != nil {
		c.CbReached++
		if cb.Overall >= Satisfied {
			c.CbSatisfied++
		}
	}
}

// FactQuery selects the facts of a company's tickets (alias t); the
// figures' definitions and the test that checks the rollups share it.
func FactQuery(tx bun.IDB, tenantID uuid.UUID) *bun.SelectQuery {
	return tx.NewSelect().TableExpr("tickets AS t").
		Join("LEFT JOIN units AS u ON u.tenant_id = t.tenant_id AND u.id = t.unit_id").
		ColumnExpr("t.id, t.estate_id, t.type, t.category_id, t.major, t.received_by, t.created_by, t.team_id, t.assignee_id").
		ColumnExpr("u.building_id, t.created_at, t.response_due, t.responded_at, t.resolve_due, t.completed_at, t.resolve_breached_at").
		ColumnExpr("t.callback_state, t.reopen_count").
		Where("t.tenant_id = ?", tenantID)
}

// rebuild counts the days again (every day when days is nil) and replaces
// their rows.
func (s *Service) rebuild(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, loc *time.Location, tree ticket.Tree, days map[string]bool) error {
	r := newRollup(loc, tree, days)
	facts := FactQuery(tx, tenantID)
	cbs := tx.NewSelect().TableExpr("ticket_callbacks AS c").
		Join("JOIN tickets AS t ON t.tenant_id = c.tenant_id AND t.id = c.ticket_id").
		ColumnExpr("t.estate_id, c.at, c.overall").Where("c.tenant_id = ? AND c.reached", tenantID)
	var keys []string
	if days != nil {
		for d := range days {
			keys = append(keys, d)
		}
		slices.Sort(keys)
		from, err := time.ParseInLocation(dayFormat, keys[0], loc)
		if err != nil {
			return err
		}
		last, err := time.ParseInLocation(dayFormat, keys[len(keys)-1], loc)
		if err != nil {
			return err
		}
		to := last.AddDate(0, 0, 1)
		from, to = from.UTC(), to.UTC()
		in := func(col string) string { return "(" + col + " >= ? AND " + col + " < ?)" }
		facts = facts.Where("("+in("t.created_at")+" OR "+in("t.responded_at")+" OR "+in("t.completed_at")+" OR "+in("t.resolve_breached_at")+")",
			from, to, from, to, from, to, from, to)
		cbs = cbs.Where("c.at >= ? AND c.at < ?", from, to)
	}
	var fs []Fact
	if err := facts.Scan(ctx, &fs); err != nil {
		return err
	}
	for i := range fs {
		r.add(&fs[i])
	}
	var rs []reached
	if err := cbs.Scan(ctx, &rs); err != nil {
		return err
	}
	for _, cb := range rs {
		r.addCallback(cb)
	}
	// Out with the days' old rows, in with the new.
	for _, table := range []string{"kpi_daily", "kpi_response_daily", "kpi_staff_daily", "kpi_hot_daily"} {
		if days == nil {
			if _, err := tx.NewDelete().Table(table).Where("tenant_id = ?", tenantID).Exec(ctx); err != nil {
				return err
			}
			continue
		}
		for part := range slices.Chunk(keys, chunk) {
			if _, err := tx.NewDelete().Table(table).Where("tenant_id = ? AND day IN (?)", tenantID, bun.In(part)).Exec(ctx); err != nil {
				return err
			}
		}
	}
	return r.write(ctx, tx, tenantID)
}

// insertBatch bounds the rows of one insert (SQLite allows 32,766
// parameters).
const insertBatch = 500

func insertAll[T any](ctx context.Context, tx bun.Tx, rows []T) error {
	for part := range slices.Chunk(rows, insertBatch) {
		if _, err := tx.NewInsert().Model(&part).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (r *rollup) write(ctx context.Context, tx bun.Tx, tenantID uuid.UUID) error {
	var daily []dailyRow
	for k, c := range r.daily {
		if !c.zero() {
			daily = append(daily, dailyRow{TenantID: tenantID, EstateID: k.estate, Day: k.day, Counts: *c})
		}
	}
	var resp []responseRow
	for k, n := range r.resp {
		resp = append(resp, responseRow{TenantID: tenantID, EstateID: k.estate, Day: k.day, Minutes: k.minutes, N: n})
	}
	var staff []staffRow
	for k, l := range r.staff {
		staff = append(staff, staffRow{TenantID: tenantID, EstateID: k.estate, Day: k.day, Kind: k.kind, SubjectID: k.subject, Load: *l})
	}
	var hot []hotRow
	for k, n := range r.hot {
		hot = append(hot, hotRow{TenantID: tenantID, EstateID: k.estate, Day: k.day, Kind: k.kind, SubjectID: k.subject, N: n})
	}
	if err := insertAll(ctx, tx, daily); err != nil {
		return err
	}
	if err := insertAll(ctx, tx, resp); err != nil {
		return err
	}
	if err := insertAll(ctx, tx, staff); err != nil {
		return err
	}
	return insertAll(ctx, tx, hot)
}
