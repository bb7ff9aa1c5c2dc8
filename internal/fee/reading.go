package fee

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// MaxReading is the largest reading taken, in hundredths: a meter has at
// most eight digits before the point.
const MaxReading = 99_999_999_99

// ParseReading reads a meter reading as typed ("1234.5", at most two
// decimals) into hundredths of the unit of measure.
func ParseReading(s string) (int64, error) {
	v, err := parseDecimal(s, 2)
	if err != nil || v < 0 || v > MaxReading {
		return 0, ErrInvalidReading
	}
	return v, nil
}

// FormatReading shows a reading in hundredths as people write it: 123450
// → "1234.5", 100 → "1".
func FormatReading(v int64) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v/100, 10)
	if f := v % 100; f != 0 {
		s += "." + strings.TrimRight(strconv.FormatInt(100+f, 10)[1:], "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// SheetRow is one unit of a building on the meter-reading sheet (抄表单):
// its last reading before the period and the period's, once taken.
type SheetRow struct {
	UnitID   uuid.UUID `json:"unit_id"`
	Code     string    `json:"code"`
	Entrance string    `json:"entrance"`
	Floor    int       `json:"floor"`
	Number   string    `json:"number"`
	Last     *Reading  `json:"last"`
	Current  *Reading  `json:"current"`
}

// Sheet is a building's units for a meter item and period.
type Sheet struct {
	Item     *Item            `json:"item"`
	Period   string           `json:"period"`
	Building *estate.Building `json:"building"`
	Rows     []SheetRow       `json:"rows"`
}

// ReadingSheet lists a building's active units in order (entrance, floor,
// number) with their last reading of a meter item before a period and
// the period's reading, for a meter reader going from door to door.
func (s *Service) ReadingSheet(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, itemID uuid.UUID, period string, buildingID uuid.UUID) (*Sheet, error) {
	p, err := ParsePeriod(period)
	if err != nil {
		return nil, err
	}
	sh := &Sheet{Period: p.String(), Rows: []SheetRow{}}
	err = s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if sh.Item, err = meterItem(ctx, tx, tenantID, scope, itemID, p); err != nil {
			return err
		}
		if sh.Building, err = estate.BuildingByID(ctx, tx, tenantID, buildingID); err != nil {
			return err
		}
		if sh.Building.EstateID != sh.Item.EstateID {
			return database.ErrNotFound
		}
		var units []estate.Unit
		if err := tx.NewSelect().Model(&units).Where("tenant_id = ? AND building_id = ? AND archived_at IS NULL", tenantID, buildingID).
			OrderExpr("entrance, floor, number").Scan(ctx); err != nil {
			return database.Normalize(err)
		}
		ids := make([]uuid.UUID, len(units))
		for i, u := range units {
			ids[i] = u.ID
		}
		last, err := lastReadings(ctx, tx, tenantID, itemID, p.String(), ids)
		if err != nil {
			return err
		}
		current, err := periodReadings(ctx, tx, tenantID, itemID, p.String(), ids)
		if err != nil {
			return err
		}
		for _, u := range units {
			sh.Rows = append(sh.Rows, SheetRow{UnitID: u.ID, Code: u.Code, Entrance: u.Entrance, Floor: u.Floor, Number: u.Number,
				Last: last[u.ID], Current: current[u.ID]})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sh, nil
}

// meterItem reads a meter item in scope whose cycle is the period's.
func meterItem(ctx context.Context, db bun.IDB, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID, p Period) (*Item, error) {
	it, err := itemInScope(ctx, db, tenantID, scope, id)
	if err != nil {
		return nil, err
	}
	if it.Kind != ByMeter {
		return nil, ErrNotMeterItem
	}
	if p.Cycle != it.Cycle {
		return nil, ErrInvalidPeriod
	}
	return it, nil
}

// lastReadings are the latest readings of a meter item before a period,
// by unit: of the units given, or of all when units is nil.
func lastReadings(ctx context.Context, db bun.IDB, tenantID, itemID uuid.UUID, period string, units []uuid.UUID) (map[uuid.UUID]*Reading, error) {
	out := map[uuid.UUID]*Reading{}
	if units != nil && len(units) == 0 {
		return out, nil
	}
	var rs []Reading
	// bun names the model's table "reading".
	q := db.NewSelect().Model(&rs).Where("reading.tenant_id = ? AND reading.item_id = ? AND reading.period < ?", tenantID, itemID, period).
		Where(`reading.period = (SELECT MAX(r2.period) FROM meter_readings AS r2
			WHERE r2.tenant_id = reading.tenant_id AND r2.unit_id = reading.unit_id AND r2.item_id = reading.item_id AND r2.period < ?)`, period)
	if units != nil {
		q = q.Where("reading.unit_id IN (?)", bun.In(units))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	for i := range rs {
		out[rs[i].UnitID] = &rs[i]
	}
	return out, nil
}

// periodReadings are the readings of a meter item for a period, by unit:
// of the units given, or of all when units is nil.
func periodReadings(ctx context.Context, db bun.IDB, tenantID, itemID uuid.UUID, period string, units []uuid.UUID) (map[uuid.UUID]*Reading, error) {
	out := map[uuid.UUID]*Reading{}
	if units != nil && len(units) == 0 {
		return out, nil
	}
	var rs []Reading
	q := db.NewSelect().Model(&rs).Where("tenant_id = ? AND item_id = ? AND period = ?", tenantID, itemID, period)
	if units != nil {
		q = q.Where("unit_id IN (?)", bun.In(units))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	for i := range rs {
		out[rs[i].UnitID] = &rs[i]
	}
	return out, nil
}

// correctReading replaces the period's reading r with what in says. Only
// the latest reading of a meter can be corrected, and only before it is
// billed: a later reading counted from it, and a bill charged for it.
func correctReading(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, r *Reading, in ReadingInput, by uuid.UUID, readOn string) error {
	n, err := tx.NewSelect().Model((*Reading)(nil)).Where("tenant_id = ? AND unit_id = ? AND item_id = ? AND period > ?", tenantID, r.UnitID, r.ItemID, r.Period).Count(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return ErrReadingNotLatest
	}
	n, err = tx.NewSelect().Model((*Bill)(nil)).Where("tenant_id = ? AND unit_id = ? AND item_id = ? AND period = ?", tenantID, r.UnitID, r.ItemID, r.Period).Count(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return ErrReadingBilled
	}
	last, err := lastReadings(ctx, tx, tenantID, r.ItemID, r.Period, []uuid.UUID{r.UnitID})
	if err != nil {
		return err
	}
	prev, err := previousOf(in, last[r.UnitID])
	if err != nil {
		return err
	}
	r.Value, r.Previous, r.Replaced, r.ReadOn, r.RecordedBy = in.Value, prev, in.Replaced, readOn, &by
	_, err = tx.NewUpdate().Model(r).Column("reading_centi", "previous_centi", "replaced", "read_on", "recorded_by").WherePK().Exec(ctx)
	return err
}

// previousOf is what a reading counts from: the new meter's start when
// it was replaced, else the last reading (or, for a meter's first
// reading, the reading itself). A reading below the last is refused.
func previousOf(in ReadingInput, last *Reading) (int64, error) {
	switch {
	case in.Replaced:
		return in.Start, nil
	case last == nil:
		return in.Value, nil
	case in.Value < last.Value:
		return 0, ErrReadingBelowLast
	}
	return last.Value, nil
}

// ReadingRow is one row of a meter-readings import as the importer read
// it: the unit by building, entrance and number, the meter item by name.
type ReadingRow struct {
	Row                        int
	Building, Entrance, Number string
	Item                       string
	Period                     string
	Value                      int64
	Replaced                   bool
	Start                      int64
}

// Fields of a ReadingRow that a problem can be about.
const (
	FieldUnit    = "unit"
	FieldItem    = "item"
	FieldPeriod  = "period"
	FieldReading = "reading"
	FieldStart   = "start"
)

// ReadingProblem is why a row of an import cannot be recorded.
type ReadingProblem struct {
	Row   int
	Field string
	Err   error
	// FirstRow is the earlier row a duplicate repeats.
	FirstRow int
	// Last is the reading the row is below, or the one recorded already.
	Last int64
}

// ReadingPlan is what a meter-readings import records.
type ReadingPlan struct {
	readings []*Reading
	// New counts the readings to record, Replaced those of them on a new
	// meter, Unchanged the rows recorded already with the same reading.
	New, Replaced, Unchanged int
}

// Work is how many rows writing the plan inserts.
func (p *ReadingPlan) Work() int { return len(p.readings) }

// errDuplicateRow: a row repeats an earlier row's unit, meter and period.
var errDuplicateRow = errors.New("fee: the file has this unit's reading of that meter for the period already")

// PlanReadings checks an import's rows against the estate as db sees it
// and plans the readings to record. Every row is checked the way
// RecordReading checks one reading; rows for several periods of a meter
// count from one another in period order. A row recorded already with the
// same reading is unchanged, so importing a file again records nothing.
func PlanReadings(ctx context.Context, db bun.IDB, t *tenant.Tenant, estateID uuid.UUID, rows []ReadingRow, by uuid.UUID, now time.Time) (*ReadingPlan, []ReadingProblem, error) {
	items, err := itemsOf(ctx, db, t.ID, estateID, true)
	if err != nil {
		return nil, nil, err
	}
	byName := map[string]*Item{}
	for i := range items {
		byName[items[i].Name] = &items[i]
	}
	var units []estate.Unit
	if err := db.NewSelect().Model(&units).Column("id", "code").Where("tenant_id = ? AND estate_id = ? AND archived_at IS NULL", t.ID, estateID).
		Scan(ctx); err != nil {
		return nil, nil, database.Normalize(err)
	}
	unitByCode := make(map[string]uuid.UUID, len(units))
	for _, u := range units {
		unitByCode[u.Code] = u.ID
	}

	type key struct {
		unit, item uuid.UUID
		period     string
	}
	type good struct {
		ReadingRow
		unit uuid.UUID
		item *Item
	}
	var probs []ReadingProblem
	var goods []good
	first := map[key]int{}
	for _, r := range rows {
		ok := true
		bad := func(field string, err error) {
			probs = append(probs, ReadingProblem{Row: r.Row, Field: field, Err: err})
			ok = false
		}
		unit, found := unitByCode[estate.UnitCode(r.Building, r.Entrance, r.Number)]
		if !found {
			bad(FieldUnit, ErrUnknownUnitCode)
		}
		it := byName[strings.TrimSpace(r.Item)]
		p, perr := ParsePeriod(r.Period)
		switch {
		case it == nil:
			bad(FieldItem, ErrUnknownItem)
		case it.Kind != ByMeter:
			bad(FieldItem, ErrNotMeterItem)
		case it.ArchivedAt != nil:
			bad(FieldItem, ErrItemArchived)
		}
		switch {
		case perr != nil:
			bad(FieldPeriod, ErrInvalidPeriod)
		case it != nil && it.Kind == ByMeter && p.Cycle != it.Cycle:
			bad(FieldPeriod, ErrInvalidPeriod)
		default:
			r.Period = p.String()
		}
		if r.Replaced && r.Start > r.Value {
			bad(FieldStart, ErrInvalidReading)
		}
		if !ok {
			continue
		}
		k := key{unit, it.ID, r.Period}
		if f, dup := first[k]; dup {
			probs = append(probs, ReadingProblem{Row: r.Row, Field: FieldUnit, Err: errDuplicateRow, FirstRow: f})
			continue
		}
		first[k] = r.Row
		goods = append(goods, good{ReadingRow: r, unit: unit, item: it})
	}

	// The database's readings around each item and period of the file.
	type itemPeriod struct {
		item   uuid.UUID
		period string
	}
	last := map[itemPeriod]map[uuid.UUID]*Reading{}
	existing := map[itemPeriod]map[uuid.UUID]*Reading{}
	for _, g := range goods {
		ip := itemPeriod{g.item.ID, g.Period}
		if _, done := last[ip]; done {
			continue
		}
		if last[ip], err = lastReadings(ctx, db, t.ID, ip.item, ip.period, nil); err != nil {
			return nil, nil, err
		}
		if existing[ip], err = periodReadings(ctx, db, t.ID, ip.item, ip.period, nil); err != nil {
			return nil, nil, err
		}
	}
	// A meter's rows in period order, so each counts from the one before.
	slices.SortStableFunc(goods, func(a, b good) int {
		if c := strings.Compare(a.unit.String()+a.item.ID.String(), b.unit.String()+b.item.ID.String()); c != 0 {
			return c
		}
		return strings.Compare(a.Period, b.Period)
	})
	plan := &ReadingPlan{}
	readOn := formatDate(localDay(now, t.Location()))
	var prevRow *good
	for i := range goods {
		g := &goods[i]
		ip := itemPeriod{g.item.ID, g.Period}
		lastR := last[ip][g.unit]
		// An earlier row of the file for the same meter comes after the
		// database's last reading before this period when its period is later.
		if prevRow != nil && prevRow.unit == g.unit && prevRow.item.ID == g.item.ID && (lastR == nil || prevRow.Period > lastR.Period) {
			lastR = &Reading{Period: prevRow.Period, Value: prevRow.Value}
		}
		prevRow = g
		in := ReadingInput{Value: g.Value, Replaced: g.Replaced, Start: g.Start}
		if ex := existing[ip][g.unit]; ex != nil {
			if ex.Value == g.Value && ex.Replaced == g.Replaced {
				plan.Unchanged++
				continue
			}
			probs = append(probs, ReadingProblem{Row: g.Row, Field: FieldReading, Err: ErrReadingExists, Last: ex.Value})
			continue
		}
		prev, err := previousOf(in, lastR)
		if err != nil {
			probs = append(probs, ReadingProblem{Row: g.Row, Field: FieldReading, Err: err, Last: lastR.Value})
			continue
		}
		plan.readings = append(plan.readings, &Reading{TenantID: t.ID, ID: uuid.Must(uuid.NewV7()), UnitID: g.unit, ItemID: g.item.ID,
			Period: g.Period, Value: g.Value, Previous: prev, Replaced: g.Replaced, ReadOn: readOn, RecordedBy: nilIfZero(by), CreatedAt: now})
		plan.New++
		if g.Replaced {
			plan.Replaced++
		}
	}
	slices.SortStableFunc(probs, func(a, b ReadingProblem) int { return a.Row - b.Row })
	return plan, probs, nil
}

// IsDuplicateRow reports whether a problem is a row repeating an earlier
// row's unit, meter and period.
func IsDuplicateRow(err error) bool { return errors.Is(err, errDuplicateRow) }

func nilIfZero(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

// readingBatch is how many readings one insert writes.
const readingBatch = 500

// Write records the plan's readings in tx; progress hears how many are
// written.
func (p *ReadingPlan) Write(ctx context.Context, tx bun.Tx, progress func(done int)) error {
	for i := 0; i < len(p.readings); i += readingBatch {
		batch := p.readings[i:min(i+readingBatch, len(p.readings))]
		if _, err := tx.NewInsert().Model(&batch).Exec(ctx); err != nil {
			return conflictAs(err, ErrReadingExists)
		}
		progress(i + len(batch))
	}
	return nil
}
