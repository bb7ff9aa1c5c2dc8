package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// personForm is the person's edit form as typed.
type personForm struct {
	Name   string
	Phones string
	Email  string
	Notes  string
}

// personShow: an owner's or resident's details and units.
func (s *Server) personShow(c *fiber.Ctx) error {
	id, err := pathUUID(c, "person")
	if err != nil {
		return err
	}
	return s.showPerson(c, id, nil)
}

func (s *Server) showPerson(c *fiber.Ctx, id uuid.UUID, fail *formFail) error {
	ctx, t := c.UserContext(), tenantOf(c)
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	d, err := s.Estates.GetPerson(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	if d.Units == nil {
		d.Units = []estate.PersonUnit{}
	}
	if !s.seesPhones(c) {
		d.Person = maskedPerson(d.Person)
	}
	if isAPI(c) {
		return c.JSON(d)
	}
	estates, err := s.Estates.Visible(ctx, t.ID, scope)
	if err != nil {
		return err
	}
	names := map[uuid.UUID]string{}
	for _, e := range estates {
		names[e.ID] = e.Name
	}
	p := d.Person
	return s.render(c, "person", "person.title", withForms(map[string]any{
		"Detail": d, "Phones": phoneViews(p.Phones), "EstateNames": names,
		"EditPerson": personForm{Name: p.Name, Phones: strings.Join(p.Phones, ", "), Email: p.Email, Notes: p.Notes},
	}, fail))
}
