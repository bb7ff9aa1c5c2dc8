package server

import (
	"html/template"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// signupSlug checks a workspace address as it is typed: free, taken,
// reserved or malformed. The form shows the answer beside the field.
func (s *Server) signupSlug(c *fiber.Ctx) error {
	slug := strings.ToLower(strings.TrimSpace(c.Query("slug")))
	code := "ok"
	if err := s.Subscriptions.CheckSlug(c.UserContext(), slug); err != nil {
		status, cd := classify(err)
		if status >= 500 {
			return err
		}
		code = cd
	}
	msg := s.Catalog.T(langOf(c), "signup.slug_"+code, map[string]any{"Slug": slug})
	if c.Get("HX-Request") == "true" {
		cls := "ok"
		if code != "ok" {
			cls = "bad"
		}
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.SendString(`<span class="slug-check ` + cls + `" id="slug-check-result">` + template.HTMLEscapeString(msg) + `</span>`)
	}
	return c.JSON(fiber.Map{"slug": slug, "available": code == "ok", "code": code, "message": msg})
}
