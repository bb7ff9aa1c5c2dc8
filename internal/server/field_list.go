package server

import (
	"html/template"
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// fieldCard is a ticket as a card on a phone.
type fieldCard struct {
	queueRow
	Excerpt string
	Phone   string       // as read out
	Tel     template.URL // tap to call; empty without a dialable number
	// Pool: the card is in the team pool; Claim: it waits there in grab
	// mode (抢单), for the first member to take.
	Pool, Claim bool
	// Slug and CSRF are for the card's links and claim form.
	Slug, CSRF string
}

// fieldCards bounds each list of the field view: a worker does not have a
// hundred tickets open; the queue page has the rest.
const fieldCards = 100

// fieldList: the team leader's and the worker's phone — their own open
// tickets, most urgent first, and their teams' pool of dispatched tickets
// nobody holds yet.
func (s *Server) fieldList(c *fiber.Ctx) error {
	ctx, t := c.UserContext(), tenantOf(c)
	a, err := s.ticketActor(c)
	if err != nil {
		return err
	}
	mine, err := s.Tickets.List(ctx, t.ID, a, ticket.Filter{View: ticket.ViewMine, Sort: ticket.Oldest, Limit: fieldCards})
	if err != nil {
		return err
	}
	team, err := s.Tickets.List(ctx, t.ID, a, ticket.Filter{View: ticket.ViewTeam, Statuses: []ticket.State{ticket.Dispatched},
		Sort: ticket.Oldest, Limit: fieldCards})
	if err != nil {
		return err
	}
	var pool []ticket.Row
	for _, r := range team.Rows {
		if r.AssigneeID == nil {
			pool = append(pool, r)
		}
	}
	return s.render(c, "field", "queue.field.title", map[string]any{
		"Mine": s.fieldCards(c, mine.Rows, false), "Pool": s.fieldCards(c, pool, true),
		"MoreMine": mine.Next != "",
	})
}

// fieldCards dresses rows as cards, the soonest deadline first; a ticket
// without one (on hold) goes last.
func (s *Server) fieldCards(c *fiber.Ctx, rows []ticket.Row, pool bool) []fieldCard {
	slices.SortStableFunc(rows, func(x, y ticket.Row) int {
		switch {
		case x.ResolveDue == nil && y.ResolveDue == nil:
			return 0
		case x.ResolveDue == nil:
			return 1
		case y.ResolveDue == nil:
			return -1
		}
		return x.ResolveDue.Compare(*y.ResolveDue)
	})
	slug, csrf := tenantOf(c).Slug, s.csrfToken(c)
	out := make([]fieldCard, len(rows))
	for i, r := range s.queueRows(c, rows) {
		card := fieldCard{queueRow: r, Excerpt: excerpt(r.Description, 80), Phone: r.CallerPhone,
			Pool: pool, Claim: pool && r.DispatchMode == ticket.Grab, Slug: slug, CSRF: csrf}
		if p := estate.NormalizePhone(r.CallerPhone); p != "" {
			card.Phone, card.Tel = formatPhone(p), template.URL("tel:"+p)
		}
		out[i] = card
	}
	return out
}

// excerpt cuts text to n characters.
func excerpt(text string, n int) string {
	r := []rune(text)
	if len(r) <= n {
		return text
	}
	return string(r[:n]) + "…"
}
