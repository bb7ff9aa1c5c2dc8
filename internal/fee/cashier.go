package fee

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// The daily cashier report (日结): what a clerk took at an estate on a day
// of the company's calendar, by method and by fee item, to reconcile the
// cash drawer. A void counts on the day it was made, for whoever made it.
// The clerk closes their day: the totals are stored as closed, and from
// then on a payment or void by that clerk at that estate on that day is
// refused (ErrDayClosed) until an office head or manager reopens it with
// a reason.

// CashierDay is a clerk's day at an estate; ClosedAt is set while it is
// closed, with the totals as closed.
type CashierDay struct {
	bun.BaseModel `bun:"table:fee_cashier_days"`

	TenantID  uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	EstateID  uuid.UUID  `bun:"estate_id,pk,type:uuid" json:"estate_id"`
	ClerkID   uuid.UUID  `bun:"clerk_id,pk,type:uuid" json:"clerk_id"`
	Day       string     `bun:"day,pk" json:"day"`
	ClosedAt  *time.Time `bun:"closed_at" json:"closed_at,omitempty"`
	Report    Stored     `bun:"report,notnull" json:"closed_totals"`
	UpdatedAt time.Time  `bun:"updated_at,notnull" json:"-"`
}

// DayEventKind is what happened to a cashier day.
type DayEventKind string

const (
	DayClosedEvent   DayEventKind = "closed"
	DayReopenedEvent DayEventKind = "reopened"
)

