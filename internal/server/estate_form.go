package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// The portfolio pages take text as people type it (phones and entrances
// separated by commas, areas with or without a unit, holidays one per
// line); the API takes the same fields as JSON. This file turns both into
// the estate service's inputs.

// formFail is a browser form the service refused for its content. The page
// is shown again with the message beside that form and the values as typed,
// so that a clerk with an owner on the phone fixes one field instead of
// typing everything again.
type formFail struct {
	Form    string // the page's name for the form, e.g. "AddPerson"
	Message string // translated
	Values  any    // what was submitted, in the form's own shape
}

// refused turns a validation error or conflict of an HTML form into a
// formFail and sets the response status; anything else (not found,
// forbidden, a fault) and every API error go back to the error handler.
func (s *Server) refused(c *fiber.Ctx, err error, form string, values any) (*formFail, error) {
	if isAPI(c) {
		return nil, err
	}
	status, code := classify(err)
	if status != fiber.StatusUnprocessableEntity && status != fiber.StatusConflict {
		return nil, err
	}
	var data map[string]any
	var md interface{ MessageData() map[string]any }
	if errors.As(err, &md) {
		data = md.MessageData()
	}
	c.Status(status)
	return &formFail{Form: form, Message: s.Catalog.T(langOf(c), "error."+code, data), Values: values}, nil
}

// withForms completes a page's data: "Errors" maps a form's name to its
// message, and a refused form's typed values replace its defaults.
func withForms(data map[string]any, fail *formFail) map[string]any {
	errs := map[string]string{}
	if fail != nil {
		errs[fail.Form] = fail.Message
		data[fail.Form] = fail.Values
	}
	data["Errors"] = errs
	return data
}

var listSeparators = strings.NewReplacer("，", ",", "、", ",", ";", ",", "；", ",", "/", ",", "\r", ",", "\n", ",")

// splitList splits what a person typed into one or more fields into items:
// "13800138000, 0571-88886666" or "1、2、3". Spaces inside an item stay
// ("138 0013 8000" is one phone).
func splitList(vals []string) []string {
	out := []string{}
	for _, v := range vals {
		for _, p := range strings.Split(listSeparators.Replace(v), ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// areaText is an area as typed ("89.5", "89.50㎡"); JSON may also send a
// number. The service parses it, so a bad area is its 422, not a 400.
type areaText string

func (a *areaText) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = areaText(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*a = areaText(n.String())
	return nil
}

// phoneView is a phone as shown and as dialled from a phone's browser.
type phoneView struct {
	Text string
	Tel  template.URL
}

// phoneViews groups mobile numbers 3-4-4 for reading aloud. Stored phones
// are digits only, so the tel: URL is safe.
func phoneViews(phones []string) []phoneView {
	out := make([]phoneView, len(phones))
	for i, p := range phones {
		out[i] = phoneView{Text: formatPhone(p)}
		if !strings.Contains(p, "*") {
			// A masked number (ticket:sensitive) is read, not dialled.
			out[i].Tel = template.URL("tel:" + p)
		}
	}
	return out
}

// seesPhones reports whether the user sees people's phone numbers in
// full: the field staff (without ticket:sensitive) see them masked to the
// last four digits, on tickets and on the estates' pages alike.
func (s *Server) seesPhones(c *fiber.Ctx) bool {
	return s.Authz.Can(userOf(c).ID, tenantOf(c).ID, rbac.ObjTicket, rbac.ActSensitive)
}

// maskedPerson is a copy of a person with the phones masked.
func maskedPerson(p *estate.Person) *estate.Person {
	m := *p
	m.Phones = make([]string, len(p.Phones))
	for i, ph := range p.Phones {
		m.Phones[i] = ticket.MaskPhone(ph)
	}
	return &m
}

// formatPhone groups a number the way it is read out: mobiles 3-4-4,
// landlines by area code (010 and 02x have three digits, the others four),
// service numbers 400/800 3-3-4.
func formatPhone(p string) string {
	switch {
	case len(p) == 11 && p[0] == '1':
		return p[:3] + " " + p[3:7] + " " + p[7:]
	case len(p) == 10 && (strings.HasPrefix(p, "400") || strings.HasPrefix(p, "800")):
		return p[:3] + " " + p[3:6] + " " + p[6:]
	case len(p) >= 10 && len(p) <= 12 && p[0] == '0':
		area := 4
		if p[1] == '1' || p[1] == '2' {
			area = 3
		}
		local := p[area:]
		if len(local) == 8 {
			return p[:area] + " " + local[:4] + " " + local[4:]
		}
		if len(local) == 7 {
			return p[:area] + " " + local[:3] + " " + local[3:]
		}
	}
	return p
}

// weekdays in the order a Chinese office lists them.
var weekdays = []struct {
	Day time.Weekday
	ID  string
}{
	{time.Monday, "weekday.mon"}, {time.Tuesday, "weekday.tue"}, {time.Wednesday, "weekday.wed"},
	{time.Thursday, "weekday.thu"}, {time.Friday, "weekday.fri"}, {time.Saturday, "weekday.sat"}, {time.Sunday, "weekday.sun"},
}

// dayHours is one weekday's line of the hours table and its form field.
type dayHours struct {
	Day   int
	ID    string // message ID of the weekday's name
	Value string // "08:30-12:00, 13:30-17:30"; empty when closed
}

func formatSpans(spans []estate.Span) string {
	parts := make([]string, len(spans))
	for i, sp := range spans {
		parts[i] = sp.From + "-" + sp.To
	}
	return strings.Join(parts, ", ")
}

// hoursByDay lists the week Monday first.
func hoursByDay(h estate.Hours) []dayHours {
	out := make([]dayHours, len(weekdays))
	for i, w := range weekdays {
		out[i] = dayHours{Day: int(w.Day), ID: w.ID, Value: formatSpans(h[w.Day])}
	}
	return out
}

var (
	spanSeparators  = strings.NewReplacer("，", ",", "、", ",", ";", ",", "；", ",", " ", ",", "　", ",")
	rangeSeparators = strings.NewReplacer("–", "~", "—", "~", "～", "~", "至", "~", "到", "~", "-", "~")
)

// parseSpans reads a day's hours: "08:30-12:00, 13:30-17:30", "8:30~17:30";
// empty or 休息 means closed.
func parseSpans(text string) ([]estate.Span, error) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "：", ":"))
	switch strings.ToLower(text) {
	case "", "休息", "closed", "关闭":
		return nil, nil
	}
	var spans []estate.Span
	for _, part := range strings.Split(spanSeparators.Replace(text), ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		from, to, ok := strings.Cut(rangeSeparators.Replace(part), "~")
		if !ok {
			return nil, fmt.Errorf("%w: %q", estate.ErrInvalidHours, part)
		}
		f, err1 := time.Parse("15:04", strings.TrimSpace(from))
		t, err2 := time.Parse("15:04", strings.TrimSpace(to))
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: %q", estate.ErrInvalidHours, part)
		}
		spans = append(spans, estate.Span{From: f.Format("15:04"), To: t.Format("15:04")})
	}
	return spans, nil
}

