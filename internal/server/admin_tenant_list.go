package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/tenant"
)

// adminTenantList lists and searches tenants (platform console).
func (s *Server) adminTenantList(c *fiber.Ctx) error {
	q := c.Query("q")
	if len(q) > 100 {
		q = q[:100]
	}
	ts, err := tenant.Search(c.UserContext(), s.DB.Reader(), q, 200)
	if err != nil {
		return err
	}
	if isAPI(c) {
		return c.JSON(fiber.Map{"tenants": ts})
	}
	return s.render(c, "admin_tenants", "admin.title", map[string]any{"Tenants": ts, "Query": q, "Plans": tenant.Plans})
}
