package manifest

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/estatedesk/estatedesk/internal/estate"
)

var weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// hours converts the manifest's weekday map; nil means the default hours.
func hours(m map[string][]string) (estate.Hours, error) {
	if m == nil {
		return estate.DefaultHours(), nil
	}
	h := estate.Hours{}
	for day, spans := range m {
		d := slices.Index(weekdays, strings.ToLower(day))
		if d < 0 {
			return nil, fmt.Errorf("business_hours: unknown day %q (use mon…sun)", day)
		}
		for _, s := range spans {
			from, to, ok := strings.Cut(s, "-")
			if !ok {
				return nil, fmt.Errorf("business_hours: %q is not like 08:30-12:00", s)
			}
			h[time.Weekday(d)] = append(h[time.Weekday(d)], estate.Span{From: strings.TrimSpace(from), To: strings.TrimSpace(to)})
		}
	}
	return h, h.Validate()
}

func hoursMap(h estate.Hours) map[string][]string {
	if len(h) == 0 {
		return nil
	}
	out := map[string][]string{}
	for d, spans := range h {
		for _, s := range spans {
			out[weekdays[d]] = append(out[weekdays[d]], s.From+"-"+s.To)
		}
	}
	return out
}

func sameHours(a, b estate.Hours) bool {
	if len(a) == 0 {
		a = estate.DefaultHours()
	}
	if len(b) == 0 {
		b = estate.DefaultHours()
	}
	return maps.EqualFunc(a, b, slices.Equal)
}

func calendarDays(e Estate) []estate.CalendarDay {
	var days []estate.CalendarDay
	for _, d := range e.Holidays {
		days = append(days, estate.CalendarDay{Day: d.Day, Kind: estate.Holiday, Name: d.Name})
	}
	for _, d := range e.Workdays {
		days = append(days, estate.CalendarDay{Day: d.Day, Kind: estate.Workday, Name: d.Name})
	}
	slices.SortFunc(days, func(a, b estate.CalendarDay) int { return strings.Compare(a.Day, b.Day) })
	return days
}

func sameDays(a, b []estate.CalendarDay) bool {
	return slices.EqualFunc(a, b, func(x, y estate.CalendarDay) bool { return x.Day == y.Day && x.Kind == y.Kind && x.Name == y.Name })
}

// units expands a building's ranges and rooms into unit addresses.
func units(b Building) ([]estate.Unit, error) {
	var out []estate.Unit
	for _, r := range b.Units {
		f, t, err := floorSpan(r.Floors)
		if err != nil {
			return nil, fmt.Errorf("building %s: %w", b.Name, err)
		}
		area := estate.Area(0)
		if r.Area != "" {
			var err error
			if area, err = estate.ParseArea(r.Area); err != nil {
				return nil, fmt.Errorf("building %s: area %q: %w", b.Name, r.Area, err)
			}
		}
		us, err := estate.UnitRange{FromFloor: f, ToFloor: t, PerFloor: r.PerFloor, Entrances: r.Entrances, Kind: estate.UnitKind(r.Kind), Area: area}.Units()
		if err != nil {
			return nil, fmt.Errorf("building %s: %w", b.Name, err)
		}
		out = append(out, us...)
	}
	for _, r := range b.Rooms {
		kind := estate.UnitKind(r.Kind)
		if kind == "" {
			kind = estate.Home
		}
		area := estate.Area(0)
		if r.Area != "" {
			var err error
			if area, err = estate.ParseArea(r.Area); err != nil {
				return nil, fmt.Errorf("building %s room %s: %w", b.Name, r.Number, err)
			}
		}
		if !kind.Valid() || r.Number == "" || strings.ContainsAny(r.Number, "-, ") {
			return nil, fmt.Errorf("building %s room %q: %w", b.Name, r.Number, estate.ErrInvalidUnit)
		}
		out = append(out, estate.Unit{Entrance: r.Entrance, Floor: r.Floor, Number: r.Number, Kind: kind, Area: area, Status: estate.Vacant})
	}
	return out, nil
}

// floorSpan reads "1-18", "-2-18" (from a basement) or "5".
func floorSpan(s string) (int, int, error) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	from, to, ok := strings.Cut(strings.TrimPrefix(s, "-"), "-")
	if !ok {
		to = from
	}
	f, err1 := strconv.Atoi(strings.TrimSpace(from))
	t, err2 := strconv.Atoi(strings.TrimSpace(to))
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("floors %q is not like 1-18", s)
	}
	if neg {
		f = -f
		if !ok {
			t = f
		}
	}
	return f, t, nil
}

// compress turns a building's units back into ranges where floors follow
// the floor×100+i pattern, and rooms for the rest (export).
func compress(us []estate.Unit) ([]UnitRange, []Room) {
	type group struct {
		entrance string
		kind     estate.UnitKind
		area     estate.Area
	}
	byGroup := map[group]map[int][]string{}
	for _, u := range us {
		g := group{u.Entrance, u.Kind, u.Area}
		if byGroup[g] == nil {
			byGroup[g] = map[int][]string{}
		}
		byGroup[g][u.Floor] = append(byGroup[g][u.Floor], u.Number)
	}
	regular := func(floor int, numbers []string) int {
		want, _ := estate.UnitRange{FromFloor: floor, ToFloor: floor, PerFloor: len(numbers)}.Units()
		if len(want) != len(numbers) {
			return 0
		}
		slices.Sort(numbers)
		for i := range want {
			if want[i].Number != numbers[i] {
				return 0
			}
		}
		return len(numbers)
	}
	type span struct {
		from, to, per int
		kind          estate.UnitKind
		area          estate.Area
	}
	entrancesOf := map[span][]string{}
	var spans []span
	var rooms []Room
	for g, floors := range byGroup {
		keys := slices.Sorted(maps.Keys(floors))
		var cur *span
		flush := func() {
			if cur != nil {
				if entrancesOf[*cur] == nil {
					spans = append(spans, *cur)
				}
				entrancesOf[*cur] = append(entrancesOf[*cur], g.entrance)
				cur = nil
			}
		}
		for _, f := range keys {
			per := regular(f, floors[f])
			if per == 0 {
				flush()
				for _, n := range floors[f] {
					rooms = append(rooms, Room{Entrance: g.entrance, Floor: f, Number: n, Kind: string(g.kind), Area: areaText(g.area)})
				}
				continue
			}
			if cur != nil && cur.per == per && (cur.to+1 == f || cur.to == -1 && f == 1) {
				cur.to = f
				continue
			}
			flush()
			cur = &span{from: f, to: f, per: per, kind: g.kind, area: g.area}
		}
		flush()
	}
	slices.SortFunc(spans, func(a, b span) int {
		if a.from != b.from {
			return a.from - b.from
		}
		return strings.Compare(string(a.kind), string(b.kind))
	})
	var ranges []UnitRange
	for _, s := range spans {
		ents := entrancesOf[s]
		slices.Sort(ents)
		if len(ents) == 1 && ents[0] == "" {
			ents = nil
		}
		floors := strconv.Itoa(s.from) + "-" + strconv.Itoa(s.to)
		ranges = append(ranges, UnitRange{Floors: floors, PerFloor: s.per, Entrances: ents, Kind: string(s.kind), Area: areaText(s.area)})
	}
	slices.SortFunc(rooms, func(a, b Room) int { return strings.Compare(a.Entrance+"\x00"+a.Number, b.Entrance+"\x00"+b.Number) })
	return ranges, rooms
}

func areaText(a estate.Area) string {
	if a == 0 {
		return ""
	}
	return a.String()
}
