package server

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/rbac"
)

// estateSummary is an estate with the counts its list shows.
type estateSummary struct {
	estate.Estate
	Buildings int `json:"buildings"`
	Units     int `json:"units"`
	Occupied  int `json:"occupied"`
	People    int `json:"people"`
}

// estateList: the estates in the user's scope with their counts; those who
// may archive also see the archived ones, to restore them.
func (s *Server) estateList(c *fiber.Ctx) error { return s.showEstates(c, nil) }

func (s *Server) showEstates(c *fiber.Ctx, fail *formFail) error {
	ctx, t := c.UserContext(), tenantOf(c)
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	visible, err := s.Estates.Visible(ctx, t.ID, scope)
	if err != nil {
		return err
	}
	list := make([]estateSummary, 0, len(visible))
	for _, e := range visible {
		d, err := s.Estates.GetEstate(ctx, t.ID, scope, e.ID)
		if err != nil {
			return err
		}
		list = append(list, estateSummary{Estate: *d.Estate, Buildings: d.Buildings, Units: d.Units, Occupied: d.Occupied, People: d.People})
	}
	archived := []estate.Estate{}
	if scope.All && s.Authz.Can(userOf(c).ID, t.ID, rbac.ObjEstate, rbac.ActArchive) {
		if archived, err = s.archivedEstates(ctx, t.ID); err != nil {
			return err
		}
	}
	if isAPI(c) {
		return c.JSON(fiber.Map{"estates": list, "archived": archived})
	}
	return s.render(c, "estates", "estates.title", withForms(map[string]any{
		"Estates": list, "Archived": archived, "NewEstate": estate.EstateInput{},
	}, fail))
}

func (s *Server) archivedEstates(ctx context.Context, tenantID uuid.UUID) ([]estate.Estate, error) {
	out := []estate.Estate{}
	err := s.DB.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		all, err := estate.List(ctx, tx, tenantID, true)
		for _, e := range all {
			if e.ArchivedAt != nil {
				out = append(out, e)
			}
		}
		return err
	})
	return out, err
}
