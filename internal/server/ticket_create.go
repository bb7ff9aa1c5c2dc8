package server

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/ticket"
)

// headerReplayed marks the answer to a retried create: the ticket is the
// one the first request made.
const headerReplayed = "Idempotent-Replayed"

// ticketCreate records a request. A browser posts the intake form (with
// photos) and goes to the new ticket; the API posts JSON and gets 201 with
// the ticket. An Idempotency-Key header (the form carries its own key)
// makes a retry safe: the API answers 200 with the first ticket and
// Idempotent-Replayed: true; the same key with another body is 422.
func (s *Server) ticketCreate(c *fiber.Ctx) error {
	api := isAPI(c)
	var in ticketCreateInput
	if err := parse(c, &in); err != nil {
		return err
	}
	key := in.IdempotencyKey
	if api {
		key = strings.Clone(c.Get("Idempotency-Key"))
	}
	a, err := s.ticketActor(c)
	if err != nil {
		return err
	}
	if !api && in.UnitID != "" && in.PersonID == "" && in.CallerName == "" && in.CallerPhone == "" {
		// A unit picked in the search box and nothing else: the caller is
		// taken to be its primary contact, as the unit's link to intake
		// does, so that the call-back has a phone to ring.
		if p := s.intakePick(c, a.Scope, in.UnitID, ""); p != nil {
			in.PersonID = p.PersonID
		}
	}
	intake, auto, err := in.intake(api)
	var made *ticket.Created
	if err == nil {
		made, err = s.Tickets.Create(c.UserContext(), tenantOf(c), a, intake, key, auto)
	}
	if err != nil {
		if !api && errors.Is(err, ticket.ErrIdempotencyMismatch) {
			// The form was sent before with other content (back, edit,
			// send): a fresh key lets this one through on the next try.
			in.IdempotencyKey = uuid.NewString()
		}
		fail, err := s.refused(c, err, "Intake", in)
		if err != nil {
			return err
		}
		return s.showTicketNew(c, in, fail)
	}
	tk := made.Ticket
	// Asked to dispatch by the rules, but no rule sent it anywhere: the
	// ticket waits for a dispatcher, and whoever saved it must know.
	stuck := auto && tk.TeamID == nil
	if stuck {
		s.forgetUndispatched(c)
	}
	if api {
		c.Location("/api/v1" + ticketPath(c, tk.ID))
		status := fiber.StatusCreated
		if made.Replayed {
			c.Set(headerReplayed, "true")
			status = fiber.StatusOK
		}
		out := dispatchOutcome{Requested: auto, Dispatched: tk.TeamID != nil}
		if stuck {
			out.Warning = s.Catalog.T(langOf(c), "dispatch.not_dispatched", map[string]any{"Number": tk.Number})
		}
		return s.sendCreated(c, status, tk, out)
	}
	// A double-clicked submit lands here as a replay: its photos are
	// already attached.
	if !made.Replayed {
		ups, closeAll, err := uploadsOf(c)
		defer closeAll()
		if err == nil && len(ups) > 0 {
			_, err = s.Tickets.Attach(c.UserContext(), tenantOf(c), a, tk.ID, ups)
		}
		if err != nil {
			// The ticket stands; the clerk learns which files were refused
			// on its page and can add others there.
			_, code := classify(err)
			msg := s.Catalog.T(langOf(c), "ticket.created_files_refused", map[string]any{"Number": tk.Number,
				"Reason": s.Catalog.T(langOf(c), "error."+code, nil)})
			if stuck {
				msg += " " + s.Catalog.T(langOf(c), "dispatch.not_dispatched", map[string]any{"Number": tk.Number})
			}
			s.flashText(c, msg, true)
			return c.Redirect(ticketPath(c, tk.ID), fiber.StatusSeeOther)
		}
	}
	if stuck {
		s.flashText(c, s.Catalog.T(langOf(c), "dispatch.not_dispatched", map[string]any{"Number": tk.Number}), true)
	} else {
		s.flash(c, "ticket.created", map[string]any{"Number": tk.Number})
	}
	return c.Redirect(ticketPath(c, tk.ID), fiber.StatusSeeOther)
}

// dispatchOutcome tells an API client what "dispatch" did to the new
// ticket: Warning is set when it was asked for and nothing was dispatched.
type dispatchOutcome struct {
	Requested  bool   `json:"requested"`
	Dispatched bool   `json:"dispatched"`
	Warning    string `json:"warning,omitempty"`
}

// sendCreated answers a create with the ticket and, beside its fields,
// "dispatch": the ticket's own JSON is extended rather than wrapped, so
// that clients reading the ticket keep working.
func (s *Server) sendCreated(c *fiber.Ctx, status int, tk *ticket.Ticket, out dispatchOutcome) error {
	body, err := json.Marshal(tk)
	if err != nil {
		return err
	}
	extra, err := json.Marshal(out)
	if err != nil {
		return err
	}
	body = append(append(append(body[:len(body)-1], `,"dispatch":`...), extra...), '}')
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(status).Send(body)
}
