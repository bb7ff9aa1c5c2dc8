package server

import (
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// unitGenerate creates a building's units floor by floor (1501, 1502, …)
// in each entrance, skipping those that exist.
func (s *Server) unitGenerate(c *fiber.Ctx) error {
	id, err := pathUUID(c, "building")
	if err != nil {
		return err
	}
	var in unitRangeInput
	if err := parse(c, &in); err != nil {
		return err
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	t := tenantOf(c)
	created := 0
	r, err := in.unitRange()
	if err == nil {
		created, err = s.Estates.AddUnits(c.UserContext(), t, scope, id, r)
	}
	if err != nil {
		fail, err := s.refused(c, err, "Generate", in)
		if err != nil {
			return err
		}
		return s.showBuilding(c, id, fail)
	}
	if isAPI(c) {
		return c.JSON(fiber.Map{"created": created})
	}
	s.flash(c, "building.units_created", map[string]any{"Count": created})
	return c.Redirect(tenantPath(c, "/buildings/"+id.String()), fiber.StatusSeeOther)
}

func (in unitRangeInput) unitRange() (estate.UnitRange, error) {
	r := estate.UnitRange{FromFloor: in.FromFloor, ToFloor: in.ToFloor, PerFloor: in.PerFloor, Entrances: splitList(in.Entrances), Kind: in.Kind}
	// An entrance is part of the unit's code "3-2-1502", so it cannot
	// hold the separator.
	for _, en := range r.Entrances {
		if utf8.RuneCountInString(en) > 10 || strings.Contains(en, "-") {
			return r, estate.ErrInvalidUnit
		}
	}
	if a := strings.TrimSpace(string(in.Area)); a != "" {
		area, err := estate.ParseArea(a)
		if err != nil {
			return r, err
		}
		r.Area = area
	}
	return r, nil
}
