package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// feeCounter is the cashier's start: the existing search (a unit's
// address, an owner's name or phone) with every hit leading to the
// unit's account and its payment form.
func (s *Server) feeCounter(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.Query("q"))
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	data := map[string]any{"Q": q}
	if q != "" {
		res, err := s.Estates.Search(c.UserContext(), tenantOf(c).ID, scope, q, searchPageLimit)
		if err != nil {
			return err
		}
		persons := make([]personHitView, len(res.Persons))
		for i, p := range res.Persons {
			persons[i] = personHitView{PersonHit: p, PhoneText: formatPhone(p.Phone)}
		}
		data["Units"], data["Persons"], data["Found"] = res.Units, persons, len(res.Units)+len(res.Persons) > 0
	}
	return s.render(c, "fee_counter", "fee.page.counter", data)
}
