package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/team"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// dispatchCoverage is one estate's dispatch as the settings and the
// estate page show it: its fallback rule (nil when it has none) and the
// categories no rule covers, whose tickets wait for a dispatcher.
type dispatchCoverage struct {
	Estate    estate.Estate
	Fallback  *ruleView
	Uncovered []string
}

// coverageOf tells how the rules (of any estates, dressed as ruleViews)
// cover one estate.
func coverageOf(est estate.Estate, rules []ruleView, tree ticket.Tree) dispatchCoverage {
	cv := dispatchCoverage{Estate: est}
	var own []ticket.Rule
	for i := range rules {
		if r := &rules[i]; r.EstateID == est.ID {
			own = append(own, r.Rule)
			if r.Fallback() {
				cv.Fallback = r
			}
		}
	}
	for _, c := range tree.Uncovered(own) {
		cv.Uncovered = append(cv.Uncovered, c.Path)
	}
	return cv
}

// ruleViewOf dresses a rule with its names and what its team lacks.
func (s *Server) ruleViewOf(lang string, r ticket.Rule, tree ticket.Tree, estateName string) ruleView {
	v := ruleView{Rule: r, Estate: estateName, Lacks: s.staffingText(lang, r.Team)}
	if r.Team != nil {
		v.Team = r.Team.Name
	}
	if r.CategoryID != nil {
		if cat := tree.ByID(*r.CategoryID); cat != nil {
			v.Category = cat.Path
		}
	}
	return v
}

// estateDispatch is the estate page's dispatch card.
type estateDispatch struct {
	EstateID uuid.UUID
	Rules    []ruleView
	Coverage []dispatchCoverage
	// Teams are the estate's active teams, for the fallback form.
	Teams                      []team.Team
	Modes                      []ticket.Mode
	FallbackTeam, FallbackMode string
}

// estateDispatch reads the estate page's dispatch card; nil for those who
// do not see tickets.
func (s *Server) estateDispatch(c *fiber.Ctx, scope estate.Scope, est estate.Estate) (*estateDispatch, error) {
	ctx, t, u := c.UserContext(), tenantOf(c), userOf(c)
	if !s.Authz.Can(u.ID, t.ID, rbac.ObjTicket, rbac.ActRead) {
		return nil, nil
	}
	rules, err := s.Tickets.EstateRules(ctx, t.ID, scope, est.ID)
	if err != nil {
		return nil, err
	}
	tree, err := s.Tickets.Categories(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	teams, err := s.teams().List(ctx, t.ID, scope, est.ID)
	if err != nil {
		return nil, err
	}
	d := &estateDispatch{EstateID: est.ID, Modes: ticket.Modes(), FallbackMode: string(ticket.Direct)}
	for _, tm := range teams {
		if !tm.Archived() {
			d.Teams = append(d.Teams, tm)
		}
	}
	for _, r := range rules {
		d.Rules = append(d.Rules, s.ruleViewOf(langOf(c), r, tree, est.Name))
		if r.Fallback() {
			d.FallbackTeam, d.FallbackMode = r.TeamID.String(), string(r.Mode)
		}
	}
	d.Coverage = []dispatchCoverage{coverageOf(est, d.Rules, tree)}
	return d, nil
}
