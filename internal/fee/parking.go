package fee

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
)

// ParkingRow is a parking space as its list shows it: with the code of
// the unit that pays for it and the name of the person it is let or sold
// to.
type ParkingRow struct {
	ParkingSpace
	UnitCode   string `bun:"unit_code" json:"unit_code,omitempty"`
	PersonName string `bun:"person_name" json:"person_name,omitempty"`
}

// ParkingList lists an estate's parking spaces by code with their unit
// and person; archived ones too if asked, after the others.
func (s *Service) ParkingList(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID uuid.UUID, withArchived bool) ([]ParkingRow, error) {
	out := []ParkingRow{}
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := estate.InScope(ctx, tx, tenantID, scope, estateID); err != nil {
			return err
		}
		q := tx.NewSelect().TableExpr("parking_spaces AS ps").ColumnExpr("ps.*").
			ColumnExpr("COALESCE(u.code, '') AS unit_code").ColumnExpr("COALESCE(p.name, '') AS person_name").
			Join("LEFT JOIN units AS u ON u.tenant_id = ps.tenant_id AND u.id = ps.unit_id").
			Join("LEFT JOIN persons AS p ON p.tenant_id = ps.tenant_id AND p.id = ps.person_id").
			Where("ps.tenant_id = ? AND ps.estate_id = ?", tenantID, estateID).
			OrderExpr("CASE WHEN ps.archived_at IS NULL THEN 0 ELSE 1 END, ps.code")
		if !withArchived {
			q = q.Where("ps.archived_at IS NULL")
		}
		return q.Scan(ctx, &out)
	})
	return out, database.Normalize(err)
}

// Parking reads a parking space of an estate in scope.
func (s *Service) Parking(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID) (*ParkingSpace, error) {
	var ps *ParkingSpace
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		ps, err = parkingInScope(ctx, tx, tenantID, scope, id)
		return err
	})
	return ps, err
}

// SetParkingArchived archives a parking space (it no longer counts for
// its unit's parking items; its bills stay) or brings it back.
func (s *Service) SetParkingArchived(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID, archived bool) (*ParkingSpace, error) {
	var ps *ParkingSpace
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if ps, err = parkingInScope(ctx, tx, tenantID, scope, id); err != nil {
			return err
		}
		now := s.now()
		ps.ArchivedAt, ps.UpdatedAt = nil, now
		if archived {
			ps.ArchivedAt = &now
		}
		_, err = tx.NewUpdate().Model(ps).Column("archived_at", "updated_at").WherePK().Exec(ctx)
		return err
	})
	return ps, err
}

func parkingInScope(ctx context.Context, db bun.IDB, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID) (*ParkingSpace, error) {
	ps := new(ParkingSpace)
	if err := db.NewSelect().Model(ps).Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	if !scope.Allows(ps.EstateID) {
		return nil, database.ErrNotFound
	}
	return ps, nil
}

// resolveParkingLinks turns what a person types — the unit's code
// (1-2-1501) and a phone number — into the unit and person a space is
// linked to, when no IDs were given. An empty field clears the link.
func resolveParkingLinks(ctx context.Context, db bun.IDB, tenantID, estateID uuid.UUID, in *ParkingInput) error {
	if in.UnitID == nil {
		if code := strings.TrimSpace(in.UnitCode); code != "" {
			var ids []uuid.UUID
			err := db.NewSelect().Model((*estate.Unit)(nil)).Column("id").
				Where("tenant_id = ? AND estate_id = ? AND code = ? AND archived_at IS NULL", tenantID, estateID, code).Scan(ctx, &ids)
			if err != nil {
				return database.Normalize(err)
			}
			if len(ids) != 1 {
				return ErrUnknownUnitCode
			}
			in.UnitID = &ids[0]
		}
	}
	if in.PersonID == nil {
		if phone := estate.NormalizePhone(in.PersonPhone); phone != "" {
			var ids []uuid.UUID
			err := db.NewSelect().TableExpr("person_phones AS pp").ColumnExpr("DISTINCT pp.person_id").
				Join("JOIN persons AS p ON p.tenant_id = pp.tenant_id AND p.id = pp.person_id").
				Where("pp.tenant_id = ? AND pp.phone = ? AND p.archived_at IS NULL", tenantID, phone).Scan(ctx, &ids)
			if err != nil {
				return database.Normalize(err)
			}
			switch len(ids) {
			case 0:
				return ErrUnknownPhone
			case 1:
				in.PersonID = &ids[0]
			default:
				return ErrAmbiguousPhone
			}
		} else if strings.TrimSpace(in.PersonPhone) != "" {
			return ErrUnknownPhone
		}
	}
	return nil
}
