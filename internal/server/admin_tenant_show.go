package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/tenant"
)

// adminTenantShow: one tenant's status, members and pending invitations.
func (s *Server) adminTenantShow(c *fiber.Ctx) error {
	id, err := pathUUID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	t, err := tenant.ByID(ctx, s.DB.Reader(), id)
	if err != nil {
		return err
	}
	members, err := s.Accounts.Members(ctx, t.ID)
	if err != nil {
		return err
	}
	invitations, err := s.Accounts.Invitations(ctx, t.ID)
	if err != nil {
		return err
	}
	if isAPI(c) {
		return c.JSON(fiber.Map{"tenant": t, "members": members, "pending_invitations": len(invitations)})
	}
	return s.render(c, "admin_tenant", "admin.tenant.title", map[string]any{
		"T": t, "Members": members, "Invitations": invitations,
		"Statuses": []tenant.Status{tenant.Trialing, tenant.Active, tenant.PastDue, tenant.Suspended, tenant.Canceled},
	})
}
