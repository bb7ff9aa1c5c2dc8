package server

import "github.com/gofiber/fiber/v2"

// logout ends the current session (or the API token used).
func (s *Server) logout(c *fiber.Ctx) error {
	if sess := sessionOf(c); sess != nil {
		if err := s.Accounts.RevokeSession(c.UserContext(), sess.UserID, sess.ID); err != nil {
			return err
		}
	}
	if isAPI(c) {
		return c.SendStatus(fiber.StatusNoContent)
	}
	c.Cookie(&fiber.Cookie{Name: cookieSession, Value: "", Path: "/", HTTPOnly: true, Secure: s.Config.SecureCookies(),
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: -1})
	return c.Redirect("/login", fiber.StatusSeeOther)
}
