package server

import (
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/ticket"
)

// dispatchKinds are the timeline entries that give a ticket its team or
// worker.
var dispatchKinds = []string{string(ticket.Dispatch), string(ticket.Transfer), ticket.KindAssign, ticket.KindClaim}

// ticketPrint: the work order (派工单) of a ticket, an A5 sheet the worker
// takes to the job and the owner signs: where, who to call, the problem,
// how many photos the ticket holds, who dispatched it to whom and when.
func (s *Server) ticketPrint(c *fiber.Ctx) error {
	id, err := pathUUID(c, "ticket")
	if err != nil {
		return err
	}
	a, err := s.ticketActor(c)
	if err != nil {
		return err
	}
	t := tenantOf(c)
	d, err := s.Tickets.Get(c.UserContext(), t.ID, a, id)
	if err != nil {
		return err
	}
	lang, loc, tk := langOf(c), t.Location(), d.Ticket
	// The dispatch is the latest move that sent the ticket to its team or
	// worker.
	var dispatchedAt, dispatcher string
	for _, e := range slices.Backward(d.Timeline) {
		if slices.Contains(dispatchKinds, e.Kind) {
			dispatchedAt, dispatcher = datetimeIn(lang, loc, e.At), e.ActorName
			break
		}
	}
	photos := 0
	for _, a := range d.Attachments {
		if a.IsImage() {
			photos++
		}
	}
	return s.render(c, "ticket_print", "work_order.title", map[string]any{
		"D": d, "T": tk,
		"Phones":       phoneViews(d.Phones),
		"CallerPhone":  callerPhone(tk.CallerPhone),
		"Created":      s.when(lang, loc, &tk.CreatedAt),
		"ResolveDue":   s.when(lang, loc, tk.ResolveDue),
		"DispatchedAt": dispatchedAt,
		"Dispatcher":   dispatcher,
		"Photos":       photos,
		"Files":        len(d.Attachments) - photos,
	})
}
