package server

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/tenant"
)

// homeEstate is an estate tile line, with its link if the user may open it.
type homeEstate struct {
	Name, Href string
}

// tenantHome is the workspace's start page; later modules add their tiles.
// Everything the page shows is worked out here rather than in the template:
// it is the page every user opens first, so its cost matters most.
func (s *Server) tenantHome(c *fiber.Ctx) error {
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	t, u := tenantOf(c), userOf(c)
	estates, err := s.Estates.Visible(c.UserContext(), t.ID, scope)
	if err != nil {
		return err
	}
	// The content shows the company, the user's roles and permissions
	// (fixed by the role version) and the estates: together they key it.
	var key strings.Builder
	key.WriteString(t.ID.String() + t.Name + string(t.Status) + u.ID.String() + strconv.FormatInt(t.RBACVersion, 10))
	for _, e := range estates {
		key.WriteString(e.ID.String() + e.Name)
	}
	return s.renderKeyed(c, "tenant_home", "home.title", key.String(), func() map[string]any {
		lang := langOf(c)
		base := "/t/" + t.Slug + "/"
		canEstates := s.Authz.Can(u.ID, t.ID, "estate", "read")
		lines := make([]homeEstate, len(estates))
		for i, e := range estates {
			lines[i].Name = e.Name
			if canEstates {
				lines[i].Href = base + "estates/" + e.ID.String()
			}
		}
		roles := s.Authz.Roles(u.ID, t.ID)
		names := make([]string, len(roles))
		for i, r := range roles {
			names[i] = s.Catalog.T(lang, "role."+string(r), nil)
		}
		return map[string]any{
			"Heading":    s.Catalog.T(lang, "home.heading", map[string]any{"Company": t.Name}),
			"Roles":      strings.Join(names, s.Catalog.T(lang, "punct.list_sep", nil)),
			"PastDue":    t.Status == tenant.PastDue,
			"Base":       base,
			"CanEstates": canEstates,
			"CanStaff":   s.Authz.Can(u.ID, t.ID, "staff", "read"),
			"Count":      s.Catalog.Number(lang, int64(len(estates))),
			"Estates":    lines,
		}
	})
}
