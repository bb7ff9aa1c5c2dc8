package server

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/kpi"
)

// kpiTargetList: GET /kpis/targets — the company's targets and each
// estate's in scope, what applies and whether it is set there
// (report:read); managers (report:manage) change them on the page.
func (s *Server) kpiTargetList(c *fiber.Ctx) error {
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	sets, err := s.KPIs.Targets(c.UserContext(), tenantOf(c), scope)
	if err != nil {
		return err
	}
	if isAPI(c) {
		return c.JSON(sets)
	}
	lang := langOf(c)
	type line struct {
		kpi.Target
		Name, Input, Op, Shown string
	}
	type set struct {
		ID    string
		Name  string
		Lines []line
	}
	var out []set
	for i, ts := range sets {
		st := set{Name: ts.Name}
		if ts.EstateID != nil {
			st.ID = ts.EstateID.String()
		}
		if i == 0 {
			st.Name = s.Catalog.T(lang, "kpidash.targets.company", map[string]any{"Company": ts.Name})
		}
		for _, tg := range ts.Targets {
			l := line{Target: tg, Name: s.Catalog.T(lang, "kpidash.figure."+string(tg.Figure), nil), Op: "≥"}
			if !tg.Figure.HigherBetter() {
				l.Op = "≤"
			}
			if tg.Value != nil {
				l.Shown = kpi.Format(tg.Unit, *tg.Value, true)
				if tg.Own {
					l.Input = targetText(tg.Unit, *tg.Value)
				}
			}
			st.Lines = append(st.Lines, l)
		}
		out = append(out, st)
	}
	return s.render(c, "kpi_targets", "kpidash.targets.title", map[string]any{"Sets": out})
}

// kpiTargetInput is one target to set; an empty value removes it (the
// estate then follows the company, the company the default).
type kpiTargetInput struct {
	EstateID string `json:"estate_id" form:"estate_id"`
	Figure   string `json:"figure" form:"figure"`
	// Value is in the figure's display unit: "95.5" (percent) for rates,
	// "1.25" for complaints per 100 units, whole numbers for counts and
	// minutes.
	Value string `json:"value" form:"value"`
}

// kpiTargetSet: POST /kpis/targets — sets one target of the company or of
// an estate in scope (report:manage).
func (s *Server) kpiTargetSet(c *fiber.Ctx) error {
	var in kpiTargetInput
	if err := parse(c, &in); err != nil {
		return err
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	var estateID *uuid.UUID
	if in.EstateID != "" {
		id, err := uuid.Parse(in.EstateID)
		if err != nil {
			return errNotFoundRoute
		}
		estateID = &id
	}
	f := kpi.Figure(in.Figure)
	back := tenantPath(c, "/kpis/targets")
	var value *int64
	if v := strings.TrimSpace(in.Value); v != "" {
		n, err := parseTarget(f.Unit(), v)
		if err != nil {
			return s.feeRefused(c, err, back)
		}
		value = &n
	}
	if err := s.KPIs.SetTarget(c.UserContext(), tenantOf(c), scope, userOf(c).ID, estateID, f, value); err != nil {
		return s.feeRefused(c, err, back)
	}
	// The dashboards judge by the targets: none remembered, here or on
	// another replica, shows the old.
	s.dashboards.Purge()
	s.DB.Invalidate(c.UserContext())
	return s.done(c, back, "kpidash.targets.saved", fiber.StatusNoContent, nil)
}

// parseTarget reads a target in its display unit: percentages and
// hundredths with at most two decimals, counts and minutes whole.
func parseTarget(u kpi.Unit, v string) (int64, error) {
	if len(v) > 12 {
		return 0, kpi.ErrInvalidTarget
	}
	if u != kpi.BasisPoints && u != kpi.Hundredths {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, kpi.ErrInvalidTarget
		}
		return n, nil
	}
	whole, frac, _ := strings.Cut(v, ".")
	if len(frac) > 2 || whole == "" || strings.HasPrefix(whole, "-") || strings.HasPrefix(whole, "+") {
		return 0, kpi.ErrInvalidTarget
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, kpi.ErrInvalidTarget
	}
	frac += strings.Repeat("0", 2-len(frac))
	fr, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || fr < 0 {
		return 0, kpi.ErrInvalidTarget
	}
	return w*100 + fr, nil
}

// targetText is a target as the form shows it: "95", "95.5", "1.25".
func targetText(u kpi.Unit, v int64) string {
	if u != kpi.BasisPoints && u != kpi.Hundredths {
		return strconv.FormatInt(v, 10)
	}
	s := strconv.FormatInt(v/100, 10)
	if f := v % 100; f != 0 {
		s += strings.TrimRight("."+strconv.FormatInt(100+f, 10)[1:], "0")
	}
	return s
}
