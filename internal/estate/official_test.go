package estate

import "testing"

// The shipped schedule parses and holds the State Council's 2026 notice:
// 33 days off in seven breaks, six weekend days worked.
func TestOfficialDays2026(t *testing.T) {
	days, years, err := OfficialDays()
	if err != nil {
		t.Fatal(err)
	}
	if len(years) == 0 || years[0] != 2026 {
		t.Fatalf("years %v", years)
	}
	kind := map[string]DayKind{}
	holidays, workdays := 0, 0
	for _, d := range days {
		kind[d.Day] = d.Kind
		if d.Kind == Holiday {
			holidays++
		} else {
			workdays++
		}
	}
	if holidays != 33 || workdays != 6 {
		t.Fatalf("%d holidays, %d workdays; want 33 and 6", holidays, workdays)
	}
	for day, want := range map[string]DayKind{
		"2026-01-01": Holiday, "2026-01-03": Holiday, "2026-01-04": Workday,
		"2026-02-14": Workday, "2026-02-15": Holiday, "2026-02-23": Holiday, "2026-02-28": Workday,
		"2026-04-04": Holiday, "2026-04-06": Holiday,
		"2026-05-01": Holiday, "2026-05-05": Holiday, "2026-05-09": Workday,
		"2026-06-19": Holiday, "2026-06-21": Holiday,
		"2026-09-20": Workday, "2026-09-25": Holiday, "2026-09-27": Holiday,
		"2026-10-01": Holiday, "2026-10-07": Holiday, "2026-10-10": Workday,
	} {
		if kind[day] != want {
			t.Errorf("%s: %q, want %q", day, kind[day], want)
		}
	}
	for _, bad := range []string{
		"- year: 2026\n  holidays: [{from: 2026-10-07, to: 2026-10-01, name: x}]\n",
		"- year: 2026\n  holidays: [{from: 2026-10-01, to: 2026-10-01, name: x}]\n  workdays: [{day: 2026-10-01, name: y}]\n",
		"- year: 2026\n  workdays: [{day: 2026-13-01}]\n",
	} {
		if _, _, err := parseOfficial([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
