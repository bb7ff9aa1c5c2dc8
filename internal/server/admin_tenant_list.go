package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/tenant"
)

// adminTenantList lists and searches tenants (platform console), each with
// its subscription; the whole page adds the business view above the list.
func (s *Server) adminTenantList(c *fiber.Ctx) error {
	q := c.Query("q")
	if len(q) > 100 {
		q = q[:100]
	}
	ctx := c.UserContext()
	ts, err := tenant.Search(ctx, s.DB.Reader(), q, 200)
	if err != nil {
		return err
	}
	if isAPI(c) {
		return c.JSON(fiber.Map{"tenants": ts})
	}
	ids := make([]uuid.UUID, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	accounts, err := s.Subscriptions.Accounts(ctx, ids)
	if err != nil {
		return err
	}
	data := map[string]any{"Tenants": ts, "Accounts": accounts, "Query": q, "Plans": tenant.Plans}
	// The search box swaps in only the list.
	if c.Get("HX-Request") != "true" {
		if data["Business"], err = s.Subscriptions.Business(ctx); err != nil {
			return err
		}
	}
	return s.render(c, "admin_tenants", "admin.title", data)
}
