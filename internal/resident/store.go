package resident

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// today is the company's local date, as links' to_date holds it.
func today(t *tenant.Tenant, now time.Time) string { return now.In(t.Location()).Format("2006-01-02") }

// linkRow is one current link of one of the resident's persons to a unit.
type linkRow struct {
	UnitID   uuid.UUID       `bun:"unit_id,type:uuid"`
	EstateID uuid.UUID       `bun:"estate_id,type:uuid"`
	Estate   string          `bun:"estate"`
	Code     string          `bun:"code"`
	Relation estate.Relation `bun:"relation"`
}

// currentLinks selects the current links of the people who have phone,
// to units and estates in use.
func currentLinks(db bun.IDB, t *tenant.Tenant, phone string, now time.Time) *bun.SelectQuery {
	return db.NewSelect().TableExpr("person_phones AS ph").
		Join("JOIN persons AS p ON p.tenant_id = ph.tenant_id AND p.id = ph.person_id").
		Join("JOIN unit_persons AS up ON up.tenant_id = ph.tenant_id AND up.person_id = ph.person_id").
		Join("JOIN units AS u ON u.tenant_id = up.tenant_id AND u.id = up.unit_id").
		Join("JOIN estates AS e ON e.tenant_id = u.tenant_id AND e.id = u.estate_id").
		Where("ph.tenant_id = ? AND ph.phone = ?", t.ID, phone).
		Where("p.archived_at IS NULL AND u.archived_at IS NULL AND e.archived_at IS NULL").
		Where("(up.to_date = '' OR up.to_date >= ?)", today(t, now))
}

func isLinked(ctx context.Context, db bun.IDB, t *tenant.Tenant, phone string, now time.Time) (bool, error) {
	return currentLinks(db, t, phone, now).Exists(ctx)
}

// Homes are the units phone is linked to now, each with its household
// (names and relations only).
func (s *Service) Homes(ctx context.Context, t *tenant.Tenant, phone string) ([]Home, error) {
	now := s.now()
	var out []Home
	err := s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		var links []linkRow
		if err := currentLinks(tx, t, phone, now).
			ColumnExpr("DISTINCT u.id AS unit_id, u.estate_id, e.name AS estate, u.code, up.relation").
			OrderExpr("e.name, u.code, up.relation").Scan(ctx, &links); err != nil {
			return err
		}
		if len(links) == 0 {
			return nil
		}
		ids := make([]uuid.UUID, 0, len(links))
		at := map[uuid.UUID]int{}
		for _, l := range links {
			if _, ok := at[l.UnitID]; ok {
				continue // linked twice (owner and resident): the first relation names them
			}
			at[l.UnitID] = len(out)
			ids = append(ids, l.UnitID)
			out = append(out, Home{UnitID: l.UnitID, EstateID: l.EstateID, Estate: l.Estate, Code: l.Code, Relation: l.Relation})
		}
		var members []struct {
			UnitID   uuid.UUID       `bun:"unit_id,type:uuid"`
			Name     string          `bun:"name"`
			Relation estate.Relation `bun:"relation"`
			Mine     bool            `bun:"mine"`
		}
		if err := tx.NewSelect().TableExpr("unit_persons AS up").
			Join("JOIN persons AS p ON p.tenant_id = up.tenant_id AND p.id = up.person_id").
			ColumnExpr("up.unit_id, p.name, up.relation").
			ColumnExpr("EXISTS (SELECT 1 FROM person_phones AS ph WHERE ph.tenant_id = p.tenant_id AND ph.person_id = p.id AND ph.phone = ?) AS mine", phone).
			Where("up.tenant_id = ? AND up.unit_id IN (?)", t.ID, bun.In(ids)).
			Where("(up.to_date = '' OR up.to_date >= ?) AND p.archived_at IS NULL", today(t, now)).
			OrderExpr("up.unit_id, CASE WHEN up.relation = ? THEN 0 ELSE 1 END, up.primary_contact DESC, up.created_at", estate.OwnerRel).
			Scan(ctx, &members); err != nil {
			return err
		}
		for _, m := range members {
			h := &out[at[m.UnitID]]
			h.Household = append(h.Household, Member{Name: m.Name, Relation: m.Relation, You: m.Mine})
		}
		return nil
	})
	return out, err
}

// UnitIDs are the units phone is linked to now: the wall of every
// resident query.
func (s *Service) UnitIDs(ctx context.Context, db bun.IDB, t *tenant.Tenant, phone string) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := currentLinks(db, t, phone, s.now()).ColumnExpr("DISTINCT u.id").Scan(ctx, &ids)
	return ids, err
}
