package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// ruleInput is a dispatch rule: estate × category (none: the estate's
// fallback) → team, in a mode.
type ruleInput struct {
	EstateID   string `json:"estate_id" form:"estate_id"`
	CategoryID string `json:"category_id" form:"category_id"`
	TeamID     string `json:"team_id" form:"team_id"`
	Mode       string `json:"mode" form:"mode"`
}

// ticketRuleAdd adds a dispatch rule; one for the same estate and
// category replaces it.
func (s *Server) ticketRuleAdd(c *fiber.Ctx) error {
	var in ruleInput
	if err := parse(c, &in); err != nil {
		return err
	}
	form := ruleForm(in)
	sc, err := s.scope(c)
	if err != nil {
		return err
	}
	r := ticket.Rule{Mode: ticket.Mode(in.Mode)}
	// An estate or team that is not an ID is one that does not exist.
	estateID, err1 := uuid.Parse(in.EstateID)
	teamID, err2 := uuid.Parse(in.TeamID)
	if err1 != nil || err2 != nil {
		return database.ErrNotFound
	}
	r.EstateID, r.TeamID = estateID, teamID
	if r.CategoryID, err = optionalUUID(in.CategoryID, ticket.ErrInvalidCategory); err != nil {
		return s.settingsRefused(c, err, "Rule", form)
	}
	rule, err := s.Tickets.AddRule(c.UserContext(), tenantOf(c).ID, sc, r)
	if err != nil {
		return s.settingsRefused(c, err, "Rule", form)
	}
	if c.FormValue("back") == "estate" {
		// The fallback form of the estate page goes back there.
		return s.done(c, tenantPath(c, "/estates/"+r.EstateID.String()+"#dispatch"), "queue.settings.rule_added", fiber.StatusCreated, rule)
	}
	return s.done(c, settingsPath(c, "rules"), "queue.settings.rule_added", fiber.StatusCreated, rule)
}

// ticketRuleDelete removes a dispatch rule.
func (s *Server) ticketRuleDelete(c *fiber.Ctx) error {
	id, err := pathUUID(c, "rule")
	if err != nil {
		return err
	}
	sc, err := s.scope(c)
	if err != nil {
		return err
	}
	if err := s.Tickets.DeleteRule(c.UserContext(), tenantOf(c).ID, sc, id); err != nil {
		return err
	}
	return s.done(c, settingsPath(c, "rules"), "queue.settings.rule_deleted", fiber.StatusNoContent, nil)
}
