package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/account"
)

func pendingOf(c *fiber.Ctx) *account.Session {
	s, _ := c.Locals(localPending).(*account.Session)
	return s
}

// twoFactorForm asks a browser that gave the right password for its code.
func (s *Server) twoFactorForm(c *fiber.Ctx) error {
	if pendingOf(c) == nil {
		return c.Redirect("/login?next="+safeNext(c.Query("next", "/")), fiber.StatusSeeOther)
	}
	return s.render(c, "login_two_factor", "two_factor.login.title", map[string]any{"Next": localPath(c.Query("next", "/"))})
}

type twoFactorInput struct {
	Code string `form:"code"`
	Next string `form:"next"`
}

// twoFactorLogin completes the sign-in with an authenticator or recovery
// code. Wrong codes re-show the form and count like wrong passwords.
func (s *Server) twoFactorLogin(c *fiber.Ctx) error {
	sess := pendingOf(c)
	if sess == nil {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	var in twoFactorInput
	if err := parse(c, &in); err != nil {
		return err
	}
	err := s.Accounts.ConfirmSecondFactor(c.UserContext(), sess, in.Code, s.client(c))
	if err != nil {
		data, err := signInRefused(c, err)
		if err != nil {
			return err
		}
		data["Next"] = localPath(in.Next)
		return s.render(c, "login_two_factor", "two_factor.login.title", data)
	}
	return c.Redirect(localPath(in.Next), fiber.StatusSeeOther)
}
