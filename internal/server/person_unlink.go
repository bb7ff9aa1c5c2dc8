package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// personUnlink ends a person's link to a unit today (moved out, sold); the
// link stays in the unit's history.
func (s *Server) personUnlink(c *fiber.Ctx) error {
	id, err := pathUUID(c, "link")
	if err != nil {
		return err
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	t := tenantOf(c)
	if err := s.Estates.EndLink(c.UserContext(), t.ID, scope, id, t.Location()); err != nil {
		return err
	}
	// Back to the page the button was on, if it is in this workspace.
	next := localPath(c.FormValue("next"))
	if !strings.HasPrefix(next, tenantPath(c, "/")) {
		next = tenantPath(c, "/estates")
	}
	return s.done(c, next, "person.unlinked", fiber.StatusNoContent, nil)
}
