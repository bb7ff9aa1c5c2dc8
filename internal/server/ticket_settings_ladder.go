package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/ticket"
)

// levelInput is one rung of the escalation ladder as the API sends it.
type levelInput struct {
	Trigger      ticket.Trigger `json:"trigger"`
	AfterMinutes int            `json:"after_minutes"`
	NotifyRole   string         `json:"notify_role"`
	NotifyEmails flexList       `json:"notify_emails"`
}

// ticketLadderSave replaces the escalation ladder, in order: a JSON array
// from the API, the table's rows from a browser. An empty ladder brings
// back the built-in one.
func (s *Server) ticketLadderSave(c *fiber.Ctx) error {
	var ls []ticket.Level
	var rows []levelRow
	if isAPI(c) {
		var in []levelInput
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		for _, l := range in {
			ls = append(ls, ticket.Level{Trigger: l.Trigger, AfterMinutes: l.AfterMinutes, NotifyRole: l.NotifyRole, NotifyEmails: string(l.NotifyEmails)})
		}
	} else {
		cols, n, err := columns(c, "trigger", "after_minutes", "notify_role", "notify_emails")
		if err != nil {
			return err
		}
		gone := removed(c)
		for i := range n {
			row := levelRow{Trigger: cols[0][i], After: cols[1][i], Role: cols[2][i], Emails: cols[3][i]}
			if gone[i] || (row.Trigger == "" && row.Role == "" && row.Emails == "") {
				continue
			}
			rows = append(rows, row)
		}
		for _, r := range rows {
			l := ticket.Level{Trigger: ticket.Trigger(r.Trigger), NotifyRole: r.Role, NotifyEmails: r.Emails}
			if r.After != "" {
				if l.AfterMinutes, err = atoi(r.After, ticket.ErrInvalidLadder); err != nil {
					return s.settingsRefused(c, err, "Ladder", append(rows, levelRow{}))
				}
			}
			ls = append(ls, l)
		}
	}
	if err := s.Tickets.SetLadder(c.UserContext(), tenantOf(c).ID, ls); err != nil {
		return s.settingsRefused(c, err, "Ladder", append(rows, levelRow{}))
	}
	return s.savedSettings(c, "ladder", "queue.settings.saved")
}
