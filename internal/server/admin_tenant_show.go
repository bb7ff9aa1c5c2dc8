package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

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
	accounts, err := s.Subscriptions.Accounts(ctx, []uuid.UUID{t.ID})
	if err != nil {
		return err
	}
	history, err := s.Subscriptions.History(ctx, t.ID)
	if err != nil {
		return err
	}
	if isAPI(c) {
		changes := make([]fiber.Map, len(history))
		for i, h := range history {
			changes[i] = fiber.Map{"kind": h.Kind, "detail": h.Detail, "actor_id": h.ActorID, "actor_email": h.ActorEmail, "created_at": h.CreatedAt}
		}
		return c.JSON(fiber.Map{"tenant": t, "members": members, "pending_invitations": len(invitations),
			"subscription": accountJSON(accounts[t.ID]), "billing_changes": changes})
	}
	data := map[string]any{"T": t, "Members": members, "Invitations": invitations, "Account": accounts[t.ID],
		"BillingChanges": history, "Plans": tenant.Plans}
	for k, v := range extra {
		data[k] = v
	}
	return s.render(c, "admin_tenant", "admin.tenant.title", data)
}
