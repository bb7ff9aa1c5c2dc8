package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// intakeChannels are the channels a staff member records; the API and the
// resident portal set their own.
var intakeChannels = []ticket.Channel{ticket.Phone, ticket.WalkIn, ticket.Letter, ticket.Web, ticket.Staff}

// categoryOption is a category of the intake's select, indented under its
// parent.
type categoryOption struct {
	ID    uuid.UUID
	Label string
}

// intakePick is the unit and owner the clerk found, as the form shows
// them above the search box.
type intakePick struct {
	UnitID, PersonID string
	UnitCode, Estate string
	PersonName       string
	Phone            string
}

// Dispatching reports whether the "dispatch now" box is ticked.
func (in ticketCreateInput) Dispatching() bool { return in.Dispatch != nil && *in.Dispatch }

// ticketNew: the intake form, built to be filled in while the owner is
// still on the line. ?unit= and ?person= (from the unit's and the
// person's pages) fill in who is calling.
func (s *Server) ticketNew(c *fiber.Ctx) error {
	on := true
	in := ticketCreateInput{UnitID: c.Query("unit"), PersonID: c.Query("person"), EstateID: c.Query("estate"),
		Channel: string(ticket.Phone), Type: string(ticket.Repair), Priority: string(ticket.Normal),
		ReceivedBy: userOf(c).ID.String(), Dispatch: &on}
	return s.showTicketNew(c, in, nil)
}

func (s *Server) showTicketNew(c *fiber.Ctx, in ticketCreateInput, fail *formFail) error {
	ctx, t := c.UserContext(), tenantOf(c)
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	estates, err := s.Estates.Visible(ctx, t.ID, scope)
	if err != nil {
		return err
	}
	pick := s.intakePick(c, scope, in.UnitID, in.PersonID)
	if pick == nil {
		in.UnitID, in.PersonID = "", ""
	} else {
		in.UnitID, in.PersonID = pick.UnitID, pick.PersonID
		if pick.estateID != uuid.Nil && in.EstateID == "" {
			in.EstateID = pick.estateID.String()
		}
	}
	if in.EstateID == "" && len(estates) == 1 {
		in.EstateID = estates[0].ID.String()
	}
	if in.IdempotencyKey == "" {
		in.IdempotencyKey = uuid.NewString()
	}
	tree, err := s.Tickets.Categories(ctx, t.ID)
	if err != nil {
		return err
	}
	members, err := s.Accounts.Members(ctx, t.ID)
	if err != nil {
		return err
	}
	staff := make([]workerOption, len(members))
	for i, m := range members {
		staff[i] = workerOption{ID: m.UserID, Name: cmpOrEmail(m.Name, m.Email)}
	}
	var p *intakePick
	if pick != nil {
		p = &pick.intakePick
	}
	return s.render(c, "ticket_new", "intake.title", withForms(map[string]any{
		"Form": in, "Pick": p, "Estates": estates, "Categories": categoryOptions(tree), "Types": ticket.Types(),
		"Channels": intakeChannels, "Priorities": ticket.Priorities(), "Staff": staff,
	}, fail))
}

func cmpOrEmail(name, email string) string {
	if name != "" {
		return name
	}
	return email
}

// categoryOptions lists the categories intake may use: not archived, and
// under no archived parent.
func categoryOptions(tree ticket.Tree) []categoryOption {
	var out []categoryOption
	for _, cat := range tree {
		hidden := false
		for _, id := range tree.Ancestry(cat.ID) {
			if c := tree.ByID(id); c != nil && c.ArchivedAt != nil {
				hidden = true
			}
		}
		if !hidden {
			out = append(out, categoryOption{ID: cat.ID, Label: strings.Repeat("\u00a0\u00a0\u00a0", cat.Depth) + cat.Path})
		}
	}
	return out
}

// pickedCaller is an intakePick with the estate it belongs to.
type pickedCaller struct {
	intakePick
	estateID uuid.UUID
}

// intakePick reads the unit and person given by ID, in scope; a person
// without a unit brings their current one. Nil when neither is found.
func (s *Server) intakePick(c *fiber.Ctx, scope estate.Scope, unitRaw, personRaw string) *pickedCaller {
	ctx, t := c.UserContext(), tenantOf(c)
	var out pickedCaller
	if id, err := uuid.Parse(strings.TrimSpace(personRaw)); err == nil {
		if d, err := s.Estates.GetPerson(ctx, t.ID, scope, id); err == nil {
			out.PersonID, out.PersonName = id.String(), d.Person.Name
			if len(d.Person.Phones) > 0 {
				out.Phone = formatPhone(d.Person.Phones[0])
			}
			if strings.TrimSpace(unitRaw) == "" {
				for _, pu := range d.Units {
					if pu.Link.To == "" && scope.Allows(pu.Unit.EstateID) {
						unitRaw = pu.Unit.ID.String()
						break
					}
				}
			}
		}
	}
	if id, err := uuid.Parse(strings.TrimSpace(unitRaw)); err == nil {
		if d, err := s.Estates.GetUnit(ctx, t.ID, scope, id); err == nil {
			out.UnitID, out.UnitCode, out.Estate, out.estateID = id.String(), d.Unit.Code, d.Estate.Name, d.Estate.ID
			// The unit's primary contact is who usually calls.
			if out.PersonID == "" {
				for _, o := range d.Occupants {
					if o.Link.To == "" && o.Link.PrimaryContact && o.Person != nil {
						out.PersonID, out.PersonName = o.Person.ID.String(), o.Person.Name
						if len(o.Person.Phones) > 0 {
							out.Phone = formatPhone(o.Person.Phones[0])
						}
						break
					}
				}
			}
		}
	}
	if out.UnitID == "" && out.PersonID == "" {
		return nil
	}
	return &out
}

// ticketLookup is the intake's search box: units by address, people by
// name or phone (the full number or its last four digits), as a list to
// pick from.
func (s *Server) ticketLookup(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.Query("q"))
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	res, err := s.Estates.Search(c.UserContext(), tenantOf(c).ID, scope, q, searchBoxLimit)
	if err != nil {
		return err
	}
	persons := make([]personHitView, len(res.Persons))
	for i, p := range res.Persons {
		persons[i] = personHitView{PersonHit: p, PhoneText: formatPhone(p.Phone)}
	}
	c.Vary("HX-Request")
	return s.render(c, "ticket_new", "intake.title", map[string]any{
		"Lookup": true, "Q": q, "Units": res.Units, "Persons": persons, "Found": len(res.Units)+len(res.Persons) > 0,
	})
}
