package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// portfolio is what the estate tests seed through the service: in alpha, a
// building "1" with units 101, 102, 201, 202 in North and a building "9"
// in South, each with an owner on unit 101; in bravo an estate with the
// same.
type portfolio struct {
	svc                     *estate.Service
	bravoEstate             uuid.UUID
	northBuilding           uuid.UUID
	northUnit, northPerson  uuid.UUID // unit 1-101 and its owner 张三
	northLink               uuid.UUID
	southBuilding           uuid.UUID
	southUnit, southPerson  uuid.UUID // unit 9-101 and its owner 南先生
	southLink               uuid.UUID
	bravoBuilding           uuid.UUID
	bravoUnit, bravoPerson  uuid.UUID
	bravoLink               uuid.UUID
	northPhone, southPhone  string
	bravoPhone, bravoPhone4 string
}

// seedBuilding creates a building with two floors of two units and an
// owner on unit 101.
func seedBuilding(t *testing.T, svc *estate.Service, tn *tenant.Tenant, estateID uuid.UUID, name, owner, phone string) (building, unit, person, link uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	all := estate.Scope{All: true}
	b, err := svc.CreateBuilding(ctx, tn.ID, all, estateID, estate.BuildingInput{Name: name, Floors: 2})
	must(t, err)
	_, err = svc.AddUnits(ctx, tn, all, b.ID, estate.UnitRange{FromFloor: 1, ToFloor: 2, PerFloor: 2, Area: 8950})
	must(t, err)
	_, floors, err := svc.Grid(ctx, tn.ID, all, b.ID)
	must(t, err)
	for _, f := range floors {
		for _, u := range f.Units {
			if u.Number == "101" {
				unit = u.ID
			}
		}
	}
	p, err := svc.AddPerson(ctx, tn.ID, all, unit, estate.PersonInput{Name: owner, Phones: []string{phone}},
		estate.LinkInput{Relation: estate.OwnerRel, PrimaryContact: true, From: "2020-05-01"})
	must(t, err)
	d, err := svc.GetUnit(ctx, tn.ID, all, unit)
	must(t, err)
	return b.ID, unit, p.ID, d.Occupants[0].Link.ID
}

func (e *env) seedPortfolio() *portfolio {
	e.t.Helper()
	p := &portfolio{svc: estate.NewService(e.db, tenant.DefaultPlanLimits(), 0),
		northPhone: "13800138000", southPhone: "13911112222", bravoPhone: "13700001234", bravoPhone4: "1234"}
	p.northBuilding, p.northUnit, p.northPerson, p.northLink = seedBuilding(e.t, p.svc, e.alpha, e.estates[0].ID, "1", "张三", p.northPhone)
	p.southBuilding, p.southUnit, p.southPerson, p.southLink = seedBuilding(e.t, p.svc, e.alpha, e.estates[1].ID, "9", "南先生", p.southPhone)
	harbor, err := p.svc.CreateEstate(context.Background(), e.bravo, estate.EstateInput{Name: "Harbor"})
	must(e.t, err)
	p.bravoEstate = harbor.ID
	p.bravoBuilding, p.bravoUnit, p.bravoPerson, p.bravoLink = seedBuilding(e.t, p.svc, e.bravo, harbor.ID, "1", "Bravo Owner", p.bravoPhone)
	return p
}

func (p *portfolio) expand(e *env, s string) string {
	return e.expand(strings.NewReplacer(
		"{building}", p.northBuilding.String(),
		"{unit}", p.northUnit.String(),
		"{person}", p.northPerson.String(),
		"{link}", p.northLink.String(),
		"{south_building}", p.southBuilding.String(),
		"{south_unit}", p.southUnit.String(),
		"{south_person}", p.southPerson.String(),
		"{south_link}", p.southLink.String(),
		"{bravo_estate}", p.bravoEstate.String(),
		"{bravo_building}", p.bravoBuilding.String(),
		"{bravo_unit}", p.bravoUnit.String(),
		"{bravo_person}", p.bravoPerson.String(),
		"{bravo_link}", p.bravoLink.String(),
	).Replace(s))
}

// req builds a request with the portfolio's IDs filled in.
func (p *portfolio) req(e *env, method, path, as string, body any) request {
	r := request{method: method, path: p.expand(e, path), as: as}
	switch b := body.(type) {
	case url.Values:
		r.form = url.Values{}
		for k, vs := range b {
			for _, v := range vs {
				r.form.Add(k, p.expand(e, v))
			}
		}
	case nil:
	default:
		r.json = expandJSON(e, b)
		if m, ok := r.json.(map[string]any); ok {
			for k, v := range m {
				if s, ok := v.(string); ok {
					m[k] = p.expand(e, s)
				}
			}
		}
	}
	return r
}

var (
	// Roles without estate:read.
	cannotRead = []string{"worker"}
	// Roles without person:manage.
	cannotManagePeople = []string{"document_controller", "team_leader", "worker"}
)

