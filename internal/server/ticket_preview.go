package server

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// previewView is a preview with what the intake form shows of it, in the
// user's language, so that the page's script only places the text.
type previewView struct {
	*ticket.Preview
	// DispatchText says which team the rules pick, or that none will.
	DispatchText string `json:"dispatch_text"`
	// DeadlinesText gives the two deadlines in the company's time zone.
	DeadlinesText string `json:"deadlines_text"`
	// Warning: nobody would get the ticket at once — no rule, or a team
	// short of a leader or of members on duty.
	Warning bool `json:"warning"`
}

// ticketPreview: before the intake is saved, the team the dispatch rules
// would send it to (or that none would) and the deadlines it would get,
// for estate_id, type, category_id and priority in the query. The intake
// page asks on every change of those fields.
func (s *Server) ticketPreview(c *fiber.Ctx) error {
	in := ticketCreateInput{EstateID: c.Query("estate_id"), Type: c.Query("type"), CategoryID: c.Query("category_id"),
		Priority: c.Query("priority")}
	estateID, err := optionalID(in.EstateID, database.ErrNotFound)
	if err != nil {
		return err
	}
	if estateID == nil {
		return errNoEstate
	}
	category, err := optionalID(in.CategoryID, ticket.ErrInvalidCategory)
	if err != nil {
		return err
	}
	a, err := s.ticketActor(c)
	if err != nil {
		return err
	}
	t := tenantOf(c)
	p, err := s.Tickets.Preview(c.UserContext(), t, a, ticket.PreviewIn{EstateID: *estateID, Type: ticket.Type(in.Type),
		CategoryID: category, Priority: ticket.Priority(in.Priority)})
	if err != nil {
		return err
	}
	lang, loc := langOf(c), t.Location()
	out := previewView{Preview: p, DeadlinesText: s.deadlinesText(lang, loc, p)}
	switch {
	case p.Team == nil:
		out.DispatchText, out.Warning = s.Catalog.T(lang, "dispatch.preview.no_rule", nil), true
	default:
		id := "dispatch.preview.team"
		if p.Fallback {
			id = "dispatch.preview.team_fallback"
		}
		out.DispatchText = s.Catalog.T(lang, id, map[string]any{"Team": p.Team.Name,
			"Mode": s.Catalog.T(lang, "queue.mode."+string(p.Mode), nil)})
		if short := s.staffingText(lang, p.Team); short != "" {
			out.DispatchText += " " + short
			out.Warning = true
		}
	}
	return c.JSON(out)
}

// deadlinesText words the deadlines a preview gives, with their clock.
func (s *Server) deadlinesText(lang string, loc *time.Location, p *ticket.Preview) string {
	var parts []string
	if p.ResponseDue != nil {
		parts = append(parts, s.Catalog.T(lang, "dispatch.preview.respond_by", map[string]any{"At": datetimeIn(lang, loc, *p.ResponseDue)}))
	}
	if p.ResolveDue != nil {
		parts = append(parts, s.Catalog.T(lang, "dispatch.preview.resolve_by", map[string]any{"At": datetimeIn(lang, loc, *p.ResolveDue)}))
	}
	if len(parts) == 0 {
		return s.Catalog.T(lang, "dispatch.preview.no_deadlines", nil)
	}
	return strings.Join(parts, " · ") + s.Catalog.T(lang, "dispatch.preview.clock", map[string]any{
		"Clock": s.Catalog.T(lang, "deadline.clock_option."+string(p.Clock), nil)})
}

// staffingText names what a rule's team lacks, or is empty.
func (s *Server) staffingText(lang string, st *ticket.Staffing) string {
	if st == nil || !st.Short() {
		return ""
	}
	var lacks []string
	for _, l := range []struct {
		on bool
		id string
	}{{st.Archived, "dispatch.staffing.archived"}, {st.NoLeader, "dispatch.staffing.no_leader"}, {st.NoneOnDuty, "dispatch.staffing.none_on_duty"}} {
		if l.on {
			lacks = append(lacks, s.Catalog.T(lang, l.id, nil))
		}
	}
	return s.Catalog.T(lang, "dispatch.staffing.short", map[string]any{"Lacks": strings.Join(lacks, s.Catalog.T(lang, "punct.list_sep", nil))})
}
