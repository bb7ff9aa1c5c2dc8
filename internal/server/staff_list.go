package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/rbac"
)

// staffList: members with roles and estates, pending invitations, and the
// forms to change them.
func (s *Server) staffList(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t := tenantOf(c)
	members, err := s.Accounts.Members(ctx, t.ID)
	if err != nil {
		return err
	}
	invitations, err := s.Accounts.Invitations(ctx, t.ID)
	if err != nil {
		return err
	}
	if isAPI(c) {
		inv := make([]fiber.Map, len(invitations))
		for i, x := range invitations {
			inv[i] = fiber.Map{"id": x.ID, "email": x.Email, "name": x.Name, "roles": x.Roles(), "estate_ids": x.EstateIDs(),
				"created_at": x.CreatedAt, "expires_at": x.ExpiresAt}
		}
		return c.JSON(fiber.Map{"members": members, "invitations": inv})
	}
	estates, err := s.Estates.Visible(ctx, t.ID, estate.Scope{All: true})
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, e := range estates {
		names[e.ID.String()] = e.Name
	}
	roles := make([]string, 0, len(rbac.AllRoles()))
	for _, r := range rbac.AllRoles() {
		roles = append(roles, string(r))
	}
	return s.render(c, "staff", "staff.title", map[string]any{
		"Members": members, "Invitations": invitations, "Estates": estates, "EstateNames": names, "AllRoles": roles,
	})
}
