package server

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// done finishes a state-changing request: the API answers with status and
// body, a browser is redirected with a one-time message.
func (s *Server) done(c *fiber.Ctx, redirect, flashID string, status int, body any) error {
	if isAPI(c) {
		if body == nil {
			return c.SendStatus(status)
		}
		return c.Status(status).JSON(body)
	}
	if flashID != "" {
		s.flash(c, flashID, nil)
	}
	return c.Redirect(redirect, fiber.StatusSeeOther)
}

// localPath accepts a redirect target only if it stays on this site.
func localPath(next string) string {
	next, err := url.QueryUnescape(next)
	if err != nil || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/"
	}
	return next
}

// tenantPath is a path inside the current workspace.
func tenantPath(c *fiber.Ctx, p string) string {
	return "/t/" + tenantOf(c).Slug + p
}

// parse decodes a JSON or form body into dst; a body that does not decode is
// a 400.
func parse(c *fiber.Ctx, dst any) error {
	if err := c.BodyParser(dst); err != nil {
		return errBadRequest
	}
	return nil
}
