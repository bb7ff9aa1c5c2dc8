package kpi

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

type targetRow struct {
	bun.BaseModel `bun:"table:kpi_targets"`
	TenantID      uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	EstateKey     string    `bun:"estate_key,pk"`
	Figure        Figure    `bun:"figure,pk"`
	Value         int64     `bun:"value,notnull"`
	UpdatedBy     uuid.UUID `bun:"updated_by,notnull,type:uuid"`
	UpdatedAt     time.Time `bun:"updated_at,notnull"`
}

// targets are a company's targets ("" key) and its estates' overrides.
type targets map[string]map[Figure]int64

// of is the target of a figure for an estate (nil: the company): the
// estate's override, else the company's, else the default; nil for none.
func (tg targets) of(estateID *uuid.UUID, f Figure) *int64 {
	if estateID != nil {
		if v, ok := tg[estateID.String()][f]; ok {
			return &v
		}
	}
	if v, ok := tg[""][f]; ok {
		return &v
	}
	if v, ok := defaultTargets[f]; ok {
		return &v
	}
	return nil
}

func readTargets(ctx context.Context, tx bun.IDB, tenantID uuid.UUID) (targets, error) {
	var rows []targetRow
	if err := tx.NewSelect().Model(&rows).Where("tenant_id = ?", tenantID).Scan(ctx); err != nil {
		return nil, err
	}
	tg := targets{}
	for _, r := range rows {
		if tg[r.EstateKey] == nil {
			tg[r.EstateKey] = map[Figure]int64{}
		}
		tg[r.EstateKey][r.Figure] = r.Value
	}
	return tg, nil
}

// Target is one figure's target for the company or an estate.
type Target struct {
	Figure Figure `json:"figure"`
	Unit   Unit   `json:"unit"`
	// Value is what applies: the estate's own, else the company's, else
	// the default; nil when there is none.
	Value *int64 `json:"value"`
	// Own is true when the value is set here (not inherited).
	Own bool `json:"own"`
}

// TargetSet is the targets of the company (EstateID nil) or an estate.
type TargetSet struct {
	EstateID *uuid.UUID `json:"estate_id"`
	Name     string     `json:"name"`
	Targets  []Target   `json:"targets"`
}

// Targets lists the company's targets and those of each estate in scope.
func (s *Service) Targets(ctx context.Context, t *tenant.Tenant, scope estate.Scope) ([]TargetSet, error) {
	estates, err := s.estates(ctx, t.ID, scope, nil)
	if err != nil {
		return nil, err
	}
	var tg targets
	if err := s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		tg, err = readTargets(ctx, tx, t.ID)
		return err
	}); err != nil {
		return nil, database.Normalize(err)
	}
	set := func(id *uuid.UUID, name string) TargetSet {
		ts := TargetSet{EstateID: id, Name: name}
		key := ""
		if id != nil {
			key = id.String()
		}
		for _, f := range figures {
			_, own := tg[key][f]
			ts.Targets = append(ts.Targets, Target{Figure: f, Unit: f.Unit(), Value: tg.of(id, f), Own: own})
		}
		return ts
	}
	out := []TargetSet{set(nil, t.Name)}
	for _, e := range estates {
		out = append(out, set(&e.ID, e.Name))
	}
	return out, nil
}

// SetTarget sets a figure's target for the company (estateID nil) or an
// estate in scope; a nil value removes it (the estate then follows the
// company, the company the default).
func (s *Service) SetTarget(ctx context.Context, t *tenant.Tenant, scope estate.Scope, by uuid.UUID, estateID *uuid.UUID, f Figure, value *int64) error {
	if !f.Valid() {
		return ErrInvalidFigure
	}
	if value != nil && (*value < 0 || (f.Unit() == BasisPoints && *value > 10000)) {
		return ErrInvalidTarget
	}
	if estateID == nil && !scope.All {
		// The company's targets are for those who see the whole company.
		return database.ErrNotFound
	}
	return database.Normalize(s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		key := ""
		if estateID != nil {
			if _, err := estate.InScope(ctx, tx, t.ID, scope, *estateID); err != nil {
				return err
			}
			key = estateID.String()
		}
		if value == nil {
			_, err := tx.NewDelete().Model((*targetRow)(nil)).
				Where("tenant_id = ? AND estate_key = ? AND figure = ?", t.ID, key, f).Exec(ctx)
			return err
		}
		row := &targetRow{TenantID: t.ID, EstateKey: key, Figure: f, Value: *value, UpdatedBy: by, UpdatedAt: s.now()}
		_, err := tx.NewInsert().Model(row).On("CONFLICT (tenant_id, estate_key, figure) DO UPDATE").
			Set("value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at").Exec(ctx)
		return err
	}))
}
