package estate

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
)

// Contact is a person to reach about a unit: an owner, or the unit's
// first current occupant when it has no owner on record.
type Contact struct {
	PersonID uuid.UUID `json:"person_id"`
	Name     string    `json:"name"`
	Email    string    `json:"email,omitempty"`
	Phones   []string  `json:"phones"`
	Relation Relation  `json:"relation"`
}

// UnitContacts are the contacts of units in scope, by unit, as of today
// (YYYY-MM-DD): the current owners (primary contact first), or else the
// first current occupant — the person a reminder is addressed to, as the
// letters are. One query for all the units, whatever their number, so
// that a list of arrears does not ask unit by unit.
func UnitContacts(ctx context.Context, db bun.IDB, tenantID uuid.UUID, scope Scope, unitIDs []uuid.UUID, today string) (map[uuid.UUID][]Contact, error) {
	out := make(map[uuid.UUID][]Contact, len(unitIDs))
	if len(unitIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		UnitID   uuid.UUID `bun:"unit_id,type:uuid"`
		Relation Relation  `bun:"relation"`
		PersonID uuid.UUID `bun:"person_id,type:uuid"`
		Name     string    `bun:"name"`
		Email    string    `bun:"email"`
		Phone    *string   `bun:"phone"`
	}
	q := db.NewSelect().TableExpr("unit_persons AS up").
		Join("JOIN units AS u ON u.tenant_id = up.tenant_id AND u.id = up.unit_id").
		Join("JOIN persons AS p ON p.tenant_id = up.tenant_id AND p.id = up.person_id").
		Join("LEFT JOIN person_phones AS ph ON ph.tenant_id = p.tenant_id AND ph.person_id = p.id").
		ColumnExpr("up.unit_id, up.relation, p.id AS person_id, p.name, p.email, ph.phone").
		Where("up.tenant_id = ? AND up.unit_id IN (?)", tenantID, bun.In(unitIDs)).
		Where("(up.to_date = '' OR up.to_date >= ?) AND p.archived_at IS NULL", today).
		OrderExpr("up.unit_id, CASE WHEN up.relation = ? THEN 0 ELSE 1 END, up.primary_contact DESC, up.created_at, p.id, ph.position", OwnerRel)
	if err := scope.where(q, "u.estate_id").Scan(ctx, &rows); err != nil {
		return nil, database.Normalize(err)
	}
	for _, r := range rows {
		cs := out[r.UnitID]
		if n := len(cs); n > 0 && cs[n-1].PersonID == r.PersonID {
			// The person's next phone, or the same person linked twice
			// (owner and resident): the first row named them already.
			if r.Phone != nil && cs[n-1].Relation == r.Relation {
				cs[n-1].Phones = append(cs[n-1].Phones, *r.Phone)
			}
			continue
		}
		if len(cs) > 0 && (cs[0].Relation != OwnerRel || r.Relation != OwnerRel) {
			// Owners only; without one, the first occupant alone.
			continue
		}
		c := Contact{PersonID: r.PersonID, Name: r.Name, Email: r.Email, Phones: []string{}, Relation: r.Relation}
		if r.Phone != nil {
			c.Phones = append(c.Phones, *r.Phone)
		}
		out[r.UnitID] = append(cs, c)
	}
	return out, nil
}

// UnitContacts is the package's UnitContacts in a read transaction.
func (s *Service) UnitContacts(ctx context.Context, tenantID uuid.UUID, scope Scope, unitIDs []uuid.UUID, today string) (map[uuid.UUID][]Contact, error) {
	var out map[uuid.UUID][]Contact
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = UnitContacts(ctx, tx, tenantID, scope, unitIDs, today)
		return err
	})
	return out, err
}
