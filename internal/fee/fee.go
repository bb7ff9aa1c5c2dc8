// Package fee is fee collection (收费): fee items and their rates, meter
// readings and parking spaces, billing runs that make the bills, counter
// payments with gap-free receipts, prepaid balances, waivers, arrears aging
// and the collection rates. Amounts are integer fen (see money.go); the
// formulas are defined in docs/fees.md.
package fee

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// Kind is how an item's amount is calculated.
type Kind string

const (
	// ByArea: the unit's area × a price per m² per month (物业服务费).
	ByArea Kind = "area"
	// FixedUnit: a price per unit per month.
	FixedUnit Kind = "fixed_unit"
	// FixedParking: a price per parking space of the unit per month (车位管理费).
	FixedParking Kind = "fixed_parking"
	// ByMeter: (this reading − the previous) × a price, optionally in tiers (水费, 电费).
	ByMeter Kind = "meter"
	// OneOff: a single charge (装修管理费, 装修押金), made by ChargeOneOff, not by runs.
	OneOff Kind = "one_off"
)

// Kinds lists the kinds in display order.
var Kinds = []Kind{ByArea, FixedUnit, FixedParking, ByMeter, OneOff}

// Valid reports whether k is known.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Periodic reports whether billing runs bill the kind.
func (k Kind) Periodic() bool { return k != OneOff }

// Item is a fee item (收费项目) of an estate.
type Item struct {
	bun.BaseModel `bun:"table:fee_items"`

	TenantID uuid.UUID `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID       uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	EstateID uuid.UUID `bun:"estate_id,notnull,type:uuid" json:"estate_id"`
	Name     string    `bun:"name,notnull" json:"name"`
	Kind     Kind      `bun:"kind,notnull" json:"kind"`
	Cycle    Cycle     `bun:"cycle,notnull" json:"cycle"`
	// DueDay is the day of the period's first month a bill is due.
	DueDay int `bun:"due_day,notnull" json:"due_day"`
	// VacantPercent is the share of area and per-unit fees a vacant unit
	// pays (空置房): 100 the full fee, 70 a 30% discount, 0 nothing.
	VacantPercent int `bun:"vacant_percent,notnull" json:"vacant_percent"`
	// Refundable marks deposits (押金).
	Refundable bool       `bun:"refundable,notnull" json:"refundable"`
	SortOrder  int        `bun:"sort_order,notnull" json:"sort_order"`
	ArchivedAt *time.Time `bun:"archived_at" json:"archived_at,omitempty"`
	CreatedAt  time.Time  `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt  time.Time  `bun:"updated_at,notnull" json:"updated_at"`
}

// Tier prices the consumption above a threshold: with tiers {Above 2200,
// Price 52500}, the first 22 m³ cost the rate's price and the rest ¥5.25.
// Above is hundredths of the unit of measure, Price hundredths of a fen.
type Tier struct {
	Above int64 `json:"above"`
	Price int64 `json:"price"`
}

// Tiers are stored as JSON text.
type Tiers []Tier

// Value stores tiers as JSON text, no tiers as the empty string.
func (t Tiers) Value() (any, error) {
	if len(t) == 0 {
		return "", nil
	}
	b, err := json.Marshal([]Tier(t))
	return string(b), err
}

// Scan reads tiers stored by Value.
func (t *Tiers) Scan(src any) error {
	*t = nil
	return scanJSON(src, (*[]Tier)(t))
}

// scanJSON reads a JSON column, which the drivers hand over as text or
// bytes; an empty one leaves dst as it is.
func scanJSON(src, dst any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	}
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, dst)
}

