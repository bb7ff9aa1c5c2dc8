package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// occupantView is a person linked to the unit, with dialable phones.
type occupantView struct {
	estate.Occupant
	Phones []phoneView
}

// unitForm is the unit's edit form as typed.
type unitForm struct {
	Kind   estate.UnitKind
	Area   string
	Status estate.UnitStatus
}

// personAddInput is the "add a person" form: who they are and how they
// are linked to the unit. Phones arrive comma-separated from a browser.
type personAddInput struct {
	Name           string          `json:"name" form:"name"`
	Phones         []string        `json:"phones" form:"phones"`
	Email          string          `json:"email" form:"email"`
	Notes          string          `json:"notes" form:"notes"`
	Relation       estate.Relation `json:"relation" form:"relation"`
	PrimaryContact bool            `json:"primary_contact" form:"primary_contact"`
	From           string          `json:"from" form:"from"`
}

// unitShow: where a unit is, what it is, and who lives there — the page a
// clerk has open while an owner is on the phone.
func (s *Server) unitShow(c *fiber.Ctx) error {
	id, err := pathUUID(c, "unit")
	if err != nil {
		return err
	}
	return s.showUnit(c, id, nil)
}

func (s *Server) showUnit(c *fiber.Ctx, id uuid.UUID, fail *formFail) error {
	ctx, t := c.UserContext(), tenantOf(c)
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	d, err := s.Estates.GetUnit(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	if !s.seesPhones(c) {
		for i := range d.Occupants {
			d.Occupants[i].Person = maskedPerson(d.Occupants[i].Person)
		}
	}
	if isAPI(c) {
		if d.Occupants == nil {
			d.Occupants = []estate.Occupant{}
		}
		return c.JSON(d)
	}
	// A link with an end date is history, even on the day it ended.
	var current, past []occupantView
	for _, o := range d.Occupants {
		v := occupantView{Occupant: o, Phones: phoneViews(o.Person.Phones)}
		if o.Link.To == "" {
			current = append(current, v)
		} else {
			past = append(past, v)
		}
	}
	u := d.Unit
	tickets, more, err := s.unitTickets(c, id)
	if err != nil {
		return err
	}
	return s.render(c, "unit", "unit.title", withForms(map[string]any{
		"Detail": d, "Current": current, "Past": past, "FloorLabel": floorLabel(u.Floor),
		"Tickets": tickets, "MoreTickets": more,
		"Kinds": estate.UnitKinds, "Statuses": estate.UnitStatuses, "Relations": estate.Relations,
		"EditUnit":  unitForm{Kind: u.Kind, Area: u.Area.String(), Status: u.Status},
		"AddPerson": personAddInput{Relation: estate.OwnerRel, PrimaryContact: len(current) == 0},
	}, fail))
}

// unitTicketCount is how many of a unit's tickets its page lists; the
// queue filtered by the unit has them all.
const unitTicketCount = 20

// unitTickets is the unit's ticket history, newest first, for those who
// may read tickets.
func (s *Server) unitTickets(c *fiber.Ctx, unitID uuid.UUID) ([]queueRow, bool, error) {
	t := tenantOf(c)
	if !s.Authz.Can(userOf(c).ID, t.ID, rbac.ObjTicket, rbac.ActRead) {
		return nil, false, nil
	}
	a, err := s.ticketActor(c)
	if err != nil {
		return nil, false, err
	}
	page, err := s.Tickets.List(c.UserContext(), t.ID, a, ticket.Filter{UnitID: &unitID, Limit: unitTicketCount})
	if err != nil {
		return nil, false, err
	}
	return s.queueRows(c, page.Rows), page.Next != "", nil
}
