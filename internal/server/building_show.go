package server

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// gridRow is one floor of the unit grid: a group of cells per entrance
// (单元), so that the columns line up floor over floor. A floor whose units
// have no entrance in a building that has them (shops, parking below
// ground) spans all the columns instead.
type gridRow struct {
	Floor  int
	Label  string
	Groups [][]estate.GridUnit
	Span   int // > 0: one cell of Groups[0] spanning that many columns
}

// unitRangeInput is the "generate units" form. Entrances arrive as one
// comma-separated field from a browser, as a list from the API.
type unitRangeInput struct {
	FromFloor int             `json:"from_floor" form:"from_floor"`
	ToFloor   int             `json:"to_floor" form:"to_floor"`
	PerFloor  int             `json:"per_floor" form:"per_floor"`
	Entrances []string        `json:"entrances" form:"entrances"`
	Kind      estate.UnitKind `json:"kind" form:"kind"`
	Area      areaText        `json:"area" form:"area"`
}

// buildingShow: a building's units floor by floor, top floor first, each
// cell coloured by status with its primary contact.
func (s *Server) buildingShow(c *fiber.Ctx) error {
	id, err := pathUUID(c, "building")
	if err != nil {
		return err
	}
	return s.showBuilding(c, id, nil)
}

func (s *Server) showBuilding(c *fiber.Ctx, id uuid.UUID, fail *formFail) error {
	ctx, t := c.UserContext(), tenantOf(c)
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	b, floors, err := s.Estates.Grid(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	if floors == nil {
		floors = []estate.Floor{}
	}
	if isAPI(c) {
		return c.JSON(fiber.Map{"building": b, "floors": floors})
	}
	d, err := s.Estates.GetEstate(ctx, t.ID, scope, b.EstateID)
	if err != nil {
		return err
	}
	counts := map[estate.UnitStatus]int{}
	total := 0
	for _, f := range floors {
		for _, u := range f.Units {
			counts[u.Status]++
			total++
		}
	}
	rows, entrances := gridRows(floors)
	// The form starts from the building as it is: submitted unchanged it
	// adds nothing, so filling a gap or adding floors is one edit away.
	next := unitRangeInput{FromFloor: 1, ToFloor: max(b.Floors, 1), PerFloor: 2, Kind: estate.Home, Entrances: []string{}}
	perFloor := 0
	for _, r := range rows {
		next.ToFloor = max(next.ToFloor, r.Floor)
		for _, g := range r.Groups {
			if r.Span == 0 {
				perFloor = max(perFloor, len(g))
			}
		}
	}
	if perFloor > 0 {
		next.PerFloor = perFloor
	}
	for _, en := range entrances {
		if en != "" {
			next.Entrances = append(next.Entrances, en)
		}
	}
	return s.render(c, "building", "building.title", withForms(map[string]any{
		"Building": b, "Estate": d.Estate, "Rows": rows, "Entrances": entrances, "Total": total, "Counts": counts,
		"Statuses": estate.UnitStatuses, "Kinds": estate.UnitKinds, "Generate": next,
	}, fail))
}

// gridRows lays floors out with one column per entrance, in natural order
// ("2" before "10"). Units without an entrance get a column of their own
// only on floors shared with entrances.
func gridRows(floors []estate.Floor) ([]gridRow, []string) {
	var named []string
	shared := false
	for _, f := range floors {
		bare, entrances := false, false
		for _, u := range f.Units {
			if u.Entrance == "" {
				bare = true
				continue
			}
			entrances = true
			if !slices.Contains(named, u.Entrance) {
				named = append(named, u.Entrance)
			}
		}
		shared = shared || (bare && entrances)
	}
	slices.SortFunc(named, naturalCompare)
	columns := named
	if len(named) == 0 || shared {
		columns = append(columns, "")
	}
	rows := make([]gridRow, len(floors))
	for i, f := range floors {
		r := gridRow{Floor: f.Floor, Label: floorLabel(f.Floor), Groups: make([][]estate.GridUnit, len(columns))}
		for _, u := range f.Units {
			if g := slices.Index(columns, u.Entrance); g >= 0 {
				r.Groups[g] = append(r.Groups[g], u)
			} else {
				r.Span = len(columns)
				r.Groups[0] = append(r.Groups[0], u)
			}
		}
		if r.Span > 0 {
			r.Groups = r.Groups[:1]
		}
		for _, g := range r.Groups {
			slices.SortStableFunc(g, func(a, b estate.GridUnit) int { return naturalCompare(a.Number, b.Number) })
		}
		rows[i] = r
	}
	return rows, columns
}

// floorLabel names a floor as lifts do: 15, B1 for the first basement.
func floorLabel(f int) string {
	if f < 0 {
		return "B" + strconv.Itoa(-f)
	}
	return strconv.Itoa(f)
}

// naturalCompare orders numbers by value and everything else as text.
func naturalCompare(a, b string) int {
	x, errA := strconv.Atoi(a)
	y, errB := strconv.Atoi(b)
	if errA == nil && errB == nil {
		return cmp.Compare(x, y)
	}
	return cmp.Compare(a, b)
}