func portfolioScenarios() []scenario {
	calendar := url.Values{"hours_1": {"08:30-12:00, 13:30-17:30"}, "hours_6": {"9:00~12:00"}, "holidays": {"2026-10-01~2026-10-03 国庆节"}, "workdays": {"2026-10-11 调休"}}
	return []scenario{
		{method: "GET", path: "/t/alpha/estates", allowed: "clerk", denied: cannotRead, want: 200},
		{method: "POST", path: "/t/alpha/estates", form: url.Values{"name": {"East"}}, allowed: "manager", denied: onlyManager, want: 303},
		{method: "GET", path: "/t/alpha/estates/{north}", allowed: "clerk", denied: cannotRead, want: 200},
		{method: "POST", path: "/t/alpha/estates/{north}", form: url.Values{"name": {"North"}, "address": {"北京路 1 号"}, "office_phone": {"0571-88886666"}},
			allowed: "office_head", denied: belowOfficeHd, want: 303},
		{method: "POST", path: "/t/alpha/estates/{north}/archive", form: url.Values{}, allowed: "manager", denied: onlyManager, want: 303},
		{method: "POST", path: "/t/alpha/estates/{north}/restore", form: url.Values{}, allowed: "manager", denied: onlyManager, want: 303},
		{method: "POST", path: "/t/alpha/estates/{north}/calendar", form: calendar, allowed: "office_head", denied: belowOfficeHd, want: 303},
		{method: "POST", path: "/t/alpha/estates/{north}/buildings", form: url.Values{"name": {"2"}, "floors": {"18"}}, allowed: "office_head", denied: belowOfficeHd, want: 303},
		{method: "GET", path: "/t/alpha/buildings/{building}", allowed: "clerk", denied: cannotRead, want: 200},
		{method: "POST", path: "/t/alpha/buildings/{building}/units", form: url.Values{"from_floor": {"3"}, "to_floor": {"3"}, "per_floor": {"2"}, "entrances": {""}, "kind": {"home"}, "area": {""}},
			allowed: "office_head", denied: belowOfficeHd, want: 303},
		{method: "POST", path: "/t/alpha/buildings/{building}", form: url.Values{"name": {"7B"}, "floors": {"9"}}, allowed: "office_head", denied: belowOfficeHd, want: 303},
		{method: "POST", path: "/t/alpha/buildings/{building}/archive", form: url.Values{}, allowed: "manager", denied: onlyManager, want: 303},
		{method: "POST", path: "/t/alpha/buildings/{building}/restore", form: url.Values{}, allowed: "manager", denied: onlyManager, want: 303},
		{method: "POST", path: "/t/alpha/units/{unit}/archive", form: url.Values{}, allowed: "office_head", denied: belowOfficeHd, want: 303},
		{method: "POST", path: "/t/alpha/units/{unit}/restore", form: url.Values{}, allowed: "office_head", denied: belowOfficeHd, want: 303},
		{method: "GET", path: "/t/alpha/units/{unit}", allowed: "clerk", denied: cannotRead, want: 200},
		{method: "POST", path: "/t/alpha/units/{unit}", form: url.Values{"kind": {"home"}, "area": {"89.5"}, "status": {"occupied"}}, allowed: "office_head", denied: belowOfficeHd, want: 303},
		{method: "POST", path: "/t/alpha/units/{unit}/persons", form: url.Values{"name": {"李四"}, "phones": {"13900139000"}, "relation": {"resident"}},
			allowed: "clerk", denied: cannotManagePeople, want: 303},
		{method: "POST", path: "/t/alpha/links/{link}/end", form: url.Values{"next": {"/t/alpha/units/{unit}"}}, allowed: "clerk", denied: cannotManagePeople, want: 303},
		{method: "GET", path: "/t/alpha/persons/{person}", allowed: "clerk", denied: cannotRead, want: 200},
		{method: "POST", path: "/t/alpha/persons/{person}", form: url.Values{"name": {"张三"}, "phones": {"13800138000, 0571-88886666"}, "email": {""}, "notes": {"VIP"}},
			allowed: "clerk", denied: cannotManagePeople, want: 303},
		{method: "GET", path: "/t/alpha/search?q=101", allowed: "clerk", denied: cannotRead, want: 200},

		{method: "GET", path: "/api/v1/t/alpha/estates", allowed: "clerk", denied: cannotRead, want: 200},
		{method: "POST", path: "/api/v1/t/alpha/estates", json: map[string]any{"name": "East", "office_phone": "0571-88886666"}, allowed: "manager", denied: onlyManager, want: 201},
		{method: "GET", path: "/api/v1/t/alpha/estates/{north}", allowed: "clerk", denied: cannotRead, want: 200},
		{method: "POST", path: "/api/v1/t/alpha/estates/{north}", json: map[string]any{"address": "北京路 1 号"}, allowed: "office_head", denied: belowOfficeHd, want: 200},
		{method: "POST", path: "/api/v1/t/alpha/estates/{north}/archive", allowed: "manager", denied: onlyManager, want: 204},
		{method: "POST", path: "/api/v1/t/alpha/estates/{north}/restore", allowed: "manager", denied: onlyManager, want: 204},
		{method: "POST", path: "/api/v1/t/alpha/estates/{north}/calendar", allowed: "office_head", denied: belowOfficeHd, want: 200,
			json: map[string]any{"calendar_days": []map[string]string{{"day": "2026-10-01", "kind": "holiday", "name": "国庆节"}}}},
		{method: "GET", path: "/api/v1/t/alpha/estates/{north}/buildings", allowed: "clerk", denied: cannotRead, want: 200},
		{method: "POST", path: "/api/v1/t/alpha/estates/{north}/buildings", json: map[string]any{"name": "2", "floors": 18}, allowed: "office_head", denied: belowOfficeHd, want: 201},
		{method: "GET", path: "/api/v1/t/alpha/buildings/{building}", allowed: "clerk", denied: cannotRead, want: 200},
		{method: "POST", path: "/api/v1/t/alpha/buildings/{building}", json: map[string]any{"name": "7B", "floors": 9}, allowed: "office_head", denied: belowOfficeHd, want: 200},
		{method: "POST", path: "/api/v1/t/alpha/buildings/{building}/archive", allowed: "manager", denied: onlyManager, want: 204},
		{method: "POST", path: "/api/v1/t/alpha/buildings/{building}/restore", allowed: "manager", denied: onlyManager, want: 204},
		{method: "POST", path: "/api/v1/t/alpha/units/{unit}/archive", allowed: "office_head", denied: belowOfficeHd, want: 204},
		{method: "POST", path: "/api/v1/t/alpha/units/{unit}/restore", allowed: "office_head", denied: belowOfficeHd, want: 204},
		{method: "POST", path: "/api/v1/t/alpha/buildings/{building}/units", json: map[string]any{"from_floor": 3, "to_floor": 4, "per_floor": 2, "area": 89.5},
			allowed: "office_head", denied: belowOfficeHd, want: 200},
		{method: "GET", path: "/api/v1/t/alpha/units/{unit}", allowed: "clerk", denied: cannotRead, want: 200},
		{method: "POST", path: "/api/v1/t/alpha/units/{unit}", json: map[string]any{"status": "renovating"}, allowed: "office_head", denied: belowOfficeHd, want: 200},
		{method: "POST", path: "/api/v1/t/alpha/units/{unit}/persons", json: map[string]any{"name": "李四", "phones": []string{"13900139000"}, "relation": "renter"},
			allowed: "clerk", denied: cannotManagePeople, want: 201},
		{method: "POST", path: "/api/v1/t/alpha/links/{link}/end", allowed: "clerk", denied: cannotManagePeople, want: 204},
		{method: "GET", path: "/api/v1/t/alpha/persons/{person}", allowed: "clerk", denied: cannotRead, want: 200},
		{method: "POST", path: "/api/v1/t/alpha/persons/{person}", json: map[string]any{"notes": "VIP"}, allowed: "clerk", denied: cannotManagePeople, want: 200},
		{method: "GET", path: "/api/v1/t/alpha/search?q=8000", allowed: "clerk", denied: cannotRead, want: 200},
		{method: "POST", path: "/t/alpha/estates/{north}/calendar/official", form: url.Values{}, allowed: "office_head", denied: belowOfficeHd, want: 303},
		{method: "POST", path: "/api/v1/t/alpha/estates/{north}/calendar/official", allowed: "office_head", denied: belowOfficeHd, want: 200},
	}
}

