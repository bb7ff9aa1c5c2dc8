package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// personAdd records a new owner or resident and links them to the unit in
// one step.
func (s *Server) personAdd(c *fiber.Ctx) error {
	unitID, err := pathUUID(c, "unit")
	if err != nil {
		return err
	}
	var in personAddInput
	if err := parse(c, &in); err != nil {
		return err
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	p, err := s.Estates.AddPerson(c.UserContext(), tenantOf(c).ID, scope, unitID,
		estate.PersonInput{Name: in.Name, Phones: splitList(in.Phones), Email: in.Email, Notes: in.Notes},
		estate.LinkInput{Relation: in.Relation, PrimaryContact: in.PrimaryContact, From: in.From})
	if err != nil {
		fail, err := s.refused(c, err, "AddPerson", in)
		if err != nil {
			return err
		}
		return s.showUnit(c, unitID, fail)
	}
	if isAPI(c) {
		return c.Status(fiber.StatusCreated).JSON(p)
	}
	s.flash(c, "person.added", map[string]any{"Name": p.Name})
	return c.Redirect(tenantPath(c, "/units/"+unitID.String()), fiber.StatusSeeOther)
}
