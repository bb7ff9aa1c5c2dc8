package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/account"
)

// invitationAccept creates the account (or links an existing one), signs the
// person in and opens the workspace.
func (s *Server) invitationAccept(c *fiber.Ctx) error {
	ctx := c.UserContext()
	token := c.Params("token")
	u, t, err := s.Accounts.AcceptInvitation(ctx, token, c.FormValue("name"), c.FormValue("password"))
	if err != nil {
		status, code := classify(err)
		if status >= 500 || code == "invitation_invalid" {
			return err
		}
		inv, tt, ierr := s.Accounts.InvitationByToken(ctx, token)
		if ierr != nil {
			return ierr
		}
		_, known := s.Accounts.UserByEmail(ctx, inv.Email)
		return s.render(c.Status(status), "invitation", "invitation.title", map[string]any{
			"Invitation": inv, "Company": tt.Name, "Token": token, "Existing": known == nil, "Error": "error." + code,
		})
	}
	s.tenants.forget(t.Slug)
	sess, secret, err := s.Accounts.OpenSession(ctx, u, account.KindWeb, s.client(c))
	if err != nil {
		return err
	}
	s.setSessionCookie(c, secret, sess)
	return c.Redirect("/t/"+t.Slug+"/", fiber.StatusSeeOther)
}
