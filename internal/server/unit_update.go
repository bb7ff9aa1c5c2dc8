package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// unitPatch: fields left out of a JSON body keep their value.
type unitPatch struct {
	Kind   *estate.UnitKind   `json:"kind" form:"kind"`
	Area   *areaText          `json:"area" form:"area"`
	Status *estate.UnitStatus `json:"status" form:"status"`
}

// unitUpdate saves a unit's kind, area and status.
func (s *Server) unitUpdate(c *fiber.Ctx) error {
	id, err := pathUUID(c, "unit")
	if err != nil {
		return err
	}
	var p unitPatch
	if err := parse(c, &p); err != nil {
		return err
	}
	ctx, t := c.UserContext(), tenantOf(c)
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	cur, err := s.Estates.GetUnit(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	in := estate.UnitInput{Kind: cur.Unit.Kind, Area: cur.Unit.Area.String(), Status: cur.Unit.Status}
	if p.Kind != nil {
		in.Kind = *p.Kind
	}
	if p.Area != nil {
		in.Area = string(*p.Area)
	}
	if p.Status != nil {
		in.Status = *p.Status
	}
	u, err := s.Estates.UpdateUnit(ctx, t.ID, scope, id, in)
	if err != nil {
		fail, err := s.refused(c, err, "EditUnit", unitForm{Kind: in.Kind, Area: in.Area, Status: in.Status})
		if err != nil {
			return err
		}
		return s.showUnit(c, id, fail)
	}
	return s.done(c, tenantPath(c, "/units/"+id.String()), "unit.saved", fiber.StatusOK, u)
}
