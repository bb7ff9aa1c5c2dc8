package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// One click adopts the State Council's 2026 schedule: the calendar has its
// days, the estate's own conflicting day gives way, its other days stay;
// a second click changes nothing.
func TestAdoptOfficialHolidays(t *testing.T) {
	e := newEnv(t)
	north := e.estates[0].ID.String()
	api := "/api/v1/t/alpha/estates/" + north
	expectStatus(t, e.do(request{method: "POST", path: api + "/calendar", as: "office_head", json: map[string]any{"calendar_days": []map[string]string{
		{"day": "2026-09-27", "kind": "workday", "name": "国庆调休"}, // wrong: 27 September is 中秋节
		{"day": "2026-12-31", "kind": "holiday", "name": "公司年会"},
	}}}), http.StatusOK, "own days")

	var got struct {
		Changed int                  `json:"changed"`
		Days    []estate.CalendarDay `json:"calendar_days"`
	}
	decode(t, e.do(request{method: "POST", path: api + "/calendar/official", as: "office_head"}), &got)
	kinds := map[string]estate.CalendarDay{}
	for _, d := range got.Days {
		kinds[d.Day] = d
	}
	if got.Changed != 39 || len(got.Days) != 40 {
		t.Fatalf("first adoption: %d changed, %d days; want 39 and 40", got.Changed, len(got.Days))
	}
	for day, want := range map[string]estate.DayKind{"2026-02-15": estate.Holiday, "2026-02-28": estate.Workday, "2026-09-20": estate.Workday,
		"2026-09-27": estate.Holiday, "2026-10-07": estate.Holiday, "2026-10-10": estate.Workday, "2026-12-31": estate.Holiday} {
		if kinds[day].Kind != want {
			t.Errorf("%s: %+v, want %s", day, kinds[day], want)
		}
	}
	if kinds["2026-09-27"].Name != "中秋节" || kinds["2026-12-31"].Name != "公司年会" {
		t.Errorf("merge: 27 Sep %+v, 31 Dec %+v", kinds["2026-09-27"], kinds["2026-12-31"])
	}
	first := got.Days
	decode(t, e.do(request{method: "POST", path: api + "/calendar/official", as: "office_head"}), &got)
	if got.Changed != 0 || len(got.Days) != len(first) {
		t.Fatalf("second adoption: %d changed, %d days", got.Changed, len(got.Days))
	}
	for i := range first {
		if first[i] != got.Days[i] {
			t.Fatalf("second adoption changed %+v into %+v", first[i], got.Days[i])
		}
	}

	// The page offers the button to those who may edit the calendar, and
	// says what it did.
	page := "/t/alpha/estates/" + north
	if body := readBody(t, e.do(request{method: "GET", path: page, as: "office_head"})); !strings.Contains(body, `id="calendar-official"`) || !strings.Contains(body, "采用国家法定节假日与调休（2026）") {
		t.Error("the estate page has no adopt button")
	}
	if body := readBody(t, e.do(request{method: "GET", path: page, as: "clerk"})); strings.Contains(body, `id="calendar-official"`) {
		t.Error("a clerk sees the adopt button")
	}
	resp := e.do(request{method: "POST", path: page + "/calendar/official", as: "office_head", form: url.Values{}})
	expectStatus(t, resp, http.StatusSeeOther, "adopt by form")
	if loc := resp.Header.Get("Location"); loc != page+"#calendar" {
		t.Errorf("redirect %q", loc)
	}
}

// The deadline table is typed in hours and minutes with a clock per line;
// the API keeps minutes.
func TestPolicyFormHoursMinutesAndClock(t *testing.T) {
	e := newEnv(t)
	const page = "/t/alpha/settings/tickets"
	resp := e.do(request{method: "POST", path: page + "/policies", as: "manager", form: url.Values{
		"type": {"complaint", "praise"}, "category_id": {"", ""}, "priority": {"normal", "normal"},
		"clock":          {"around_the_clock", "business_hours"},
		"response_hours": {"0", ""}, "response_mins": {"30", ""},
		"resolve_hours": {"26", ""}, "resolve_mins": {"15", ""}}})
	expectStatus(t, resp, http.StatusSeeOther, "policies form")
	var cfg ticket.Config
	decode(t, e.do(request{method: "GET", path: "/api/v1" + page, as: "manager"}), &cfg)
	byType := map[ticket.Type]ticket.Policy{}
	for _, p := range cfg.Policies {
		byType[p.Type] = p
	}
	if c := byType[ticket.Complaint]; len(cfg.Policies) != 2 || c.ResponseMinutes != 30 || c.ResolveMinutes != 26*60+15 || c.Clock != ticket.AroundTheClock {
		t.Fatalf("policies %+v", cfg.Policies)
	}
	if p := byType[ticket.Praise]; p.ResponseMinutes != 0 || p.ResolveMinutes != 0 || p.Clock != ticket.BusinessHours {
		t.Fatalf("praise without deadlines: %+v", p)
	}
	body := readBody(t, e.do(request{method: "GET", path: page, as: "manager"}))
	for _, want := range []string{`name="resolve_hours" min="0" max="2160" value="26"`, `name="resolve_mins" min="0" max="59" value="15"`,
		`<option value="around_the_clock" selected>全天计时</option>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the form does not show %s", want)
		}
	}
	for _, bad := range []url.Values{{"response_mins": {"60"}}, {"clock": {"weekends"}}, {"resolve_hours": {"-1"}}} {
		form := url.Values{"type": {""}, "category_id": {""}, "priority": {"normal"}, "clock": {"business_hours"},
			"response_hours": {""}, "response_mins": {"30"}, "resolve_hours": {"8"}, "resolve_mins": {""}}
		for k, v := range bad {
			form[k] = v
		}
		if resp := e.do(request{method: "POST", path: page + "/policies", as: "manager", form: form}); resp.StatusCode != 422 {
			t.Errorf("%v: status %d, want 422", bad, resp.StatusCode)
		}
	}
}
