package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/rbac"
)

const localScope = "scope"

// scope is the estates the user may see in the current tenant: all of them
// if any of their roles is company-wide, else those assigned to them.
func (s *Server) scope(c *fiber.Ctx) (estate.Scope, error) {
	if sc, ok := c.Locals(localScope).(estate.Scope); ok {
		return sc, nil
	}
	u, t := userOf(c), tenantOf(c)
	var sc estate.Scope
	for _, r := range s.Authz.Roles(u.ID, t.ID) {
		if !rbac.EstateScoped(r) {
			sc.All = true
		}
	}
	if !sc.All {
		ids, err := s.Accounts.EstateIDs(c.UserContext(), t.ID, u.ID)
		if err != nil {
			return sc, err
		}
		sc.EstateIDs = ids
	}
	c.Locals(localScope, sc)
	return sc, nil
}
