package server

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// The ticket settings page: call-backs, deadlines, the escalation ladder,
// categories and dispatch rules. Each form posts to its own endpoint; the
// API takes the same as JSON (whole lists as arrays).

// settingsForm is the call-back form as typed.
type settingsForm struct {
	CallbackTypes        []string
	CallbackMaxAttempts  string
	CallbackRetryMinutes string
	FollowupDays         string
	WarnPercent          string
	CallbackCloses       bool
}

// policyRow is one line of the deadline table as typed: each deadline in
// hours and minutes, both blank for none.
type policyRow struct {
	Type, CategoryID, Priority, Clock string
	ResponseH, ResponseM              string
	ResolveH, ResolveM                string
}

// levelRow is one rung of the ladder as typed.
type levelRow struct {
	Trigger, After, Role, Emails string
}

// ruleForm is the new dispatch rule as typed.
type ruleForm struct {
	EstateID, CategoryID, TeamID, Mode string
}

// categoryForm is the new category as typed.
type categoryForm struct {
	ParentID, Name string
}

// ruleView is a dispatch rule with names.
type ruleView struct {
	ticket.Rule
	Estate, Category, Team string
	// Lacks says what the rule's team is short of, or is empty.
	Lacks string
}

// ruleTeam is a team for the rule form, with its estate.
type ruleTeam struct {
	ID               uuid.UUID
	Name, EstateName string
}

// blankRows are the empty lines under a table, to add to it.
const blankRows = 2

// ticketSettings: the tenant's ticket configuration; the API answers it
// as the service reads it, defaults filled in.
func (s *Server) ticketSettings(c *fiber.Ctx) error { return s.showTicketSettings(c, nil) }

func (s *Server) showTicketSettings(c *fiber.Ctx, fail *formFail) error {
	ctx, t := c.UserContext(), tenantOf(c)
	cfg, err := s.Tickets.Config(ctx, t.ID)
	if err != nil {
		return err
	}
	if isAPI(c) {
		return c.JSON(cfg)
	}
	sc, err := s.scope(c)
	if err != nil {
		return err
	}
	estates, err := s.Estates.Visible(ctx, t.ID, sc)
	if err != nil {
		return err
	}
	estateNames := map[uuid.UUID]string{}
	var teams []ruleTeam
	for _, e := range estates {
		estateNames[e.ID] = e.Name
		ts, err := s.teams().List(ctx, t.ID, sc, e.ID)
		if err != nil {
			return err
		}
		for _, tm := range ts {
			if !tm.Archived() {
				teams = append(teams, ruleTeam{ID: tm.ID, Name: tm.Name, EstateName: e.Name})
			}
		}
	}
	rules := make([]ruleView, 0, len(cfg.Rules))
	for _, r := range cfg.Rules {
		rules = append(rules, s.ruleViewOf(langOf(c), r, cfg.Categories, estateNames[r.EstateID]))
	}
	coverage := make([]dispatchCoverage, 0, len(estates))
	for _, e := range estates {
		coverage = append(coverage, coverageOf(e, rules, cfg.Categories))
	}
	st := cfg.Settings
	policies := make([]policyRow, 0, len(cfg.Policies)+blankRows)
	for _, p := range cfg.Policies {
		row := policyRow{Type: string(p.Type), Priority: string(p.Priority), Clock: string(p.Clock)}
		row.ResponseH, row.ResponseM = hoursMinutes(p.ResponseMinutes)
		row.ResolveH, row.ResolveM = hoursMinutes(p.ResolveMinutes)
		if p.CategoryID != nil {
			row.CategoryID = p.CategoryID.String()
		}
		policies = append(policies, row)
	}
	ladder := make([]levelRow, 0, len(cfg.Ladder)+blankRows)
	for _, l := range cfg.Ladder {
		ladder = append(ladder, levelRow{Trigger: string(l.Trigger), After: strconv.Itoa(l.AfterMinutes), Role: l.NotifyRole,
			Emails: strings.Join(l.Emails(), ", ")})
	}
	for range blankRows {
		policies = append(policies, policyRow{})
		ladder = append(ladder, levelRow{})
	}
	data := map[string]any{
		"Config": cfg, "Rules": rules, "Estates": estates, "Teams": teams, "Coverage": coverage,
		"Types": ticket.Types(), "Priorities": ticket.Priorities(), "Triggers": ticket.Triggers(),
		"Modes": ticket.Modes(), "Roles": rbac.AllRoles(), "Clocks": ticket.Clocks(),
		"Settings": settingsForm{CallbackTypes: strings.Split(st.CallbackTypes, ","),
			CallbackMaxAttempts: strconv.Itoa(st.CallbackMaxAttempts), CallbackRetryMinutes: strconv.Itoa(st.CallbackRetryMinutes),
			FollowupDays: strconv.Itoa(st.FollowupDays), WarnPercent: strconv.Itoa(st.WarnPercent), CallbackCloses: st.CallbackCloses},
		"Policies": policies, "Ladder": ladder, "Rule": ruleForm{Mode: string(ticket.Direct)}, "Category": categoryForm{},
	}
	return s.render(c, "ticket_settings", "queue.settings.title", withForms(data, fail))
}

