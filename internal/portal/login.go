package portal

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/resident"
)

// loginForm asks for the mobile number, or with ?phone= for the code.
func (p *Portal) loginForm(c *fiber.Ctx) error {
	if sessionOf(c) != nil {
		return c.Redirect(base(c), fiber.StatusSeeOther)
	}
	phone := resident.MobilePhone(c.Query("phone"))
	if phone != "" {
		return p.render(c, "code", "portal.login.title", map[string]any{"Phone": phone})
	}
	return p.render(c, "login", "portal.login.title", map[string]any{})
}

// loginCode sends a code. A number the company does not know gets the
// same page as one it knows: "if the number is registered, a code is on
// its way".
func (p *Portal) loginCode(c *fiber.Ctx) error {
	input := strings.TrimSpace(c.FormValue("phone"))
	if len(input) > 32 {
		input = ""
	}
	err := p.Residents.RequestCode(c.UserContext(), tenantOf(c), input, client(c), langOf(c))
	switch {
	case errors.Is(err, resident.ErrInvalidPhone):
		c.Status(http.StatusUnprocessableEntity)
		return p.render(c, "login", "portal.login.title", map[string]any{"Error": "portal.login.invalid_phone", "Phone": input})
	case errors.Is(err, resident.ErrThrottled):
		c.Status(http.StatusTooManyRequests)
		return p.render(c, "code", "portal.login.title", map[string]any{"Error": "portal.login.throttled", "Phone": resident.MobilePhone(input)})
	case err != nil:
		return err
	}
	return p.render(c, "code", "portal.login.title", map[string]any{"Sent": true, "Phone": resident.MobilePhone(input)})
}

// login checks the code and opens a 30-day session.
func (p *Portal) login(c *fiber.Ctx) error {
	phone := resident.MobilePhone(c.FormValue("phone"))
	guess := strings.TrimSpace(c.FormValue("code"))
	sess, token, err := p.Residents.SignIn(c.UserContext(), tenantOf(c), phone, guess, client(c))
	if errors.Is(err, resident.ErrCodeInvalid) {
		c.Status(http.StatusUnprocessableEntity)
		return p.render(c, "code", "portal.login.title", map[string]any{"Error": "portal.login.code_invalid", "Phone": phone})
	}
	if err != nil {
		return err
	}
	c.Cookie(p.cookie(c, cookieSession, token, int(sess.ExpiresAt.Sub(sess.CreatedAt).Seconds())))
	return c.Redirect(base(c), fiber.StatusSeeOther)
}

func (p *Portal) logout(c *fiber.Ctx) error {
	if s := sessionOf(c); s != nil {
		if err := p.Residents.Revoke(c.UserContext(), s.TenantID, s.Phone, s.ID); err != nil {
			return err
		}
	}
	p.dropCookie(c, cookieSession)
	return c.Redirect(base(c)+"login", fiber.StatusSeeOther)
}

// langSet switches between Chinese and English.
func (p *Portal) langSet(c *fiber.Ctx) error {
	lang := c.FormValue("lang")
	if lang != "en" {
		lang = "zh-CN"
	}
	c.Cookie(p.cookie(c, cookieLang, lang, 365*24*3600))
	return c.Redirect(base(c), fiber.StatusSeeOther)
}
