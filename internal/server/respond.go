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

// localPath is the one check of every redirect target a request names
// (next=…): it returns next if it is a path on this site, else "/". A
// browser drops tabs and newlines inside a URL and reads a backslash as a
// slash, so "/\t/evil.example" or "/\\evil.example" would leave the site as
// "//evil.example"; next is refused if it, or any decoding of it, is not a
// single "/" followed by neither "/" nor "\\", or holds a control character
// or a backslash anywhere.
func localPath(next string) string {
	p := next
	for range 3 {
		if !sitePath(p) {
			return "/"
		}
		dec, err := url.PathUnescape(p)
		if err != nil || dec == p {
			// A stray "%" (a search for "100%") decodes no further.
			return next
		}
		p = dec
	}
	// Encoded three times over is no link this site makes.
	return "/"
}

// sitePath: a path that starts with one "/" and holds no backslash or
// control character.
func sitePath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return false
	}
	return !strings.ContainsFunc(p, func(r rune) bool { return r == '\\' || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) })
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