// Rate is an item's price from a date on, for one unit kind or all ("").
type Rate struct {
	bun.BaseModel `bun:"table:fee_rates"`

	TenantID uuid.UUID       `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID       uuid.UUID       `bun:"id,pk,type:uuid" json:"id"`
	ItemID   uuid.UUID       `bun:"item_id,notnull,type:uuid" json:"item_id"`
	UnitKind estate.UnitKind `bun:"unit_kind,notnull" json:"unit_kind"`
	// EffectiveFrom is the first day (YYYY-MM-DD) of the rate.
	EffectiveFrom string `bun:"effective_from,notnull" json:"effective_from"`
	// Price is hundredths of a fen per unit of measure (per month for
	// periodic items): ¥2.35/m²/month is 23500.
	Price     int64      `bun:"price_centi,notnull" json:"price"`
	Tiers     Tiers      `bun:"tiers,notnull" json:"tiers,omitempty"`
	CreatedBy *uuid.UUID `bun:"created_by,type:uuid" json:"created_by,omitempty"`
	CreatedAt time.Time  `bun:"created_at,notnull" json:"created_at"`
}

// rateFor picks the rate of an item for a unit kind and a period: the one
// in force on the period's first day, a rate for the kind before one for
// all kinds. rates are one item's, any order.
func rateFor(rates []Rate, kind estate.UnitKind, start time.Time) *Rate {
	day := formatDate(start)
	var best *Rate
	for i := range rates {
		r := &rates[i]
		if r.EffectiveFrom > day || (r.UnitKind != "" && r.UnitKind != kind) {
			continue
		}
		if best == nil || moreSpecific(r, best) {
			best = r
		}
	}
	return best
}

// moreSpecific: a rate for the unit's kind wins over one for all kinds,
// then the later start wins.
func moreSpecific(r, than *Rate) bool {
	if (r.UnitKind != "") != (than.UnitKind != "") {
		return r.UnitKind != ""
	}
	return r.EffectiveFrom > than.EffectiveFrom
}

// ParkingSpace is a parking space (车位) of an estate; the unit it is
// linked to pays its fixed_parking items.
type ParkingSpace struct {
	bun.BaseModel `bun:"table:parking_spaces"`

	TenantID   uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID         uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	EstateID   uuid.UUID  `bun:"estate_id,notnull,type:uuid" json:"estate_id"`
	Code       string     `bun:"code,notnull" json:"code"`
	UnitID     *uuid.UUID `bun:"unit_id,type:uuid" json:"unit_id,omitempty"`
	PersonID   *uuid.UUID `bun:"person_id,type:uuid" json:"person_id,omitempty"`
	ArchivedAt *time.Time `bun:"archived_at" json:"archived_at,omitempty"`
	CreatedAt  time.Time  `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt  time.Time  `bun:"updated_at,notnull" json:"updated_at"`
}

// Reading is a meter reading (抄表) of a unit for a meter item and period,
// in hundredths of the unit of measure.
type Reading struct {
	bun.BaseModel `bun:"table:meter_readings"`

	TenantID uuid.UUID `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID       uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	UnitID   uuid.UUID `bun:"unit_id,notnull,type:uuid" json:"unit_id"`
	ItemID   uuid.UUID `bun:"item_id,notnull,type:uuid" json:"item_id"`
	Period   string    `bun:"period,notnull" json:"period"`
	Value    int64     `bun:"reading_centi,notnull" json:"reading"`
	// Previous is what the consumption counts from: the last reading, or
	// the start of a replaced meter.
	Previous   int64      `bun:"previous_centi,notnull" json:"previous"`
	Replaced   bool       `bun:"replaced,notnull" json:"replaced"`
	ReadOn     string     `bun:"read_on,notnull" json:"read_on"`
	RecordedBy *uuid.UUID `bun:"recorded_by,type:uuid" json:"recorded_by,omitempty"`
	CreatedAt  time.Time  `bun:"created_at,notnull" json:"created_at"`
}

// Consumption is what the reading's period used.
func (r *Reading) Consumption() int64 { return r.Value - r.Previous }

// unitStart is the day from which a unit is charged.
type unitStart struct {
	bun.BaseModel `bun:"table:fee_unit_starts"`

	TenantID    uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	UnitID      uuid.UUID `bun:"unit_id,pk,type:uuid"`
	ChargedFrom string    `bun:"charged_from,notnull"`
	UpdatedAt   time.Time `bun:"updated_at,notnull"`
}
