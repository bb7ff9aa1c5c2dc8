package estate

import (
	"context"
	"slices"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
)

// Scope is the set of estates a staff member may see: company-wide roles
// see all, office heads, clerks, team leaders and workers only theirs.
type Scope struct {
	All       bool
	EstateIDs []uuid.UUID
}

// Allows reports whether the scope covers estateID.
func (s Scope) Allows(estateID uuid.UUID) bool {
	return s.All || slices.Contains(s.EstateIDs, estateID)
}

// Service is the use cases of estates.
type Service struct{ db *database.DB }

// NewService wires the estate service.
func NewService(db *database.DB) *Service { return &Service{db: db} }

// Visible lists the active estates in scope, by name.
func (s *Service) Visible(ctx context.Context, tenantID uuid.UUID, scope Scope) ([]Estate, error) {
	var out []Estate
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		all, err := List(ctx, tx, tenantID, false)
		for _, e := range all {
			if scope.Allows(e.ID) {
				out = append(out, e)
			}
		}
		return err
	})
	return out, err
}
