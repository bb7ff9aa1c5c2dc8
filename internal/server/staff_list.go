package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

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
	sc, err := s.scope(c)
	if err != nil {
		return err
	}
	// An office head sees the staff of their estates, named with those
	// estates only, and the company-wide staff; not who works elsewhere.
	visible := func(ids []uuid.UUID) ([]uuid.UUID, bool) {
		kept := sc.Within(ids)
		return kept, len(ids) == 0 || len(kept) > 0
	}
	shown := members[:0]
	for _, m := range members {
		var ok bool
		if m.EstateIDs, ok = visible(m.EstateIDs); ok {
			shown = append(shown, m)
		}
	}
	members = shown
	inv := make([]fiber.Map, 0, len(invitations))
	pending := invitations[:0]
	for _, x := range invitations {
		ids, ok := visible(x.EstateIDs())
		if !ok {
			continue
		}
		pending = append(pending, x)
		inv = append(inv, fiber.Map{"id": x.ID, "email": x.Email, "name": x.Name, "roles": x.Roles(), "estate_ids": ids,
			"created_at": x.CreatedAt, "expires_at": x.ExpiresAt})
	}
	invitations = pending
	if isAPI(c) {
		return c.JSON(fiber.Map{"members": members, "invitations": inv})
	}
	estates, err := s.Estates.Visible(ctx, t.ID, sc)
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