// Every portfolio route: anonymous is sent to sign in (401 on the API), a
// member of another tenant gets 404, each role without the permission
// 403, and the least privileged allowed role succeeds on its own estate.
// Reads also succeed for the company-wide document controller and the
// North team leader.
func TestPortfolioRoutesScenarios(t *testing.T) {
	for _, s := range portfolioScenarios() {
		t.Run(s.method+" "+s.path, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			p := e.seedPortfolio()
			body := func() any {
				if s.form != nil {
					return s.form
				}
				return s.json
			}
			api := strings.HasPrefix(s.path, "/api/")
			resp := e.do(p.req(e, s.method, s.path, "", body()))
			if api {
				expectStatus(t, resp, http.StatusUnauthorized, "anonymous")
			} else if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
				t.Errorf("anonymous: %d %s, want redirect to /login", resp.StatusCode, resp.Header.Get("Location"))
			}
			expectStatus(t, e.do(p.req(e, s.method, s.path, "other", body())), http.StatusNotFound, "member of another tenant")
			for _, role := range s.denied {
				expectStatus(t, e.do(p.req(e, s.method, s.path, role, body())), http.StatusForbidden, role)
			}
			if s.method == "GET" {
				for _, role := range []string{"document_controller", "team_leader"} {
					expectStatus(t, e.do(p.req(e, s.method, s.path, role, body())), s.want, role)
				}
			}
			expectStatus(t, e.do(p.req(e, s.method, s.path, s.allowed, body())), s.want, s.allowed)
		})
	}
}

