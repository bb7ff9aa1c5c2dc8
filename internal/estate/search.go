package estate

import (
	"context"
	"regexp"
	"strings"
	"unicode"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// UnitHit is a unit found by search.
type UnitHit struct {
	ID       uuid.UUID `bun:"id" json:"id"`
	EstateID uuid.UUID `bun:"estate_id" json:"estate_id"`
	Estate   string    `bun:"estate" json:"estate"`
	Code     string    `bun:"code" json:"code"`
	Status   string    `bun:"status" json:"status"`
	Contact  string    `bun:"contact" json:"contact"`
}

// PersonHit is a person found by search, with one unit they are linked to.
type PersonHit struct {
	ID       uuid.UUID  `bun:"id" json:"id"`
	Name     string     `bun:"name" json:"name"`
	Phone    string     `bun:"phone" json:"phone"`
	UnitID   *uuid.UUID `bun:"unit_id" json:"unit_id,omitempty"`
	UnitCode string     `bun:"unit_code" json:"unit_code,omitempty"`
	Estate   string     `bun:"estate" json:"estate,omitempty"`
}

// Results of one search box query.
type Results struct {
	Units   []UnitHit   `json:"units"`
	Persons []PersonHit `json:"persons"`
}

// unitQuery is a typed address split into building, entrance and number:
// "3-2-1502", "3栋2单元1502", "3栋1502室", "3 2 1502".
type unitQuery struct {
	building, entrance, number string
}

var addressSep = regexp.MustCompile(`\s*(?:栋|幢|号楼|座|单元|-|－|—|/|\s)+\s*`)

func parseAddress(q string) (unitQuery, bool) {
	q = strings.TrimSpace(q)
	q = strings.TrimSuffix(strings.TrimSuffix(q, "室"), "号")
	parts := addressSep.Split(q, -1)
	var tokens []string
	for _, p := range parts {
		if p != "" {
			tokens = append(tokens, p)
		}
	}
	switch len(tokens) {
	case 2:
		return unitQuery{building: tokens[0], number: tokens[1]}, true
	case 3:
		return unitQuery{building: tokens[0], entrance: tokens[1], number: tokens[2]}, true
	}
	return unitQuery{}, false
}

func digitsOnly(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) || r > 127 {
			return false
		}
	}
	return s != ""
}

// Search finds units by address or room number and people by name or
// phone (the full number or its last four digits) — what a clerk types
// while an owner is on the line. Results stay within the scope.
func (s *Service) Search(ctx context.Context, tenantID uuid.UUID, scope Scope, q string, limit int) (*Results, error) {
	q = strings.TrimSpace(q)
	res := &Results{Units: []UnitHit{}, Persons: []PersonHit{}}
	if q == "" || len([]rune(q)) > 50 {
		return res, nil
	}
	if limit <= 0 || limit > 50 {
		limit = 20
	}
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := s.searchUnits(ctx, tx, tenantID, scope, q, limit, res); err != nil {
			return err
		}
		return s.searchPersons(ctx, tx, tenantID, scope, q, limit, res)
	})
	return res, err
}

func unitHits(tx bun.IDB, tenantID uuid.UUID, scope Scope, limit int) *bun.SelectQuery {
	q := tx.NewSelect().TableExpr("units AS u").
		Join("JOIN estates AS e ON e.tenant_id = u.tenant_id AND e.id = u.estate_id").
		ColumnExpr("u.id, u.estate_id, e.name AS estate, u.code, u.status").
		ColumnExpr(`(SELECT p.name FROM unit_persons AS l JOIN persons AS p ON p.tenant_id = l.tenant_id AND p.id = l.person_id
			WHERE l.tenant_id = u.tenant_id AND l.unit_id = u.id AND l.to_date = '' ORDER BY l.primary_contact DESC, l.created_at LIMIT 1) AS contact`).
		Where("u.tenant_id = ? AND u.archived_at IS NULL", tenantID).OrderExpr("e.name, u.code").Limit(int64(limit))
	return scope.where(q, "u.estate_id")
}

func (s *Service) searchUnits(ctx context.Context, tx bun.IDB, tenantID uuid.UUID, scope Scope, q string, limit int, res *Results) error {
	if a, ok := parseAddress(q); ok {
		sel := unitHits(tx, tenantID, scope, limit).
			Join("JOIN buildings AS b ON b.tenant_id = u.tenant_id AND b.id = u.building_id").
			// "7栋101" finds building "7" and building "7栋" alike.
			Where("u.number = ? AND b.name IN (?, ?, ?, ?)", a.number, a.building, a.building+"栋", a.building+"座", a.building+"号楼")
		if a.entrance != "" {
			sel = sel.Where("u.entrance = ?", a.entrance)
		}
		return sel.Scan(ctx, &res.Units)
	}
	// A bare room number ("1502") matches that room in every building.
	if len(q) <= 8 && !strings.ContainsAny(q, " %_") {
		return unitHits(tx, tenantID, scope, limit).Where("u.number = ?", q).Scan(ctx, &res.Units)
	}
	return nil
}

func (s *Service) searchPersons(ctx context.Context, tx bun.IDB, tenantID uuid.UUID, scope Scope, q string, limit int, res *Results) error {
	phone := NormalizePhone(q)
	var sel *bun.SelectQuery
	switch {
	case digitsOnly(q) && len(q) == 4, phone != "":
		// Phone searches start from the phone index: the few people with
		// that number, not every person in name order.
		col, val := "ph.phone", phone
		if digitsOnly(q) && len(q) == 4 {
			col, val = "ph.last4", q
		}
		// CROSS JOIN makes SQLite keep person_phones as the outer loop
		// instead of walking persons in name order for the ORDER BY;
		// PostgreSQL plans it as the plain join it is.
		sel = tx.NewSelect().TableExpr("person_phones AS ph").
			Join("CROSS JOIN persons AS p").
			ColumnExpr("p.id, p.name, ph.phone").
			Where("p.tenant_id = ph.tenant_id AND p.id = ph.person_id").
			Where("ph.tenant_id = ? AND ? = ?", tenantID, bun.Ident(col), val)
	case digitsOnly(q):
		return nil
	default:
		// Names are searched by prefix, which the (tenant_id, name) index serves.
		sel = tx.NewSelect().TableExpr("persons AS p").
			ColumnExpr("p.id, p.name").
			ColumnExpr("(SELECT ph.phone FROM person_phones AS ph WHERE ph.tenant_id = p.tenant_id AND ph.person_id = p.id ORDER BY ph.position LIMIT 1) AS phone").
			Where("p.tenant_id = ? AND p.name >= ? AND p.name < ?", tenantID, q, q+"\U0010FFFF")
	}
	sel = sel.ColumnExpr("l.unit_id, u.code AS unit_code, e.name AS estate").
		Join("LEFT JOIN unit_persons AS l ON l.tenant_id = p.tenant_id AND l.person_id = p.id AND l.to_date = ''").
		Join("LEFT JOIN units AS u ON u.tenant_id = l.tenant_id AND u.id = l.unit_id").
		Join("LEFT JOIN estates AS e ON e.tenant_id = u.tenant_id AND e.id = u.estate_id").
		Where("p.archived_at IS NULL").
		OrderExpr("p.name, u.code").Limit(int64(limit))
	if !scope.All {
		sel = scope.where(sel, "u.estate_id")
	}
	return sel.Scan(ctx, &res.Persons)
}