// DayEvent is a close or reopen of a cashier day; Report is the totals as
// they were closed (for a reopen: the close it undid).
type DayEvent struct {
	bun.BaseModel `bun:"table:fee_cashier_day_events"`

	TenantID uuid.UUID    `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID       uuid.UUID    `bun:"id,pk,type:uuid" json:"id"`
	EstateID uuid.UUID    `bun:"estate_id,notnull,type:uuid" json:"estate_id"`
	ClerkID  uuid.UUID    `bun:"clerk_id,notnull,type:uuid" json:"clerk_id"`
	Day      string       `bun:"day,notnull" json:"day"`
	Kind     DayEventKind `bun:"kind,notnull" json:"kind"`
	ByID     uuid.UUID    `bun:"by_id,notnull,type:uuid" json:"by_id"`
	At       time.Time    `bun:"at,notnull" json:"at"`
	Reason   string       `bun:"reason,notnull" json:"reason,omitempty"`
	Report   Stored       `bun:"report,notnull" json:"totals"`
}

// DayTotals is a day's money: payments taken (counted by receipt) and
// voids made, overall, by method and by fee item. Taken counts a payment
// that was voided later too: the money was in the drawer that day; its
// void counts on the void's day.
type DayTotals struct {
	Receipts  int           `json:"receipts"`
	TakenFen  int64         `json:"taken_fen"`
	Voids     int           `json:"voids"`
	VoidedFen int64         `json:"voided_fen"`
	NetFen    int64         `json:"net_fen"`
	ByMethod  []MethodTotal `json:"by_method"`
	ByItem    []ItemTotal   `json:"by_item"`
}

// MethodTotal is a day's money taken and voided by one method.
type MethodTotal struct {
	Method    Method `json:"method"`
	Receipts  int    `json:"receipts"`
	TakenFen  int64  `json:"taken_fen"`
	Voids     int    `json:"voids"`
	VoidedFen int64  `json:"voided_fen"`
	NetFen    int64  `json:"net_fen"`
}

// ItemTotal is a day's money by fee item; ItemID nil is prepayments
// (预存款), money that paid no bill yet.
type ItemTotal struct {
	ItemID *uuid.UUID `json:"item_id"`
	Item   string     `json:"item"`
	// LateFees: the line of late fees (滞纳金), which are no item's.
	LateFees  bool  `json:"late_fees,omitempty"`
	TakenFen  int64 `json:"taken_fen"`
	VoidedFen int64 `json:"voided_fen"`
	NetFen    int64 `json:"net_fen"`
}

// Stored is totals kept as JSON text; none (an open day) is ”.
type Stored struct{ *DayTotals }

// Value stores the totals.
func (s Stored) Value() (any, error) {
	if s.DayTotals == nil {
		return "", nil
	}
	b, err := json.Marshal(s.DayTotals)
	return string(b), err
}

// Scan reads totals stored by Value.
func (s *Stored) Scan(src any) error {
	var d DayTotals
	s.DayTotals = nil
	if err := scanJSON(src, &d); err != nil {
		return err
	}
	if len(fmtBytes(src)) > 0 {
		s.DayTotals = &d
	}
	return nil
}

// MarshalJSON writes the totals, or null.
func (s Stored) MarshalJSON() ([]byte, error) { return json.Marshal(s.DayTotals) }

func fmtBytes(src any) []byte {
	switch v := src.(type) {
	case string:
		return []byte(v)
	case []byte:
		return v
	}
	return nil
}

// DayPayment is a payment on a day's report.
type DayPayment struct {
	Payment
	UnitCode string `json:"unit_code"`
}

// ClerkDay is one clerk's part of an estate's day.
type ClerkDay struct {
	ClerkID uuid.UUID `json:"clerk_id"`
	DayTotals
	ClosedAt *time.Time `json:"closed_at,omitempty"`
}

// DayReport is the report of an estate's day, of one clerk or of all of
// them (ClerkID nil).
type DayReport struct {
	EstateID uuid.UUID  `json:"estate_id"`
	Day      string     `json:"day"`
	ClerkID  *uuid.UUID `json:"clerk_id,omitempty"`
	DayTotals
	// Payments are those taken on the day, Voided those voided on it,
	// in time order.
	Payments []DayPayment `json:"payments"`
	Voided   []DayPayment `json:"voided"`
	// Clerks are the clerks with payments, voids or a close that day.
	Clerks []ClerkDay `json:"clerks"`
	// ClosedAt and Closed, of one clerk's day: closed since, with the
	// totals as closed.
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	Closed   *DayTotals `json:"closed_totals,omitempty"`
	Events   []DayEvent `json:"events"`
}

// DayQuery names a day's report: an estate, a day (YYYY-MM-DD, the
// company's today by default) and a clerk (nil: all clerks).
type DayQuery struct {
	EstateID uuid.UUID
	Day      string
	ClerkID  *uuid.UUID
}

// dayOf reads a day, the tenant's today when empty.
func (s *Service) dayOf(t *tenant.Tenant, day string) (time.Time, error) {
	if strings.TrimSpace(day) == "" {
		return localDay(s.now(), t.Location()), nil
	}
	return ParseDate(day)
}

// CashierReport is the report of an estate's day for one clerk or all.
func (s *Service) CashierReport(ctx context.Context, t *tenant.Tenant, scope estate.Scope, q DayQuery) (*DayReport, error) {
	day, err := s.dayOf(t, q.Day)
	if err != nil {
		return nil, err
	}
	var r *DayReport
	err = s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := estate.InScope(ctx, tx, t.ID, scope, q.EstateID); err != nil {
			return err
		}
		r, err = dayReport(ctx, tx, t, q.EstateID, day, q.ClerkID)
		return err
	})
	return r, database.Normalize(err)
}

// dayReport gathers the day's payments and voids and adds them up.
func dayReport(ctx context.Context, tx bun.Tx, t *tenant.Tenant, estateID uuid.UUID, day time.Time, clerk *uuid.UUID) (*DayReport, error) {
	loc := t.Location()
	from, to := instant(day, loc), instant(day.AddDate(0, 0, 1), loc)
	r := &DayReport{EstateID: estateID, Day: formatDate(day), ClerkID: clerk, Payments: []DayPayment{}, Voided: []DayPayment{},
		Clerks: []ClerkDay{}, Events: []DayEvent{}}
	var taken, voided []Payment
	q := tx.NewSelect().Model(&taken).Where("tenant_id = ? AND estate_id = ? AND paid_at >= ? AND paid_at < ?", t.ID, estateID, from, to)
	if clerk != nil {
		q = q.Where("clerk_id = ?", *clerk)
	}
	if err := q.OrderExpr("paid_at, id").Scan(ctx); err != nil {
		return nil, err
	}
	q = tx.NewSelect().Model(&voided).Where("tenant_id = ? AND estate_id = ? AND voided_at >= ? AND voided_at < ?", t.ID, estateID, from, to)
	if clerk != nil {
		q = q.Where("voided_by = ?", *clerk)
	}
	if err := q.OrderExpr("voided_at, id").Scan(ctx); err != nil {
		return nil, err
	}
	var days []CashierDay
	dq := tx.NewSelect().Model(&days).Where("tenant_id = ? AND estate_id = ? AND day = ?", t.ID, estateID, r.Day)
	eq := tx.NewSelect().Model(&r.Events).Where("tenant_id = ? AND estate_id = ? AND day = ?", t.ID, estateID, r.Day)
	if clerk != nil {
		dq = dq.Where("clerk_id = ?", *clerk)
		eq = eq.Where("clerk_id = ?", *clerk)
	}
	if err := dq.Scan(ctx); err != nil {
		return nil, err
	}
	if err := eq.OrderExpr("at, id").Scan(ctx); err != nil {
		return nil, err
	}

	// What each payment settled, by item: its allocations (voided later
	// or not: they are what the money paid), the rest its prepayment.
	ids := make([]uuid.UUID, 0, len(taken)+len(voided))
	for _, p := range slices.Concat(taken, voided) {
		ids = append(ids, p.ID)
	}
	byPayment := map[uuid.UUID]map[uuid.UUID]int64{}
	units := map[uuid.UUID]string{}
	if len(ids) > 0 {
		var rows []struct {
			PaymentID uuid.UUID `bun:"payment_id"`
			ItemID    uuid.UUID `bun:"item_id"`
			AmountFen int64     `bun:"amount_fen"`
		}
		if err := tx.NewRaw(`SELECT a.payment_id, b.item_id, SUM(a.amount_fen) AS amount_fen
			FROM payment_allocations a JOIN bills b ON b.tenant_id = a.tenant_id AND b.id = a.bill_id
			WHERE a.tenant_id = ? AND a.payment_id IN (?) GROUP BY a.payment_id, b.item_id`, t.ID, bun.In(ids)).Scan(ctx, &rows); err != nil {
			return nil, err
		}
		for _, row := range rows {
			if byPayment[row.PaymentID] == nil {
				byPayment[row.PaymentID] = map[uuid.UUID]int64{}
			}
			byPayment[row.PaymentID][row.ItemID] += row.AmountFen
		}
		var us []estate.Unit
		uids := make([]uuid.UUID, 0, len(ids))
		for _, p := range slices.Concat(taken, voided) {
			uids = append(uids, p.UnitID)
		}
		if err := tx.NewSelect().Model(&us).Column("id", "code").Where("tenant_id = ? AND id IN (?)", t.ID, bun.In(uids)).Scan(ctx); err != nil {
			return nil, err
		}
		for _, u := range us {
			units[u.ID] = u.Code
		}
	}
	items, err := itemsOf(ctx, tx, t.ID, estateID, true)
	if err != nil {
		return nil, err
	}

	clerks := map[uuid.UUID]*dayTally{}
	clerkOf := func(id uuid.UUID) *dayTally {
		if clerks[id] == nil {
			clerks[id] = newDayTally()
		}
		return clerks[id]
	}
	all := newDayTally()
	for _, p := range taken {
		all.take(p, byPayment[p.ID])
		clerkOf(p.ClerkID).take(p, byPayment[p.ID])
		r.Payments = append(r.Payments, DayPayment{Payment: p, UnitCode: units[p.UnitID]})
	}
	for _, p := range voided {
		all.void(p, byPayment[p.ID])
		clerkOf(*p.VoidedBy).void(p, byPayment[p.ID])
		r.Voided = append(r.Voided, DayPayment{Payment: p, UnitCode: units[p.UnitID]})
	}
	closed := map[uuid.UUID]*CashierDay{}
	for i := range days {
		closed[days[i].ClerkID] = &days[i]
		if days[i].ClosedAt != nil {
			clerkOf(days[i].ClerkID)
		}
	}
	r.DayTotals = all.totals(items)
	for id, tl := range clerks {
		cd := ClerkDay{ClerkID: id, DayTotals: tl.totals(items)}
		if d := closed[id]; d != nil {
			cd.ClosedAt = d.ClosedAt
		}
		r.Clerks = append(r.Clerks, cd)
	}
	slices.SortFunc(r.Clerks, func(a, b ClerkDay) int { return slices.Compare(a.ClerkID[:], b.ClerkID[:]) })
	if clerk != nil {
		if d := closed[*clerk]; d != nil && d.ClosedAt != nil {
			r.ClosedAt, r.Closed = d.ClosedAt, d.Report.DayTotals
		}
	}
	return r, nil
}

// dayTally adds up a day's payments and voids.
type dayTally struct {
	t       DayTotals
	methods map[Method]*MethodTotal
	items   map[uuid.UUID]*ItemTotal // uuid.Nil: prepayments
}

func newDayTally() *dayTally {
	return &dayTally{methods: map[Method]*MethodTotal{}, items: map[uuid.UUID]*ItemTotal{}}
}

func (d *dayTally) method(m Method) *MethodTotal {
	if d.methods[m] == nil {
		d.methods[m] = &MethodTotal{Method: m}
	}
	return d.methods[m]
}

func (d *dayTally) item(id uuid.UUID) *ItemTotal {
	if d.items[id] == nil {
		d.items[id] = &ItemTotal{}
	}
	return d.items[id]
}

// lateFeesLine keys the late fees among a day's items: no item has the
// all-ones ID (items' IDs are version 7).
var lateFeesLine = uuid.Max

// split is how a payment's money went: to items, late fees, the rest
// prepaid.
func split(p Payment, byItem map[uuid.UUID]int64) map[uuid.UUID]int64 {
	out := map[uuid.UUID]int64{}
	rest := p.AmountFen
	if p.LateFeeFen != 0 {
		out[lateFeesLine] = p.LateFeeFen
		rest -= p.LateFeeFen
	}
	for id, fen := range byItem {
		out[id] += fen
		rest -= fen
	}
	if rest != 0 {
		out[uuid.Nil] += rest
	}
	return out
}

func (d *dayTally) take(p Payment, byItem map[uuid.UUID]int64) {
	d.t.Receipts++
	d.t.TakenFen += p.AmountFen
	m := d.method(p.Method)
	m.Receipts++
	m.TakenFen += p.AmountFen
	for id, fen := range split(p, byItem) {
		d.item(id).TakenFen += fen
	}
}

func (d *dayTally) void(p Payment, byItem map[uuid.UUID]int64) {
	d.t.Voids++
	d.t.VoidedFen += p.AmountFen
	m := d.method(p.Method)
	m.Voids++
	m.VoidedFen += p.AmountFen
	for id, fen := range split(p, byItem) {
		d.item(id).VoidedFen += fen
	}
}

// totals lists the methods in display order and the items in the
// estate's order, then late fees, prepayments last.
func (d *dayTally) totals(items []Item) DayTotals {
	t := d.t
	t.NetFen = t.TakenFen - t.VoidedFen
	t.ByMethod, t.ByItem = []MethodTotal{}, []ItemTotal{}
	for _, m := range Methods {
		if mt := d.methods[m]; mt != nil {
			mt.NetFen = mt.TakenFen - mt.VoidedFen
			t.ByMethod = append(t.ByMethod, *mt)
		}
	}
	order := map[uuid.UUID]int{}
	names := map[uuid.UUID]string{}
	for i, it := range items {
		order[it.ID], names[it.ID] = i, it.Name
	}
	for id, it := range d.items {
		it.NetFen = it.TakenFen - it.VoidedFen
		switch id {
		case uuid.Nil:
		case lateFeesLine:
			it.LateFees = true
		default:
			it.ItemID, it.Item = &id, names[id]
		}
		t.ByItem = append(t.ByItem, *it)
	}
	// Items by the estate's order, then late fees, then prepayments.
	rank := func(it ItemTotal) int {
		switch {
		case it.ItemID != nil:
			return order[*it.ItemID]
		case it.LateFees:
			return len(items)
		}
		return len(items) + 1
	}
	slices.SortFunc(t.ByItem, func(a, b ItemTotal) int { return cmp.Compare(rank(a), rank(b)) })
	return t
}

// holdDay takes the clerk's day at the estate for a payment or void made
// now, and refuses it when the day is closed. The row is held shared
// until the commit (PostgreSQL), so a close waits for payments in flight
// and a payment after a close sees it; payments of one clerk do not wait
// for one another. SQLite has one writer.
func (s *Service) holdDay(ctx context.Context, tx bun.Tx, t *tenant.Tenant, estateID, clerkID uuid.UUID, now time.Time) error {
	day := formatDate(localDay(now, t.Location()))
	read := func() (int, error) {
		var closed []int
		q := `SELECT CASE WHEN closed_at IS NULL THEN 0 ELSE 1 END FROM fee_cashier_days
			WHERE tenant_id = ? AND estate_id = ? AND clerk_id = ? AND day = ?`
		if s.db.Postgres() {
			q += " FOR SHARE"
		}
		err := tx.NewRaw(q, t.ID, estateID, clerkID, day).Scan(ctx, &closed)
		if err != nil || len(closed) == 0 {
			return -1, err
		}
		return closed[0], nil
	}
	closed, err := read()
	if err == nil && closed < 0 {
		if _, err = tx.NewRaw(`INSERT INTO fee_cashier_days (tenant_id, estate_id, clerk_id, day, report, updated_at) VALUES (?, ?, ?, ?, '', ?)
			ON CONFLICT (tenant_id, estate_id, clerk_id, day) DO NOTHING`, t.ID, estateID, clerkID, day, now).Exec(ctx); err == nil {
			closed, err = read()
		}
	}
	if err != nil {
		return err
	}
	if closed == 1 {
		return ErrDayClosed
	}
	return nil
}

// lockDay takes a cashier day's row for a close or reopen, made if
// missing.
func (s *Service) lockDay(ctx context.Context, tx bun.Tx, tenantID, estateID, clerkID uuid.UUID, day string, now time.Time) (*CashierDay, error) {
	if _, err := tx.NewRaw(`INSERT INTO fee_cashier_days (tenant_id, estate_id, clerk_id, day, report, updated_at) VALUES (?, ?, ?, ?, '', ?)
		ON CONFLICT (tenant_id, estate_id, clerk_id, day) DO NOTHING`, tenantID, estateID, clerkID, day, now).Exec(ctx); err != nil {
		return nil, err
	}
	d := &CashierDay{}
	q := tx.NewSelect().Model(d).Where("tenant_id = ? AND estate_id = ? AND clerk_id = ? AND day = ?", tenantID, estateID, clerkID, day)
	if s.db.Postgres() {
		q = q.For("UPDATE")
	}
	return d, q.Scan(ctx)
}

// CloseDay closes the caller's day at an estate (today by default, or an
// earlier day): the totals are taken under the day's lock, after any
// payment in flight, and stored as closed.
func (s *Service) CloseDay(ctx context.Context, t *tenant.Tenant, a Actor, estateID uuid.UUID, day string) (*DayReport, error) {
	d, err := s.dayOf(t, day)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if d.After(localDay(now, t.Location())) {
		return nil, ErrDayInFuture
	}
	var r *DayReport
	err = s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := estate.InScope(ctx, tx, t.ID, a.Scope, estateID); err != nil {
			return err
		}
		row, err := s.lockDay(ctx, tx, t.ID, estateID, a.UserID, formatDate(d), now)
		if err != nil {
			return err
		}
		if row.ClosedAt != nil {
			return ErrDayAlreadyClosed
		}
		if r, err = dayReport(ctx, tx, t, estateID, d, &a.UserID); err != nil {
			return err
		}
		totals := r.DayTotals
		row.ClosedAt, row.Report, row.UpdatedAt = &now, Stored{&totals}, now
		if _, err := tx.NewUpdate().Model(row).Column("closed_at", "report", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		ev := &DayEvent{TenantID: t.ID, ID: uuid.Must(uuid.NewV7()), EstateID: estateID, ClerkID: a.UserID, Day: row.Day,
			Kind: DayClosedEvent, ByID: a.UserID, At: now, Report: Stored{&totals}}
		if _, err := tx.NewInsert().Model(ev).Exec(ctx); err != nil {
			return err
		}
		r.ClosedAt, r.Closed = &now, &totals
		r.Events = append(r.Events, *ev)
		return nil
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	return r, nil
}

// ReopenDay reopens a clerk's closed day with a reason; the close it
// undoes stays in the day's events. Who may reopen is the server's
// business (office heads and managers).
func (s *Service) ReopenDay(ctx context.Context, t *tenant.Tenant, a Actor, estateID, clerkID uuid.UUID, day, reason string) (*DayReport, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		return nil, ErrInvalidReason
	}
	d, err := ParseDate(day)
	if err != nil {
		return nil, err
	}
	var r *DayReport
	err = s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := estate.InScope(ctx, tx, t.ID, a.Scope, estateID); err != nil {
			return err
		}
		now := s.now()
		row, err := s.lockDay(ctx, tx, t.ID, estateID, clerkID, formatDate(d), now)
		if err != nil {
			return err
		}
		if row.ClosedAt == nil {
			return ErrDayNotClosed
		}
		ev := &DayEvent{TenantID: t.ID, ID: uuid.Must(uuid.NewV7()), EstateID: estateID, ClerkID: clerkID, Day: row.Day,
			Kind: DayReopenedEvent, ByID: a.UserID, At: now, Reason: reason, Report: row.Report}
		row.ClosedAt, row.Report, row.UpdatedAt = nil, Stored{}, now
		if _, err := tx.NewUpdate().Model(row).Column("closed_at", "report", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(ev).Exec(ctx); err != nil {
			return err
		}
		r, err = dayReport(ctx, tx, t, estateID, d, &clerkID)
		return err
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	return r, nil
}

// holdVoidDay is holdDay for a void, which counts on the day of whoever
// makes it; Void is given the tenant's ID only, the request carries the
// tenant (its time zone).
func (s *Service) holdVoidDay(ctx context.Context, tx bun.Tx, tenantID, estateID, by uuid.UUID, now time.Time) error {
	t := tenant.FromContext(ctx)
	if t == nil || t.ID != tenantID {
		var err error
		if t, err = tenant.ByID(ctx, tx, tenantID); err != nil {
			return err
		}
	}
	return s.holdDay(ctx, tx, t, estateID, by, now)
}
