package server

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/i18n"
)

// localeSet switches the language and remembers it: on the account for a
// signed-in user, in a cookie for everyone.
func (s *Server) localeSet(c *fiber.Ctx) error {
	lang := c.FormValue("lang")
	if !i18n.Supported(lang) {
		return errBadRequest
	}
	if u := userOf(c); u != nil {
		if err := s.Accounts.SetLocale(c.UserContext(), u.ID, lang); err != nil {
			return err
		}
	}
	c.Cookie(&fiber.Cookie{Name: cookieLang, Value: lang, Path: "/", HTTPOnly: true, Secure: s.Config.SecureCookies(),
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Now().AddDate(1, 0, 0)})
	return c.Redirect(localPath(c.FormValue("next", "/")), fiber.StatusSeeOther)
}