// Office heads, clerks and team leaders assigned to North see nothing of
// South: its estate, buildings, units, people and links answer 404 by ID,
// and search does not find them. Company-wide roles see both.
func TestPortfolioEstateScope(t *testing.T) {
	e := newEnv(t)
	p := e.seedPortfolio()
	reads := []string{
		"/api/v1/t/alpha/estates/{south}",
		"/api/v1/t/alpha/estates/{south}/buildings",
		"/api/v1/t/alpha/buildings/{south_building}",
		"/api/v1/t/alpha/units/{south_unit}",
		"/api/v1/t/alpha/persons/{south_person}",
		"/t/alpha/estates/{south}",
		"/t/alpha/buildings/{south_building}",
		"/t/alpha/units/{south_unit}",
		"/t/alpha/persons/{south_person}",
	}
	for _, role := range []string{"office_head", "clerk", "team_leader"} {
		for _, path := range reads {
			expectStatus(t, e.do(p.req(e, "GET", path, role, nil)), http.StatusNotFound, role+" "+path)
		}
	}
	for _, role := range []string{"assistant", "document_controller"} {
		for _, path := range reads {
			expectStatus(t, e.do(p.req(e, "GET", path, role, nil)), http.StatusOK, role+" "+path)
		}
	}
	writes := []struct {
		as, path string
		body     any
	}{
		{"office_head", "/api/v1/t/alpha/estates/{south}", map[string]any{"address": "x"}},
		{"office_head", "/api/v1/t/alpha/estates/{south}/calendar", map[string]any{}},
		{"office_head", "/api/v1/t/alpha/estates/{south}/calendar/official", nil},
		{"office_head", "/api/v1/t/alpha/estates/{south}/buildings", map[string]any{"name": "5"}},
		{"office_head", "/api/v1/t/alpha/buildings/{south_building}/units", map[string]any{"from_floor": 3, "to_floor": 3, "per_floor": 1}},
		{"office_head", "/api/v1/t/alpha/units/{south_unit}", map[string]any{"status": "vacant"}},
		{"office_head", "/api/v1/t/alpha/units/{south_unit}/archive", nil},
		{"office_head", "/api/v1/t/alpha/buildings/{south_building}", map[string]any{"name": "9"}},
		{"clerk", "/api/v1/t/alpha/units/{south_unit}/persons", map[string]any{"name": "x", "relation": "owner"}},
		{"clerk", "/api/v1/t/alpha/links/{south_link}/end", nil},
		{"clerk", "/api/v1/t/alpha/persons/{south_person}", map[string]any{"notes": "x"}},
		{"clerk", "/t/alpha/units/{south_unit}/persons", url.Values{"name": {"x"}, "relation": {"owner"}}},
		{"office_head", "/t/alpha/units/{south_unit}", url.Values{"area": {"1"}}},
	}
	for _, w := range writes {
		expectStatus(t, e.do(p.req(e, "POST", w.path, w.as, w.body)), http.StatusNotFound, w.as+" POST "+w.path)
	}
	// Nothing was changed behind the 404s.
	d, err := p.svc.GetUnit(context.Background(), e.alpha.ID, estate.Scope{All: true}, p.southUnit)
	must(t, err)
	if len(d.Occupants) != 1 || d.Occupants[0].Link.To != "" || d.Unit.Status != estate.Vacant {
		t.Errorf("South unit changed: %+v, %d occupants", d.Unit, len(d.Occupants))
	}

	// The list holds only North for the clerk; both for the assistant.
	var list struct {
		Estates  []map[string]any `json:"estates"`
		Archived []map[string]any `json:"archived"`
	}
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/estates", as: "clerk"}), &list)
	if len(list.Estates) != 1 || list.Estates[0]["name"] != "North" || list.Estates[0]["units"] != float64(4) || list.Estates[0]["people"] != float64(1) {
		t.Errorf("clerk's estates: %v", list.Estates)
	}
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/estates", as: "assistant"}), &list)
	if len(list.Estates) != 2 {
		t.Errorf("assistant's estates: %v", list.Estates)
	}

	// Search keeps to the scope: room 101 exists in both buildings.
	search := func(as, q string) estate.Results {
		var res estate.Results
		decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/search?q=" + url.QueryEscape(q), as: as}), &res)
		return res
	}
	if res := search("clerk", "101"); len(res.Units) != 1 || res.Units[0].Code != "1-101" {
		t.Errorf("clerk searching 101: %+v", res.Units)
	}
	if res := search("clerk", "9-101"); len(res.Units) != 0 {
		t.Errorf("clerk found South's unit: %+v", res.Units)
	}
	if res := search("clerk", p.southPhone); len(res.Persons) != 0 {
		t.Errorf("clerk found South's owner by phone: %+v", res.Persons)
	}
	if res := search("clerk", "南"); len(res.Persons) != 0 {
		t.Errorf("clerk found South's owner by name: %+v", res.Persons)
	}
	if res := search("assistant", "101"); len(res.Units) != 2 {
		t.Errorf("assistant searching 101: %+v", res.Units)
	}
	if res := search("assistant", p.southPhone[7:]); len(res.Persons) != 1 || res.Persons[0].Name != "南先生" {
		t.Errorf("assistant searching South's last four digits: %+v", res.Persons)
	}
	// The HTML box too.
	resp := e.do(request{method: "GET", path: "/t/alpha/search?box=1&q=101", as: "clerk", header: map[string]string{"HX-Request": "true"}})
	if body := readBody(t, resp); resp.StatusCode != 200 || !strings.Contains(body, "1-101") || strings.Contains(body, "9-101") {
		t.Errorf("clerk's search box: %d %s", resp.StatusCode, body)
	}
}

