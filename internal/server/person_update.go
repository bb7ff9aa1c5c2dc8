package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// personPatch: fields left out of a JSON body keep their value; "phones"
// replaces all of them.
type personPatch struct {
	Name   *string  `json:"name" form:"name"`
	Phones []string `json:"phones" form:"phones"`
	Email  *string  `json:"email" form:"email"`
	Notes  *string  `json:"notes" form:"notes"`
}

// personUpdate saves a person's name, phones, email and notes.
func (s *Server) personUpdate(c *fiber.Ctx) error {
	id, err := pathUUID(c, "person")
	if err != nil {
		return err
	}
	var p personPatch
	if err := parse(c, &p); err != nil {
		return err
	}
	ctx, t := c.UserContext(), tenantOf(c)
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	cur, err := s.Estates.GetPerson(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	in := estate.PersonInput{Name: cur.Person.Name, Phones: cur.Person.Phones, Email: cur.Person.Email, Notes: cur.Person.Notes}
	if p.Name != nil {
		in.Name = *p.Name
	}
	if p.Phones != nil || !isAPI(c) {
		in.Phones = splitList(p.Phones)
	}
	if p.Email != nil {
		in.Email = *p.Email
	}
	if p.Notes != nil {
		in.Notes = *p.Notes
	}
	typed := personForm{Name: in.Name, Phones: strings.Join(splitList(p.Phones), ", "), Email: in.Email, Notes: in.Notes}
	person, err := s.Estates.UpdatePerson(ctx, t.ID, scope, id, in)
	if err != nil {
		fail, err := s.refused(c, err, "EditPerson", typed)
		if err != nil {
			return err
		}
		return s.showPerson(c, id, fail)
	}
	return s.done(c, tenantPath(c, "/persons/"+id.String()), "person.saved", fiber.StatusOK, person)
}
