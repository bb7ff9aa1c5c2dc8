package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/rbac"
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

// searchShow finds units (3-2-1502, 3栋1502, 1502), people (a name's
// beginning, a phone or its last four digits) and, for those who read
// tickets, tickets by number (GD…). The top bar's box asks for the short
// list (box=1) as you type; Enter opens the page, or the ticket itself
// when the number is whole.
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
	tickets, err := s.ticketsNumbered(c, q, limit)
	if err != nil {
		return err
	}
	if len(tickets) == 1 && strings.EqualFold(tickets[0].Number, q) && !box && c.Get("HX-Request") == "" {
		return c.Redirect(tenantPath(c, "/tickets/"+tickets[0].ID.String()), fiber.StatusSeeOther)
	}
	persons := make([]personHitView, len(res.Persons))
	for i, p := range res.Persons {
		persons[i] = personHitView{PersonHit: p, PhoneText: formatPhone(p.Phone)}
	}
	c.Vary("HX-Request")
	return s.render(c, "search", "search.title", map[string]any{
		"Q": q, "Box": box, "Units": res.Units, "Persons": persons, "Tickets": tickets,
		"Found": len(res.Units)+len(res.Persons)+len(tickets) > 0,
	})
}

// ticketsNumbered finds the tickets whose number begins with q, in the
// caller's view of the tickets; none for a query that is not a number or a
// caller who does not read tickets.
func (s *Server) ticketsNumbered(c *fiber.Ctx, q string, limit int) ([]ticket.Row, error) {
	u, t := userOf(c), tenantOf(c)
	if !ticket.IsNumber(q) || !s.Authz.Can(u.ID, t.ID, rbac.ObjTicket, rbac.ActRead) {
		return nil, nil
	}
	a, err := s.ticketActor(c)
	if err != nil {
		return nil, err
	}
	page, err := s.Tickets.List(c.UserContext(), t.ID, a, ticket.Filter{Query: q, Limit: limit})
	if err != nil {
		return nil, err
	}
	return page.Rows, nil
}
