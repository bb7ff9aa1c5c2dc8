package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// personHitView is a person found, with the phone grouped for reading.
type personHitView struct {
	estate.PersonHit
	PhoneText string
}

// How many hits the top bar's box shows; the page shows more.
const (
	searchBoxLimit  = 8
	searchPageLimit = 50
)

// searchShow finds units (3-2-1502, 3栋1502, 1502) and people (a name's
// beginning, a phone or its last four digits). The top bar's box asks for
// the short list (box=1) as you type; Enter opens the page.
func (s *Server) searchShow(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.Query("q"))
	box := c.Query("box") == "1"
	limit := searchPageLimit
	if box {
		limit = searchBoxLimit
	}
	if isAPI(c) {
		limit = c.QueryInt("limit", 20)
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	res, err := s.Estates.Search(c.UserContext(), tenantOf(c).ID, scope, q, limit)
	if err != nil {
		return err
	}
	if !s.seesPhones(c) {
		for i := range res.Persons {
			res.Persons[i].Phone = ticket.MaskPhone(res.Persons[i].Phone)
		}
	}
	if isAPI(c) {
		return c.JSON(res)
	}
	persons := make([]personHitView, len(res.Persons))
	for i, p := range res.Persons {
		persons[i] = personHitView{PersonHit: p, PhoneText: formatPhone(p.Phone)}
	}
	c.Vary("HX-Request")
	return s.render(c, "search", "search.title", map[string]any{
		"Q": q, "Box": box, "Units": res.Units, "Persons": persons, "Found": len(res.Units)+len(res.Persons) > 0,
	})
}
