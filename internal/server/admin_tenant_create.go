package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/tenant"
)

type tenantInput struct {
	Slug         string `json:"slug" form:"slug"`
	Name         string `json:"name" form:"name"`
	Plan         string `json:"plan" form:"plan"`
	TimeZone     string `json:"time_zone" form:"time_zone"`
	ManagerEmail string `json:"manager_email" form:"manager_email"`
	ManagerName  string `json:"manager_name" form:"manager_name"`
}

// adminTenantCreate opens a company's workspace and invites its manager.
func (s *Server) adminTenantCreate(c *fiber.Ctx) error {
	var in tenantInput
	if err := parse(c, &in); err != nil {
		return err
	}
	if in.TimeZone == "" {
		in.TimeZone = s.Config.DefaultTimeZone
	}
	t, err := tenant.New(in.Slug, in.Name, in.Plan, in.TimeZone, tenant.Trialing)
	if err != nil {
		return s.adminCreateFailed(c, err, in)
	}
	link, err := s.Accounts.Onboard(c.UserContext(), t, in.ManagerEmail, in.ManagerName, userOf(c).ID, langOf(c))
	if err != nil {
		return s.adminCreateFailed(c, err, in)
	}
	if isAPI(c) {
		return c.Status(fiber.StatusCreated).JSON(fiber.Map{"tenant": t, "invitation_link": link})
	}
	s.flash(c, "admin.onboarded", map[string]any{"Name": t.Name, "Link": link})
	return c.Redirect("/admin/tenants/"+t.ID.String(), fiber.StatusSeeOther)
}

// adminCreateFailed re-shows the console with the form as typed.
func (s *Server) adminCreateFailed(c *fiber.Ctx, err error, in tenantInput) error {
	status, code := classify(err)
	if isAPI(c) || status >= 500 {
		return err
	}
	ts, lerr := tenant.Search(c.UserContext(), s.DB.Reader(), "", 200)
	if lerr != nil {
		return lerr
	}
	return s.render(c.Status(status), "admin_tenants", "admin.title", map[string]any{
		"Tenants": ts, "Plans": tenant.Plans, "Form": in, "Error": "error." + code,
	})
}
