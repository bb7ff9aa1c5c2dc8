package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/ticket"
)

// policyInput is one deadline policy as the API sends it.
type policyInput struct {
	Type            ticket.Type     `json:"type"`
	CategoryID      *uuid.UUID      `json:"category_id"`
	Priority        ticket.Priority `json:"priority"`
	ResponseMinutes int             `json:"response_minutes"`
	ResolveMinutes  int             `json:"resolve_minutes"`
}

// ticketPoliciesSave replaces the deadline table: a JSON array from the
// API, the table's rows from a browser (blank rows and ticked "remove"
// boxes left out). An empty table brings back the defaults.
func (s *Server) ticketPoliciesSave(c *fiber.Ctx) error {
	var ps []ticket.Policy
	var rows []policyRow
	if isAPI(c) {
		var in []policyInput
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		for _, p := range in {
			ps = append(ps, ticket.Policy{Type: p.Type, CategoryID: p.CategoryID, Priority: p.Priority,
				ResponseMinutes: p.ResponseMinutes, ResolveMinutes: p.ResolveMinutes})
		}
	} else {
		cols, n, err := columns(c, "type", "category_id", "priority", "response_minutes", "resolve_minutes")
		if err != nil {
			return err
		}
		gone := removed(c)
		for i := range n {
			row := policyRow{Type: cols[0][i], CategoryID: cols[1][i], Priority: cols[2][i], Response: cols[3][i], Resolve: cols[4][i]}
			if gone[i] || (row.Priority == "" && row.Response == "" && row.Resolve == "") {
				continue
			}
			rows = append(rows, row)
		}
		if ps, err = policiesOf(rows); err != nil {
			return s.settingsRefused(c, err, "Policies", append(rows, policyRow{}))
		}
	}
	if err := s.Tickets.SetPolicies(c.UserContext(), tenantOf(c).ID, ps); err != nil {
		return s.settingsRefused(c, err, "Policies", append(rows, policyRow{}))
	}
	return s.savedSettings(c, "policies", "queue.settings.saved")
}

// policiesOf reads the typed rows.
func policiesOf(rows []policyRow) ([]ticket.Policy, error) {
	ps := make([]ticket.Policy, 0, len(rows))
	for _, r := range rows {
		p := ticket.Policy{Type: ticket.Type(r.Type), Priority: ticket.Priority(r.Priority)}
		var err error
		if p.CategoryID, err = optionalUUID(r.CategoryID, ticket.ErrInvalidCategory); err != nil {
			return nil, err
		}
		if p.ResponseMinutes, err = atoi(r.Response, ticket.ErrInvalidPolicy); err != nil {
			return nil, err
		}
		if p.ResolveMinutes, err = atoi(r.Resolve, ticket.ErrInvalidPolicy); err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, nil
}
