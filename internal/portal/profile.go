package portal

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
)

// profile lists the resident's signed-in phones, each with its revoke.
func (p *Portal) profile(c *fiber.Ctx) error {
	s := sessionOf(c)
	list, err := p.Residents.Sessions(c.UserContext(), s.TenantID, s.Phone)
	if err != nil {
		return err
	}
	return p.render(c, "profile", "portal.profile.title", map[string]any{"Sessions": list, "Current": s.ID, "Phone": maskPhone(s.Phone)})
}

func (p *Portal) sessionRevoke(c *fiber.Ctx) error {
	s := sessionOf(c)
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return database.ErrNotFound
	}
	if err := p.Residents.Revoke(c.UserContext(), s.TenantID, s.Phone, id); err != nil {
		return err
	}
	if id == s.ID {
		p.dropCookie(c, cookieSession)
		return c.Redirect(base(c)+"login", fiber.StatusSeeOther)
	}
	return c.Redirect(base(c)+"profile", fiber.StatusSeeOther)
}