// settingsPath is the settings page, at one of its sections.
func settingsPath(c *fiber.Ctx, section string) string {
	return tenantPath(c, "/settings/tickets#"+section)
}

// savedSettings finishes a save: the API gets the configuration as it now
// stands, a browser goes back to the section.
func (s *Server) savedSettings(c *fiber.Ctx, section, flashID string) error {
	if isAPI(c) {
		cfg, err := s.Tickets.Config(c.UserContext(), tenantOf(c).ID)
		if err != nil {
			return err
		}
		return c.JSON(cfg)
	}
	return s.done(c, settingsPath(c, section), flashID, fiber.StatusOK, nil)
}

// formList is every value of a repeated form field, in order.
func formList(c *fiber.Ctx, name string) []string {
	var out []string
	for _, v := range c.Request().PostArgs().PeekMulti(name) {
		out = append(out, strings.TrimSpace(string(v)))
	}
	return out
}

// removed is the set of row indexes whose "remove" box is ticked.
func removed(c *fiber.Ctx) map[int]bool {
	out := map[int]bool{}
	for _, v := range formList(c, "remove") {
		if i, err := strconv.Atoi(v); err == nil {
			out[i] = true
		}
	}
	return out
}

// columns reads parallel repeated fields, one per column of a table form;
// they must be equally long.
func columns(c *fiber.Ctx, names ...string) ([][]string, int, error) {
	cols := make([][]string, len(names))
	for i, n := range names {
		cols[i] = formList(c, n)
		if len(cols[i]) != len(cols[0]) {
			return nil, 0, errBadRequest
		}
	}
	return cols, len(cols[0]), nil
}

// flexList is a list the API takes as a JSON array of strings or as one
// comma-separated string, as the configuration reads it back.
type flexList string

func (l *flexList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = flexList(one)
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = flexList(strings.Join(many, ","))
	return nil
}

// decodeJSON reads an API body; one that does not decode is a 400.
func decodeJSON(c *fiber.Ctx, dst any) error {
	if err := json.Unmarshal(c.Body(), dst); err != nil {
		return errBadRequest
	}
	return nil
}

// atoi reads a number typed into a form; anything else is err.
func atoi(s string, err error) (int, error) {
	n, perr := strconv.Atoi(strings.TrimSpace(s))
	if perr != nil {
		return 0, err
	}
	return n, nil
}

// optionalUUID reads an optional ID; "" is none, anything else that is not
// an ID is err.
func optionalUUID(s string, err error) (*uuid.UUID, error) {
	if s = strings.TrimSpace(s); s == "" {
		return nil, nil
	}
	id, perr := uuid.Parse(s)
	if perr != nil {
		return nil, err
	}
	return &id, nil
}
