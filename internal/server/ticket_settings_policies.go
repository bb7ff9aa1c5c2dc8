package server

import (
	"strconv"
	"strings"

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
	Clock           ticket.Clock    `json:"clock"`
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
				ResponseMinutes: p.ResponseMinutes, ResolveMinutes: p.ResolveMinutes, Clock: p.Clock})
		}
	} else {
		cols, n, err := columns(c, "type", "category_id", "priority", "clock", "response_hours", "response_mins", "resolve_hours", "resolve_mins")
		if err != nil {
			return err
		}
		gone := removed(c)
		for i := range n {
			row := policyRow{Type: cols[0][i], CategoryID: cols[1][i], Priority: cols[2][i], Clock: cols[3][i],
				ResponseH: cols[4][i], ResponseM: cols[5][i], ResolveH: cols[6][i], ResolveM: cols[7][i]}
			if gone[i] || (row.Priority == "" && row.ResponseH+row.ResponseM+row.ResolveH+row.ResolveM == "") {
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
		p := ticket.Policy{Type: ticket.Type(r.Type), Priority: ticket.Priority(r.Priority), Clock: ticket.Clock(r.Clock)}
		var err error
		if p.CategoryID, err = optionalUUID(r.CategoryID, ticket.ErrInvalidCategory); err != nil {
			return nil, err
		}
		if p.ResponseMinutes, err = minutesOf(r.ResponseH, r.ResponseM); err != nil {
			return nil, err
		}
		if p.ResolveMinutes, err = minutesOf(r.ResolveH, r.ResolveM); err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// minutesOf reads a deadline typed as hours and minutes; a blank field is
// 0, both blank no deadline.
func minutesOf(h, m string) (int, error) {
	hours, minutes := 0, 0
	var err error
	if strings.TrimSpace(h) != "" {
		if hours, err = atoi(h, ticket.ErrInvalidPolicy); err != nil {
			return 0, err
		}
	}
	if strings.TrimSpace(m) != "" {
		if minutes, err = atoi(m, ticket.ErrInvalidPolicy); err != nil {
			return 0, err
		}
	}
	// The policy checks the total; a 60 in the minutes box is a typo.
	if hours < 0 || minutes < 0 || minutes > 59 || hours > 90*24 {
		return 0, ticket.ErrInvalidPolicy
	}
	return hours*60 + minutes, nil
}

// hoursMinutes shows a deadline in the form: blank for none.
func hoursMinutes(minutes int) (string, string) {
	if minutes == 0 {
		return "", ""
	}
	return strconv.Itoa(minutes / 60), strconv.Itoa(minutes % 60)
}