// Another company's IDs are 404 for everyone, even a manager of alpha.
func TestPortfolioCrossTenant(t *testing.T) {
	e := newEnv(t)
	p := e.seedPortfolio()
	for _, path := range []string{
		"/api/v1/t/alpha/estates/{bravo_estate}",
		"/api/v1/t/alpha/estates/{bravo_estate}/buildings",
		"/api/v1/t/alpha/buildings/{bravo_building}",
		"/api/v1/t/alpha/units/{bravo_unit}",
		"/api/v1/t/alpha/persons/{bravo_person}",
		"/t/alpha/units/{bravo_unit}",
		"/t/alpha/buildings/{bravo_building}",
	} {
		for _, role := range []string{"manager", "clerk"} {
			expectStatus(t, e.do(p.req(e, "GET", path, role, nil)), http.StatusNotFound, role+" "+path)
		}
	}
	for _, w := range []struct {
		path string
		body any
	}{
		{"/api/v1/t/alpha/estates/{bravo_estate}", map[string]any{"name": "Mine"}},
		{"/api/v1/t/alpha/estates/{bravo_estate}/archive", nil},
		{"/api/v1/t/alpha/estates/{bravo_estate}/restore", nil},
		{"/api/v1/t/alpha/estates/{bravo_estate}/calendar", map[string]any{}},
		{"/api/v1/t/alpha/estates/{bravo_estate}/calendar/official", nil},
		{"/api/v1/t/alpha/estates/{bravo_estate}/buildings", map[string]any{"name": "5"}},
		{"/api/v1/t/alpha/buildings/{bravo_building}/units", map[string]any{"from_floor": 3, "to_floor": 3, "per_floor": 1}},
		{"/api/v1/t/alpha/units/{bravo_unit}", map[string]any{"status": "occupied"}},
		{"/api/v1/t/alpha/units/{bravo_unit}/persons", map[string]any{"name": "x", "relation": "owner"}},
		{"/api/v1/t/alpha/links/{bravo_link}/end", nil},
		{"/api/v1/t/alpha/persons/{bravo_person}", map[string]any{"notes": "x"}},
		{"/api/v1/t/alpha/units/not-a-uuid", map[string]any{"status": "occupied"}},
	} {
		expectStatus(t, e.do(p.req(e, "POST", w.path, "manager", w.body)), http.StatusNotFound, "manager POST "+w.path)
	}
	// Search never crosses companies.
	var res estate.Results
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/search?q=" + p.bravoPhone4, as: "manager"}), &res)
	if len(res.Persons) != 0 {
		t.Errorf("alpha found bravo's owner: %+v", res.Persons)
	}
	// And bravo's estate is untouched.
	d, err := p.svc.GetEstate(context.Background(), e.bravo.ID, estate.Scope{All: true}, p.bravoEstate)
	must(t, err)
	if d.Estate.Name != "Harbor" || d.Estate.ArchivedAt != nil || d.Buildings != 1 {
		t.Errorf("bravo's estate changed: %+v", d)
	}
}

func expectProblem(t *testing.T, resp *http.Response, status int, code, what string) {
	t.Helper()
	var prob struct {
		Code string `json:"code"`
	}
	if resp.StatusCode != status {
		t.Errorf("%s: status %d, want %d; body %.300s", what, resp.StatusCode, status, readBody(t, resp))
		return
	}
	decode(t, resp, &prob)
	if prob.Code != code {
		t.Errorf("%s: code %q, want %q", what, prob.Code, code)
	}
}

