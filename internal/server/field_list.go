package server

import (
	"html/template"
	"slices"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// fieldCard is a ticket as a card on a phone.
type fieldCard struct {
	queueRow
	Excerpt string
	Phone   string       // as read out
	Tel     template.URL // tap to call; empty without a dialable number
	// Pool: the card is in the team pool; Claim: it waits there in grab
	// mode (抢单), for the first member to take. New: dispatched to me and
	// not yet accepted, which Accept (接单) does from the card.
	Pool, Claim, New, Accept bool
	// Note is the center's note with the dispatch.
	Note string
	// Workers, for a team leader, are whom the card's ticket can be
	// assigned to; none when it cannot be.
	Workers []workerOption
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
	pool, err := s.teamPool(c, a)
	if err != nil {
		return err
	}
	mineCards, err := s.fieldCards(c, mine.Rows, false)
	if err != nil {
		return err
	}
	poolCards, err := s.fieldCards(c, pool, true)
	if err != nil {
		return err
	}
	// A team leader assigns their teams' pool from the cards, and sees
	// it first: it is their work of the day.
	leads := s.Authz.Can(userOf(c).ID, t.ID, rbac.ObjTicket, rbac.ActAssign)
	if leads {
		if err := s.assignable(c, a, poolCards); err != nil {
			return err
		}
	}
	return s.render(c, "field", "queue.field.title", map[string]any{
		"Mine": mineCards, "Pool": poolCards, "MoreMine": mine.Next != "", "Leads": leads,
	})
}

// assignable gives each pool card of a team the user leads the people it
// can be assigned to.
func (s *Server) assignable(c *fiber.Ctx, a ticket.Actor, cards []fieldCard) error {
	ctx, t, me := c.UserContext(), tenantOf(c), userOf(c).ID
	// Only the estates of the pool's tickets: an office head's or a
	// manager's may be many.
	var estates []uuid.UUID
	for _, card := range cards {
		if !slices.Contains(estates, card.EstateID) {
			estates = append(estates, card.EstateID)
		}
	}
	workers := map[uuid.UUID][]workerOption{}
	for _, id := range estates {
		teams, err := s.teams().List(ctx, t.ID, a.Scope, id)
		if err != nil {
			return err
		}
		for _, tm := range teams {
			if tm.Leader != nil && tm.Leader.UserID == me && tm.ArchivedAt == nil {
				workers[tm.ID] = teamWorkers(tm)
			}
		}
	}
	for i := range cards {
		if id := cards[i].TeamID; id != nil {
			cards[i].Workers = workers[*id]
		}
	}
	return nil
}

// teamPool is the dispatched tickets of the actor's teams that nobody
// holds yet.
func (s *Server) teamPool(c *fiber.Ctx, a ticket.Actor) ([]ticket.Row, error) {
	team, err := s.Tickets.List(c.UserContext(), tenantOf(c).ID, a, ticket.Filter{View: ticket.ViewTeam, Statuses: []ticket.State{ticket.Dispatched},
		Sort: ticket.Oldest, Limit: fieldCards})
	if err != nil {
		return nil, err
	}
	var pool []ticket.Row
	for _, r := range team.Rows {
		if r.AssigneeID == nil {
			pool = append(pool, r)
		}
	}
	return pool, nil
}

// fieldCards dresses rows as cards: the new ones (dispatched, not yet
// accepted) first, then the soonest deadline; a ticket without one (on
// hold) goes last. Each carries the center's note with its dispatch.
func (s *Server) fieldCards(c *fiber.Ctx, rows []ticket.Row, pool bool) ([]fieldCard, error) {
	me := userOf(c).ID
	isNew := func(r ticket.Row) bool {
		return !pool && r.Status == ticket.Dispatched && r.AssigneeID != nil && *r.AssigneeID == me
	}
	slices.SortStableFunc(rows, func(x, y ticket.Row) int {
		switch nx, ny := isNew(x), isNew(y); {
		case nx && !ny:
			return -1
		case ny && !nx:
			return 1
		}
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
	ids := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	notes, err := s.Tickets.DispatchNotes(c.UserContext(), tenantOf(c).ID, ids)
	if err != nil {
		return nil, err
	}
	slug, csrf := tenantOf(c).Slug, s.csrfToken(c)
	out := make([]fieldCard, len(rows))
	for i, r := range s.queueRows(c, rows) {
		card := fieldCard{queueRow: r, Excerpt: excerpt(r.Description, 80), Phone: r.CallerPhone,
			Pool: pool, Claim: pool && r.DispatchMode == ticket.Grab, New: isNew(r.Row), Note: notes[r.ID], Slug: slug, CSRF: csrf}
		card.Accept = card.New
		if p := estate.NormalizePhone(r.CallerPhone); p != "" {
			card.Phone, card.Tel = formatPhone(p), template.URL("tel:"+p)
		}
		out[i] = card
	}
	return out, nil
}

// excerpt cuts text to n characters.
func excerpt(text string, n int) string {
	r := []rune(text)
	if len(r) <= n {
		return text
	}
	return string(r[:n]) + "…"
}