// dayRange is consecutive calendar days of one kind and name, as people
// write them: "2026-10-01~2026-10-07 国庆节".
type dayRange struct {
	From, To string
	Kind     estate.DayKind
	Name     string
}

func (r dayRange) String() string {
	s := r.From
	if r.To != r.From {
		s += "~" + r.To
	}
	if r.Name != "" {
		s += " " + r.Name
	}
	return s
}

// dayRanges folds a sorted list of days into ranges.
func dayRanges(days []estate.CalendarDay) []dayRange {
	var out []dayRange
	for _, d := range days {
		if n := len(out); n > 0 {
			last := &out[n-1]
			prev, err1 := time.Parse(time.DateOnly, last.To)
			cur, err2 := time.Parse(time.DateOnly, d.Day)
			if err1 == nil && err2 == nil && cur.Sub(prev) == 24*time.Hour && last.Kind == d.Kind && last.Name == d.Name {
				last.To = d.Day
				continue
			}
		}
		out = append(out, dayRange{From: d.Day, To: d.Day, Kind: d.Kind, Name: d.Name})
	}
	return out
}

// daysText is the textarea of one kind of day, a range per line.
func daysText(ranges []dayRange, kind estate.DayKind) string {
	var lines []string
	for _, r := range ranges {
		if r.Kind == kind {
			lines = append(lines, r.String())
		}
	}
	return strings.Join(lines, "\n")
}

func parseDay(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-1-2", "2006/1/2", "2006.1.2", "2006年1月2日"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: %q", estate.ErrInvalidDay, s)
}

// maxRangeDays bounds one line of the holiday list; the longest Chinese
// public holiday is eight days, a month is plenty.
const maxRangeDays = 31

// parseDays reads a textarea of days of one kind, one per line:
// "2026-10-01 国庆节", "2026-10-01~2026-10-07 国庆节" or just "2026-10-01".
func parseDays(text string, kind estate.DayKind) ([]estate.CalendarDay, error) {
	var out []estate.CalendarDay
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		when, name, _ := strings.Cut(strings.ReplaceAll(line, "\t", " "), " ")
		when = strings.NewReplacer("～", "~", "至", "~", "到", "~", "—", "~", "–", "~").Replace(when)
		from, to, isRange := strings.Cut(when, "~")
		first, err := parseDay(from)
		if err != nil {
			return nil, err
		}
		last := first
		if isRange {
			if last, err = parseDay(to); err != nil {
				return nil, err
			}
		}
		if last.Before(first) || last.Sub(first) > (maxRangeDays-1)*24*time.Hour {
			return nil, fmt.Errorf("%w: %q", estate.ErrInvalidDay, line)
		}
		for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
			out = append(out, estate.CalendarDay{Day: d.Format(time.DateOnly), Kind: kind, Name: strings.TrimSpace(name)})
		}
	}
	return out, nil
}

// sortedDays orders days for the service and the page.
func sortedDays(days []estate.CalendarDay) []estate.CalendarDay {
	slices.SortFunc(days, func(a, b estate.CalendarDay) int { return strings.Compare(a.Day, b.Day) })
	return days
}
