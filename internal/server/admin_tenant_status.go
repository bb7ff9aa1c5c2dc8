package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/tenant"
)

// adminTenantStatus suspends, reactivates or otherwise sets a tenant's
// status. Data is never touched.
func (s *Server) adminTenantStatus(c *fiber.Ctx) error {
	id, err := pathUUID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Status string `json:"status" form:"status"`
	}
	if err := parse(c, &in); err != nil {
		return err
	}
	st := tenant.Status(in.Status)
	if !st.Valid() {
		return &fieldError{fields: map[string]string{"status": s.Catalog.T(langOf(c), "error.invalid_status", nil)}}
	}
	if err := tenant.SetStatus(c.UserContext(), s.DB.Bun, id, st); err != nil {
		return err
	}
	s.tenants.forget("")
	return s.done(c, "/admin/tenants/"+id.String(), "admin.status_saved", fiber.StatusOK, fiber.Map{"id": id, "status": st})
}
