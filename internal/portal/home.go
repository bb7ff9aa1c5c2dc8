package portal

import (
	"github.com/gofiber/fiber/v2"
)

// home is the resident's start: their homes and households.
func (p *Portal) home(c *fiber.Ctx) error {
	s := sessionOf(c)
	homes, err := p.Residents.Homes(c.UserContext(), tenantOf(c), s.Phone)
	if err != nil {
		return err
	}
	return p.render(c, "home", "portal.home.title", map[string]any{"Homes": homes, "Phone": maskPhone(s.Phone)})
}

// maskPhone shows a number as 138****8000.
func maskPhone(p string) string {
	if len(p) != 11 {
		return p
	}
	return p[:3] + "****" + p[7:]
}
