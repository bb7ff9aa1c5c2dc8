package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// estatePatch: fields left out of a JSON body keep their value.
type estatePatch struct {
	Name          *string      `json:"name" form:"name"`
	Address       *string      `json:"address" form:"address"`
	OfficePhone   *string      `json:"office_phone" form:"office_phone"`
	BusinessHours estate.Hours `json:"business_hours" form:"-"`
}

// estateUpdate saves an estate's name, address and office phone (and, from
// the API, its weekly hours).
func (s *Server) estateUpdate(c *fiber.Ctx) error {
	id, err := pathUUID(c, "estate")
	if err != nil {
		return err
	}
	var p estatePatch
	if err := parse(c, &p); err != nil {
		return err
	}
	ctx, t := c.UserContext(), tenantOf(c)
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	cur, err := s.Estates.GetEstate(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	// The service replaces the hours too; without them it would reset them
	// to the defaults.
	in := estate.EstateInput{Name: cur.Estate.Name, Address: cur.Estate.Address, OfficePhone: cur.Estate.OfficePhone, BusinessHours: cur.Estate.BusinessHours}
	if p.Name != nil {
		in.Name = *p.Name
	}
	if p.Address != nil {
		in.Address = *p.Address
	}
	if p.OfficePhone != nil {
		in.OfficePhone = *p.OfficePhone
	}
	if p.BusinessHours != nil {
		in.BusinessHours = p.BusinessHours
	}
	e, err := s.Estates.UpdateEstate(ctx, t.ID, scope, id, in)
	if err != nil {
		fail, err := s.refused(c, err, "EditEstate", in)
		if err != nil {
			return err
		}
		return s.showEstate(c, id, fail)
	}
	return s.done(c, tenantPath(c, "/estates/"+id.String()), "estate.saved", fiber.StatusOK, e)
}
