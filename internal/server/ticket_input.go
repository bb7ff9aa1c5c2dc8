package server

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// Refusals of ticket input that the service never sees.
var (
	errNoFiles  = errors.New("no file uploaded")
	errNoEstate = errors.New("no estate chosen")
)

// ticketCreateInput is the intake, as a form (multipart, with files) or as
// JSON. IDs arrive as text so that an empty select means "none".
type ticketCreateInput struct {
	EstateID      string `json:"estate_id" form:"estate_id"`
	UnitID        string `json:"unit_id" form:"unit_id"`
	PersonID      string `json:"person_id" form:"person_id"`
	CallerName    string `json:"caller_name" form:"caller_name"`
	CallerPhone   string `json:"caller_phone" form:"caller_phone"`
	Channel       string `json:"channel" form:"channel"`
	Type          string `json:"type" form:"type"`
	CategoryID    string `json:"category_id" form:"category_id"`
	Priority      string `json:"priority" form:"priority"`
	Major         bool   `json:"major" form:"major"`
	Description   string `json:"description" form:"description"`
	PreferredTime string `json:"preferred_time" form:"preferred_time"`
	ReceivedBy    string `json:"received_by" form:"received_by"`
	// Dispatch sends the new ticket by the estate's dispatch rules. An
	// unchecked box sends nothing, so a form means no; the API means yes
	// unless it says false.
	Dispatch *bool `json:"dispatch" form:"dispatch"`
	// IdempotencyKey is the form's own key against double submits; API
	// clients send the Idempotency-Key header instead.
	IdempotencyKey string `json:"-" form:"idempotency_key"`
}

// optionalID reads an optional ID; a malformed one is refused with bad.
func optionalID(s string, bad error) (*uuid.UUID, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return nil, bad
	}
	return &id, nil
}

// intake turns the input into the service's intake.
func (in ticketCreateInput) intake(api bool) (ticket.Intake, bool, error) {
	var out ticket.Intake
	estateID, err := optionalID(in.EstateID, database.ErrNotFound)
	if err != nil {
		return out, false, err
	}
	if estateID == nil {
		return out, false, errNoEstate
	}
	unit, err := optionalID(in.UnitID, database.ErrNotFound)
	if err != nil {
		return out, false, err
	}
	person, err := optionalID(in.PersonID, database.ErrNotFound)
	if err != nil {
		return out, false, err
	}
	category, err := optionalID(in.CategoryID, ticket.ErrInvalidCategory)
	if err != nil {
		return out, false, err
	}
	received, err := optionalID(in.ReceivedBy, ticket.ErrInvalidReceiver)
	if err != nil {
		return out, false, err
	}
	channel := ticket.Channel(in.Channel)
	if channel == "" && api {
		channel = ticket.API
	}
	// A phone typed with spaces or +86 is kept as its digits, so that the
	// queue's phone search finds it; anything else is kept as typed.
	phone := strings.TrimSpace(in.CallerPhone)
	if p := estate.NormalizePhone(phone); p != "" {
		phone = p
	}
	out = ticket.Intake{EstateID: *estateID, UnitID: unit, PersonID: person, CallerName: in.CallerName, CallerPhone: phone,
		Channel: channel, Type: ticket.Type(in.Type), CategoryID: category, Priority: ticket.Priority(in.Priority),
		Major: in.Major, Description: in.Description, PreferredTime: in.PreferredTime, ReceivedBy: received}
	auto := in.Dispatch != nil && *in.Dispatch
	if api && in.Dispatch == nil {
		auto = true
	}
	return out, auto, nil
}

// ticketNoteInput is the optional text of a move: the reason of a hold,
// return, cancel or reopen, the note of a completion.
type ticketNoteInput struct {
	Reason string `json:"reason" form:"reason"`
	Note   string `json:"note" form:"note"`
}

func (in ticketNoteInput) text() string {
	if strings.TrimSpace(in.Reason) != "" {
		return in.Reason
	}
	return in.Note
}

// ticketDispatchInput sends a ticket to a team: dispatch (team optional:
// the rules decide), transfer (team required, with a reason).
type ticketDispatchInput struct {
	TeamID   string `json:"team_id" form:"team_id"`
	WorkerID string `json:"worker_id" form:"worker_id"`
	Mode     string `json:"mode" form:"mode"`
	Reason   string `json:"reason" form:"reason"`
}

func (in ticketDispatchInput) assignment() (ticket.Assignment, error) {
	team, err := optionalID(in.TeamID, ticket.ErrTeamNotInEstate)
	if err != nil {
		return ticket.Assignment{}, err
	}
	worker, err := optionalID(in.WorkerID, ticket.ErrNotTeamMember)
	if err != nil {
		return ticket.Assignment{}, err
	}
	return ticket.Assignment{TeamID: team, WorkerID: worker, Mode: ticket.Mode(in.Mode), Reason: in.Reason}, nil
}

// ticketAssignInput names the worker of a dispatched ticket.
type ticketAssignInput struct {
	WorkerID string `json:"worker_id" form:"worker_id"`
}

// ticketCommentInput is a note on the timeline.
type ticketCommentInput struct {
	Body         string `json:"body" form:"body"`
	OwnerVisible bool   `json:"owner_visible" form:"owner_visible"`
}

// ticketCallbackInput is a call-back's outcome; scores are 1–5 and only
// count when the owner was reached.
type ticketCallbackInput struct {
	Reached  bool   `json:"reached" form:"reached"`
	Overall  int    `json:"overall" form:"overall"`
	Speed    int    `json:"speed" form:"speed"`
	Attitude int    `json:"attitude" form:"attitude"`
	Comment  string `json:"comment" form:"comment"`
}

// parseOptional decodes a body when there is one: the simple moves take
// an empty POST as well as one with a note.
func parseOptional(c *fiber.Ctx, dst any) error {
	if len(c.Body()) == 0 {
		return nil
	}
	return parse(c, dst)
}

// ticketPath is a ticket's page in the current workspace.
func ticketPath(c *fiber.Ctx, id uuid.UUID) string {
	return tenantPath(c, "/tickets/"+id.String())
}