// Bad input is a 422 (or 409) with a stable code on the API; a browser
// gets the same page back with the message and what was typed.
func TestPortfolioValidation(t *testing.T) {
	e := newEnv(t)
	p := e.seedPortfolio()
	for _, c := range []struct {
		as, path string
		body     any
		status   int
		code     string
	}{
		{"office_head", "/api/v1/t/alpha/units/{unit}", map[string]any{"area": "abc"}, 422, "invalid_area"},
		{"office_head", "/api/v1/t/alpha/units/{unit}", map[string]any{"area": "89.555"}, 422, "invalid_area"},
		{"office_head", "/api/v1/t/alpha/units/{unit}", map[string]any{"area": -1}, 422, "invalid_area"},
		{"office_head", "/api/v1/t/alpha/units/{unit}", map[string]any{"status": "sold"}, 422, "invalid_unit"},
		{"office_head", "/api/v1/t/alpha/buildings/{building}/units", map[string]any{"from_floor": 5, "to_floor": 3, "per_floor": 2}, 422, "invalid_unit"},
		{"office_head", "/api/v1/t/alpha/buildings/{building}/units", map[string]any{"from_floor": 3, "to_floor": 3, "per_floor": 2, "area": "big"}, 422, "invalid_area"},
		{"office_head", "/api/v1/t/alpha/buildings/{building}/units", map[string]any{"from_floor": 3, "to_floor": 3, "per_floor": 2, "entrances": []string{"1-2"}}, 422, "invalid_unit"},
		{"clerk", "/api/v1/t/alpha/units/{unit}/persons", map[string]any{"name": "王五", "phones": []string{"12345"}, "relation": "owner"}, 422, "invalid_phone"},
		{"clerk", "/api/v1/t/alpha/units/{unit}/persons", map[string]any{"name": "王五", "phones": []string{"138-0013-800a"}, "relation": "owner"}, 422, "invalid_phone"},
		{"clerk", "/api/v1/t/alpha/units/{unit}/persons", map[string]any{"name": "王五", "relation": "cousin"}, 422, "invalid_relation"},
		{"clerk", "/api/v1/t/alpha/units/{unit}/persons", map[string]any{"name": " ", "relation": "owner"}, 422, "invalid_person"},
		{"clerk", "/api/v1/t/alpha/persons/{person}", map[string]any{"phones": []string{"phone"}}, 422, "invalid_phone"},
		{"office_head", "/api/v1/t/alpha/estates/{north}/calendar", map[string]any{"calendar_days": []map[string]string{{"day": "2026-13-01", "kind": "holiday"}}}, 422, "invalid_day"},
		{"office_head", "/api/v1/t/alpha/estates/{north}/calendar", map[string]any{"business_hours": map[string]any{"1": []map[string]string{{"from": "18:00", "to": "08:00"}}}}, 422, "invalid_hours"},
		{"office_head", "/api/v1/t/alpha/estates/{north}", map[string]any{"office_phone": "call me"}, 422, "invalid_phone"},
		{"office_head", "/api/v1/t/alpha/estates/{north}", map[string]any{"name": "South"}, 409, "name_taken"},
		{"office_head", "/api/v1/t/alpha/estates/{north}/buildings", map[string]any{"name": "1"}, 409, "name_taken"},
		{"office_head", "/api/v1/t/alpha/estates/{north}/buildings", map[string]any{"name": "1-2"}, 422, "invalid_estate_name"},
		{"manager", "/api/v1/t/alpha/estates", map[string]any{"name": ""}, 422, "invalid_estate_name"},
	} {
		expectProblem(t, e.do(p.req(e, "POST", c.path, c.as, c.body)), c.status, c.code, c.as+" "+c.path)
	}

	// Browsers: the unit page again, with the message and the typed values.
	for _, c := range []struct {
		as, path string
		form     url.Values
		status   int
		want     []string
	}{
		{"clerk", "/t/alpha/units/{unit}/persons", url.Values{"name": {"王五"}, "phones": {"12345"}, "relation": {"family"}},
			422, []string{"电话号码不正确", `value="王五"`, `value="12345"`, `value="family" selected`, `id="unit-code"`}},
		{"office_head", "/t/alpha/units/{unit}", url.Values{"kind": {"shop"}, "area": {"abc"}, "status": {"occupied"}},
			422, []string{"面积不正确", `value="abc"`, `value="shop" selected`}},
		{"office_head", "/t/alpha/buildings/{building}/units", url.Values{"from_floor": {"5"}, "to_floor": {"3"}, "per_floor": {"2"}, "entrances": {"1,2"}},
			422, []string{"房屋信息不正确", `value="1,2"`, `id="unit-grid"`}},
		{"office_head", "/t/alpha/estates/{north}/calendar", url.Values{"hours_1": {"8:30-17:30"}, "holidays": {"2026-10-01 国庆节\n10/02"}},
			422, []string{"日期不正确", "10/02", `value="8:30-17:30"`}},
		{"office_head", "/t/alpha/estates/{north}/calendar", url.Values{"hours_1": {"late"}},
			422, []string{"营业时间格式不正确", `value="late"`}},
		{"clerk", "/t/alpha/persons/{person}", url.Values{"name": {"张三"}, "phones": {"13800138000, 999"}},
			422, []string{"电话号码不正确", `value="13800138000, 999"`}},
		{"manager", "/t/alpha/estates", url.Values{"name": {"South"}, "address": {"南京路"}},
			409, []string{"该名称已被使用", `value="南京路"`}},
	} {
		resp := e.do(p.req(e, "POST", c.path, c.as, c.form))
		body := readBody(t, resp)
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: status %d, want %d", c.as, c.path, resp.StatusCode, c.status)
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s %s: page lacks %q", c.as, c.path, w)
			}
		}
	}
	// Nothing was saved by the refused forms.
	d, err := p.svc.GetUnit(context.Background(), e.alpha.ID, estate.Scope{All: true}, p.northUnit)
	must(t, err)
	if len(d.Occupants) != 1 || d.Unit.Kind != estate.Home || d.Unit.Area != 8950 {
		t.Errorf("unit changed by refused forms: %+v, %d occupants", d.Unit, len(d.Occupants))
	}
}

