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
	t, err := tenant.ByID(c.UserContext(), s.DB.Reader(), id)
	if err != nil {
		return err
	}
	return s.adminTenantPage(c, t, nil)
}

// adminTenantPage renders one tenant in the console, with extra data from
// the manifest forms.
func (s *Server) adminTenantPage(c *fiber.Ctx, t *tenant.Tenant, extra map[string]any) error {
	ctx := c.UserContext()
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
	data := map[string]any{"T": t, "Members": members, "Invitations": invitations}
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "admin_tenant", "admin.tenant.title", data)
}
