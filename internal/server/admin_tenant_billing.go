package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/tenant"
)

// adminTenantBilling is the console's hand on a company's billing: extend
// its trial, change its plan, or make it complimentary (not billed). Each
// change is recorded with the admin who made it.
func (s *Server) adminTenantBilling(c *fiber.Ctx) error {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return errNotFoundRoute
	}
	var in struct {
		Action        string `json:"action" form:"action"`
		Days          int    `json:"days" form:"days"`
		Plan          string `json:"plan" form:"plan"`
		Complimentary bool   `json:"complimentary" form:"complimentary"`
	}
	if err := parse(c, &in); err != nil {
		return err
	}
	ctx, admin := c.UserContext(), userOf(c).ID
	switch in.Action {
	case "extend_trial":
		err = s.Subscriptions.ExtendTrial(ctx, id, admin, in.Days)
	case "plan":
		err = s.Subscriptions.SetPlan(ctx, id, admin, in.Plan)
	case "complimentary":
		err = s.Subscriptions.SetComplimentary(ctx, id, admin, in.Complimentary)
	default:
		return errBadRequest
	}
	if err != nil {
		return err
	}
	if t, err := tenant.ByID(ctx, s.DB.Reader(), id); err == nil {
		s.tenants.forget(t.Slug)
	}
	return s.done(c, "/admin/tenants/"+id.String(), "admin.billing_saved", fiber.StatusOK, fiber.Map{"ok": true})
}