// The clerk's day: a manager adds a building and its units, a clerk records
// the owner of 101 with a phone, and then finds the owner by the last four
// digits, by the full number and by the unit's address.
func TestPortfolioFlow(t *testing.T) {
	e := newEnv(t)
	north := e.estates[0].ID.String()

	var b estate.Building
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/estates/" + north + "/buildings", as: "manager", json: map[string]any{"name": "7", "floors": 2}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create building: %d %s", resp.StatusCode, readBody(t, resp))
	}
	decode(t, resp, &b)
	var gen struct {
		Created int `json:"created"`
	}
	decode(t, e.do(request{method: "POST", path: "/api/v1/t/alpha/buildings/" + b.ID.String() + "/units", as: "manager",
		json: map[string]any{"from_floor": 1, "to_floor": 2, "per_floor": 2, "area": "89.50"}}), &gen)
	if gen.Created != 4 {
		t.Fatalf("generated %d units, want 4", gen.Created)
	}
	grid := func() []estate.Floor {
		var g struct {
			Floors []estate.Floor `json:"floors"`
		}
		decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/buildings/" + b.ID.String(), as: "clerk"}), &g)
		return g.Floors
	}
	floors := grid()
	if len(floors) != 2 || floors[0].Floor != 2 || len(floors[1].Units) != 2 || floors[1].Units[0].Code != "7-101" || floors[1].Units[0].Area.String() != "89.50" {
		t.Fatalf("grid: %+v", floors)
	}
	unit := floors[1].Units[0].ID.String()

	// The clerk records the owner through the browser form.
	resp = e.do(request{method: "POST", path: "/t/alpha/units/" + unit + "/persons", as: "clerk", form: url.Values{
		"name": {"张三"}, "phones": {"138 0013 8000"}, "relation": {"owner"}, "primary_contact": {"true"}, "from": {"2024-03-01"}}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/t/alpha/units/"+unit {
		t.Fatalf("add owner: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	search := func(q string) estate.Results {
		var res estate.Results
		decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/search?q=" + url.QueryEscape(q), as: "clerk"}), &res)
		return res
	}
	for _, q := range []string{"8000", "13800138000", "+86 138 0013 8000", "张"} {
		res := search(q)
		if len(res.Persons) != 1 || res.Persons[0].Name != "张三" || res.Persons[0].UnitCode != "7-101" || res.Persons[0].Phone != "13800138000" {
			t.Errorf("search %q: persons %+v", q, res.Persons)
		}
	}
	for _, q := range []string{"7-101", "7栋101", "7栋101室"} {
		res := search(q)
		if len(res.Units) != 1 || res.Units[0].Code != "7-101" || res.Units[0].Contact != "张三" {
			t.Errorf("search %q: units %+v", q, res.Units)
		}
	}
	if res := search("9999"); len(res.Persons)+len(res.Units) != 0 {
		t.Errorf("search 9999: %+v", res)
	}

	// The box in the top bar answers a fragment, the page a whole page.
	resp = e.do(request{method: "GET", path: "/t/alpha/search?box=1&q=8000", as: "clerk", header: map[string]string{"HX-Request": "true"}})
	body := readBody(t, resp)
	if resp.StatusCode != 200 || strings.Contains(body, "<html") || !strings.Contains(body, "张三") || !strings.Contains(body, "138 0013 8000") || !strings.Contains(body, "7-101") {
		t.Errorf("search box: %d %s", resp.StatusCode, body)
	}
	resp = e.do(request{method: "GET", path: "/t/alpha/search?box=1&q=", as: "clerk", header: map[string]string{"HX-Request": "true"}})
	if body := readBody(t, resp); body != "" {
		t.Errorf("empty search box answered %q, want nothing", body)
	}
	resp = e.do(request{method: "GET", path: "/t/alpha/search?q=7-101", as: "clerk"})
	if body := readBody(t, resp); !strings.Contains(body, "<html") || !strings.Contains(body, `href="/t/alpha/units/`+unit+`"`) {
		t.Errorf("search page lacks the unit link")
	}

	// The grid shows the owner on 101; the unit page the dialable phone.
	resp = e.do(request{method: "GET", path: "/t/alpha/buildings/" + b.ID.String(), as: "clerk"})
	if body := readBody(t, resp); !strings.Contains(body, "cell st-vacant") || !strings.Contains(body, "<span>张三</span>") {
		t.Errorf("grid page lacks the owner of 101")
	}
	resp = e.do(request{method: "GET", path: "/t/alpha/units/" + unit, as: "clerk"})
	body = readBody(t, resp)
	for _, w := range []string{`href="tel:13800138000"`, "138 0013 8000", "主要联系人", "2024-03-01", "89.50 m²", `id="unit-tickets"`} {
		if !strings.Contains(body, w) {
			t.Errorf("unit page lacks %q", w)
		}
	}

	// The estate counts them.
	var d estate.EstateDetail
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/estates/" + north, as: "clerk"}), &d)
	if d.Buildings != 1 || d.Units != 4 || d.People != 1 {
		t.Errorf("estate counts: %+v", d)
	}

	// The owner sells: the link ends and leaves the search and the grid.
	var u estate.UnitDetail
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/units/" + unit, as: "clerk"}), &u)
	if len(u.Occupants) != 1 || !u.Occupants[0].Link.PrimaryContact {
		t.Fatalf("occupants: %+v", u.Occupants)
	}
	resp = e.do(request{method: "POST", path: "/t/alpha/links/" + u.Occupants[0].Link.ID.String() + "/end", as: "clerk",
		form: url.Values{"next": {"/t/alpha/units/" + unit}}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/t/alpha/units/"+unit {
		t.Errorf("end link: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if res := search("8000"); len(res.Persons) != 0 {
		t.Errorf("ended link still found: %+v", res.Persons)
	}
	if g := grid(); g[1].Units[0].Contact != "" {
		t.Errorf("grid contact after move-out: %q", g[1].Units[0].Contact)
	}
	resp = e.do(request{method: "GET", path: "/t/alpha/units/" + unit, as: "clerk"})
	if body := readBody(t, resp); !strings.Contains(body, "历史业主与住户") {
		t.Errorf("unit page lacks the history")
	}
}

// Hours and holidays typed in the form are kept; editing the details
// afterwards leaves them alone; archiving moves the estate to its own list.
func TestEstateCalendarAndArchive(t *testing.T) {
	e := newEnv(t)
	north := e.estates[0].ID.String()
	resp := e.do(request{method: "POST", path: "/t/alpha/estates/" + north + "/calendar", as: "office_head", form: url.Values{
		"hours_1": {"8:00-12:00，14:00-18:00"}, "hours_2": {"08:30-17:30"}, "hours_6": {"09:00~12:00"},
		"holidays": {"2026-10-01~2026-10-03 国庆节\n2026/1/1 元旦"}, "workdays": {"2026-10-11 国庆调休"}}})
	expectStatus(t, resp, http.StatusSeeOther, "calendar form")
	resp = e.do(request{method: "POST", path: "/t/alpha/estates/" + north, as: "office_head", form: url.Values{
		"name": {"North"}, "address": {"北京路 1 号"}, "office_phone": {"0571-8888 6666"}}})
	expectStatus(t, resp, http.StatusSeeOther, "details form")

	var d estate.EstateDetail
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/estates/" + north, as: "clerk"}), &d)
	h := d.Estate.BusinessHours
	if len(h) != 3 || len(h[1]) != 2 || h[1][0].From != "08:00" || h[1][1].To != "18:00" || h[6][0].From != "09:00" || len(h[0]) != 0 {
		t.Errorf("hours: %+v", h)
	}
	if len(d.Days) != 5 || d.Days[0].Day != "2026-01-01" || d.Days[1].Name != "国庆节" || d.Days[4].Kind != estate.Workday {
		t.Errorf("days: %+v", d.Days)
	}
	if d.Estate.Address != "北京路 1 号" {
		t.Errorf("address %q", d.Estate.Address)
	}
	resp = e.do(request{method: "GET", path: "/t/alpha/estates/" + north, as: "clerk"})
	body := readBody(t, resp)
	for _, w := range []string{"2026-10-01 ~ 2026-10-03 国庆节", "08:00-12:00, 14:00-18:00", "tel:057188886666", "北京路 1 号"} {
		if !strings.Contains(body, w) {
			t.Errorf("estate page lacks %q", w)
		}
	}
	if strings.Contains(body, "calendar-form") || strings.Contains(body, "estate-archive") {
		t.Errorf("clerk sees forms of office heads or managers")
	}

	// Archive South: it leaves the list and waits among the archived.
	south := e.estates[1].ID.String()
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/t/alpha/estates/" + south + "/archive", as: "manager"}), http.StatusNoContent, "archive")
	var list struct {
		Estates  []estate.Estate `json:"estates"`
		Archived []estate.Estate `json:"archived"`
	}
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/estates", as: "manager"}), &list)
	if len(list.Estates) != 1 || len(list.Archived) != 1 || list.Archived[0].Name != "South" {
		t.Errorf("after archiving: %+v", list)
	}
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/estates", as: "assistant"}), &list)
	if len(list.Archived) != 0 {
		t.Errorf("assistant sees the archived list: %+v", list.Archived)
	}
	resp = e.do(request{method: "GET", path: "/t/alpha/estates", as: "manager"})
	if body := readBody(t, resp); !strings.Contains(body, "archived-estates") || !strings.Contains(body, "/estates/"+south+"/restore") {
		t.Errorf("estates page lacks the restore button")
	}
	resp = e.do(request{method: "POST", path: "/t/alpha/estates/" + south + "/restore", as: "manager", form: url.Values{}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/t/alpha/estates/"+south {
		t.Errorf("restore: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/estates", as: "manager"}), &list)
	if len(list.Estates) != 2 || len(list.Archived) != 0 {
		t.Errorf("after restoring: %+v", list)
	}
}

// The top bar carries the search box and the estates link for those who
// may read estates, and neither for a worker.
func TestPortfolioNavigation(t *testing.T) {
	e := newEnv(t)
	resp := e.do(request{method: "GET", path: "/t/alpha/", as: "clerk"})
	body := readBody(t, resp)
	for _, w := range []string{`id="topsearch-q"`, `href="/t/alpha/estates"`, `href="/t/alpha/estates/` + e.estates[0].ID.String() + `"`} {
		if !strings.Contains(body, w) {
			t.Errorf("clerk's home lacks %q", w)
		}
	}
	resp = e.do(request{method: "GET", path: "/t/alpha/", as: "worker"})
	body = readBody(t, resp)
	if strings.Contains(body, `id="topsearch-q"`) || strings.Contains(body, `href="/t/alpha/estates`) {
		t.Errorf("worker sees the portfolio")
	}
}
