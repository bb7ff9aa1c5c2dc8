package estate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// UnitKind is what a unit is used as.
type UnitKind string

const (
	Home    UnitKind = "home"
	Shop    UnitKind = "shop"
	Office  UnitKind = "office"
	Parking UnitKind = "parking"
)

// UnitKinds lists the kinds in display order.
var UnitKinds = []UnitKind{Home, Shop, Office, Parking}

// Valid reports whether k is known.
func (k UnitKind) Valid() bool { return slices.Contains(UnitKinds, k) }

// UnitStatus is whether anyone lives or works there.
type UnitStatus string

const (
	Vacant     UnitStatus = "vacant"
	Occupied   UnitStatus = "occupied"
	Renovating UnitStatus = "renovating"
)

// UnitStatuses lists the statuses in display order.
var UnitStatuses = []UnitStatus{Vacant, Occupied, Renovating}

// Valid reports whether s is known.
func (s UnitStatus) Valid() bool { return slices.Contains(UnitStatuses, s) }

// Unit is one home, shop, office or parking space (房号).
type Unit struct {
	bun.BaseModel `bun:"table:units"`

	TenantID   uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID         uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	EstateID   uuid.UUID  `bun:"estate_id,notnull,type:uuid" json:"estate_id"`
	BuildingID uuid.UUID  `bun:"building_id,notnull,type:uuid" json:"building_id"`
	Entrance   string     `bun:"entrance,notnull" json:"entrance"`
	Floor      int        `bun:"floor,notnull" json:"floor"`
	Number     string     `bun:"number,notnull" json:"number"`
	Code       string     `bun:"code,notnull" json:"code"`
	Kind       UnitKind   `bun:"kind,notnull" json:"kind"`
	Area       Area       `bun:"area_centi,notnull" json:"area"`
	Status     UnitStatus `bun:"status,notnull" json:"status"`
	ArchivedAt *time.Time `bun:"archived_at" json:"archived_at,omitempty"`
	CreatedAt  time.Time  `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt  time.Time  `bun:"updated_at,notnull" json:"updated_at"`
}

// UnitCode is the address clerks say and type: building-entrance-number,
// or building-number when the building has no entrances (单元).
func UnitCode(building, entrance, number string) string {
	if entrance == "" {
		return building + "-" + number
	}
	return building + "-" + entrance + "-" + number
}

// Area is a floor area in hundredths of a square metre: exact, unlike a float.
type Area int64

// ParseArea reads "89.5", "89.50" or "89" square metres; more than two
// decimals, a negative or an absurd area is an error.
func ParseArea(s string) (Area, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(s), "㎡"), "m²"))
	if s == "" {
		return 0, ErrInvalidArea
	}
	whole, frac, _ := strings.Cut(s, ".")
	// Only digits in either part: ParseInt alone would take "-0" or "+5"
	// and turn -0.5 or 89.+5 into positive areas.
	if len(frac) > 2 || !digitsOnly(whole) || (frac != "" && !digitsOnly(frac)) {
		return 0, ErrInvalidArea
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 1_000_000 {
		return 0, ErrInvalidArea
	}
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt((frac + "0")[:2], 10, 64)
	}
	return Area(w*100 + f), nil
}

// String shows the area with two decimals.
func (a Area) String() string { return fmt.Sprintf("%d.%02d", int64(a)/100, int64(a)%100) }

// MarshalJSON writes the area as a decimal string, so no client rounds it.
func (a Area) MarshalJSON() ([]byte, error) { return []byte(`"` + a.String() + `"`), nil }

// UnmarshalJSON accepts "89.50" or 89.5.
func (a *Area) UnmarshalJSON(b []byte) error {
	v, err := ParseArea(strings.Trim(string(b), `"`))
	*a = v
	return err
}
