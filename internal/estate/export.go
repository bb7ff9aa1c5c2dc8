package estate

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
)

// ExportUnit is one unit of the company's data export.
type ExportUnit struct {
	Estate, Building, Code string
	Floor                  int
	Kind                   UnitKind
	Area                   Area
	Status                 UnitStatus
	Archived               bool
}

// ExportOwner is one person's link to a unit in the data export: owners,
// residents, family and renters, past links included.
type ExportOwner struct {
	Estate, Building, Code string
	PersonID               uuid.UUID
	Name, Email            string
	Relation               Relation
	From, To               string
	Phones                 []string
}

// ExportUnits hands every unit of the company, archived ones included, to
// fn in address order, reading them in one snapshot row by row: the export
// of a company of 100,000 units never holds them all. It reads whatever
// the company's status, since a suspended company may still take its data.
func (s *Service) ExportUnits(ctx context.Context, tenantID uuid.UUID, fn func(*ExportUnit) error) error {
	return s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		rows, err := tx.NewSelect().TableExpr("units AS u").
			ColumnExpr("e.name AS estate, b.name AS building, u.code, u.floor, u.kind, u.area_centi, u.status, u.archived_at IS NOT NULL").
			Join("JOIN estates AS e ON e.tenant_id = u.tenant_id AND e.id = u.estate_id").
			Join("JOIN buildings AS b ON b.tenant_id = u.tenant_id AND b.id = u.building_id").
			Where("u.tenant_id = ?", tenantID).OrderExpr("e.name, b.sort_order, b.name, u.entrance, u.floor, u.number").Rows(ctx)
		if err != nil {
			return database.Normalize(err)
		}
		defer rows.Close()
		for rows.Next() {
			var u ExportUnit
			var area int64
			if err := rows.Scan(&u.Estate, &u.Building, &u.Code, &u.Floor, &u.Kind, &area, &u.Status, &u.Archived); err != nil {
				return err
			}
			u.Area = Area(area)
			if err := fn(&u); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// ExportOwners hands every link of a person to a unit to fn, by address,
// with the person's phones.
func (s *Service) ExportOwners(ctx context.Context, tenantID uuid.UUID, fn func(*ExportOwner) error) error {
	return s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		// Phones first, in one query: a person has one or two.
		var phones []personPhone
		if err := tx.NewSelect().Model(&phones).Where("tenant_id = ?", tenantID).OrderExpr("person_id, position").Scan(ctx); err != nil {
			return database.Normalize(err)
		}
		byPerson := map[uuid.UUID][]string{}
		for _, p := range phones {
			byPerson[p.PersonID] = append(byPerson[p.PersonID], p.Phone)
		}
		rows, err := tx.NewSelect().TableExpr("unit_persons AS l").
			ColumnExpr("e.name AS estate, b.name AS building, u.code, l.person_id, p.name, p.email, l.relation, l.from_date, l.to_date").
			Join("JOIN units AS u ON u.tenant_id = l.tenant_id AND u.id = l.unit_id").
			Join("JOIN estates AS e ON e.tenant_id = u.tenant_id AND e.id = u.estate_id").
			Join("JOIN buildings AS b ON b.tenant_id = u.tenant_id AND b.id = u.building_id").
			Join("JOIN persons AS p ON p.tenant_id = l.tenant_id AND p.id = l.person_id").
			Where("l.tenant_id = ?", tenantID).
			OrderExpr("e.name, b.sort_order, b.name, u.entrance, u.floor, u.number, l.relation, p.name, l.from_date").Rows(ctx)
		if err != nil {
			return database.Normalize(err)
		}
		defer rows.Close()
		for rows.Next() {
			var o ExportOwner
			if err := rows.Scan(&o.Estate, &o.Building, &o.Code, &o.PersonID, &o.Name, &o.Email, &o.Relation, &o.From, &o.To); err != nil {
				return err
			}
			o.Phones = byPerson[o.PersonID]
			if err := fn(&o); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
