package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/team"
)

var (
	readTeams   = []string{"document_controller", "worker"}
	manageTeams = belowOfficeHd
	allScope    = estate.Scope{All: true}
)

// seedTeam gives an estate a maintenance team led by alpha's team leader.
func (e *env) seedTeam(estateID uuid.UUID, name string) *team.Team {
	e.t.Helper()
	var leader *uuid.UUID
	if estateID == e.estates[0].ID {
		leader = &e.actors["team_leader"].user.ID
	}
	tm, err := team.NewService(e.db).Create(context.Background(), e.alpha.ID, allScope, estateID, team.Maintenance, name, leader)
	must(e.t, err)
	return tm
}

// teamReplacer fills the placeholders of team scenarios; {north}, {south}
// and {worker} are left to env.expand.
func (e *env) teamReplacer(tm *team.Team) *strings.Replacer {
	return strings.NewReplacer("{team}", tm.ID.String(), "{team_leader}", e.actors["team_leader"].user.ID.String())
}

func withReplacer(s scenario, r *strings.Replacer) scenario {
	s.path = r.Replace(s.path)
	if s.form != nil {
		f := url.Values{}
		for k, vs := range s.form {
			for _, v := range vs {
				f.Add(k, r.Replace(v))
			}
		}
		s.form = f
	}
	if m, ok := s.json.(map[string]any); ok {
		out := map[string]any{}
		for k, v := range m {
			switch x := v.(type) {
			case string:
				out[k] = r.Replace(x)
			case []string:
				xs := make([]string, len(x))
				for i, y := range x {
					xs[i] = r.Replace(y)
				}
				out[k] = xs
			default:
				out[k] = v
			}
		}
		s.json = out
	}
	return s
}

func teamScenarios() []scenario {
	create := url.Values{"kind": {"cleaning"}, "name": {"保洁二班"}, "leader_id": {"{team_leader}"}}
	edit := url.Values{"kind": {"maintenance"}, "name": {"维修一班"}, "leader_id": {""}}
	members := url.Values{"user_ids": {"{worker}", "{team_leader}"}}
	const teams = "/t/alpha/estates/{north}/teams"
	const api = "/api/v1" + teams
	return []scenario{
		{method: "GET", path: teams, allowed: "team_leader", denied: readTeams, want: 200},
		{method: "POST", path: teams, form: create, allowed: "office_head", denied: manageTeams, want: 303},
		{method: "POST", path: teams + "/{team}", form: edit, allowed: "office_head", denied: manageTeams, want: 303},
		{method: "POST", path: teams + "/{team}/members", form: members, allowed: "office_head", denied: manageTeams, want: 303},
		{method: "POST", path: teams + "/{team}/archive", form: url.Values{}, allowed: "office_head", denied: manageTeams, want: 303},

		{method: "GET", path: api, allowed: "team_leader", denied: readTeams, want: 200},
		{method: "GET", path: api + "/{team}", allowed: "clerk", denied: readTeams, want: 200},
		{method: "POST", path: api, allowed: "office_head", denied: manageTeams, want: 201,
			json: map[string]any{"kind": "cleaning", "name": "保洁二班", "leader_id": "{team_leader}"}},
		{method: "POST", path: api + "/{team}", allowed: "office_head", denied: manageTeams, want: 200,
			json: map[string]any{"kind": "maintenance", "name": "维修一班", "leader_id": "{team_leader}"}},
		{method: "POST", path: api + "/{team}/members", allowed: "office_head", denied: manageTeams, want: 200,
			json: map[string]any{"user_ids": []string{"{worker}", "{team_leader}"}}},
		{method: "POST", path: api + "/{team}/archive", allowed: "office_head", denied: manageTeams, want: 200},
	}
}

// Every team route: anonymous, another tenant's member, each role without
// the permission, and the least privileged role with it.
func TestTeamRoutesScenarios(t *testing.T) {
	for _, s := range teamScenarios() {
		t.Run(s.method+" "+s.path, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			s := withReplacer(s, e.teamReplacer(e.seedTeam(e.estates[0].ID, "维修")))
			api := strings.HasPrefix(s.path, "/api/")

			resp := e.do(e.scenarioRequest(s, ""))
			if api {
				expectStatus(t, resp, http.StatusUnauthorized, "anonymous")
			} else if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
				t.Errorf("anonymous: %d %s, want redirect to /login", resp.StatusCode, resp.Header.Get("Location"))
			}
			expectStatus(t, e.do(e.scenarioRequest(s, "other")), http.StatusNotFound, "member of another tenant")
			for _, role := range s.denied {
				expectStatus(t, e.do(e.scenarioRequest(s, role)), http.StatusForbidden, role)
			}
			expectStatus(t, e.do(e.scenarioRequest(s, s.allowed)), s.want, s.allowed)
		})
	}
}

// Estate scope: staff assigned to North do not see South's teams, not even
// through North's path; company-wide roles see both.
func TestTeamEstateScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	south := e.seedTeam(e.estates[1].ID, "南区维修")
	north := e.seedTeam(e.estates[0].ID, "维修")
	southPath := "/t/alpha/estates/" + e.estates[1].ID.String() + "/teams"
	northPath := "/t/alpha/estates/" + e.estates[0].ID.String() + "/teams"
	body := map[string]any{"kind": "custom", "name": "x"}
	for _, r := range []request{
		{method: "GET", path: southPath, as: "office_head"},
		{method: "GET", path: "/api/v1" + southPath, as: "office_head"},
		{method: "GET", path: "/api/v1" + southPath, as: "clerk"},
		{method: "GET", path: "/api/v1" + southPath, as: "team_leader"},
		{method: "GET", path: "/api/v1" + southPath + "/" + south.ID.String(), as: "office_head"},
		{method: "GET", path: "/api/v1" + northPath + "/" + south.ID.String(), as: "office_head"},
		{method: "POST", path: "/api/v1" + southPath, as: "office_head", json: body},
		{method: "POST", path: southPath, as: "office_head", form: url.Values{"kind": {"custom"}, "name": {"x"}}},
		{method: "POST", path: "/api/v1" + southPath + "/" + south.ID.String(), as: "office_head", json: body},
		{method: "POST", path: "/api/v1" + northPath + "/" + south.ID.String(), as: "office_head", json: body},
		{method: "POST", path: "/api/v1" + southPath + "/" + south.ID.String() + "/members", as: "office_head", json: map[string]any{"user_ids": []string{}}},
		{method: "POST", path: "/api/v1" + southPath + "/" + south.ID.String() + "/archive", as: "office_head"},
		// Another tenant's manager asking for alpha's estate under bravo.
		{method: "GET", path: "/api/v1/t/bravo/estates/" + e.estates[0].ID.String() + "/teams", as: "other"},
		{method: "GET", path: "/api/v1/t/alpha/estates/not-a-uuid/teams", as: "manager"},
		{method: "GET", path: "/api/v1/t/alpha/estates/" + uuid.NewString() + "/teams", as: "manager"},
	} {
		expectStatus(t, e.do(r), http.StatusNotFound, r.as+" "+r.method+" "+r.path)
	}
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1" + southPath, as: "assistant"}), http.StatusOK, "assistant, South")
	expectStatus(t, e.do(request{method: "GET", path: southPath, as: "manager"}), http.StatusOK, "manager, South page")
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1" + northPath + "/" + north.ID.String(), as: "office_head"}), http.StatusOK, "office head, North team")
}

func problemCode(t *testing.T, e *env, r request, status int, code string) {
	t.Helper()
	resp := e.do(r)
	var p map[string]any
	decode(t, resp, &p)
	if resp.StatusCode != status || p["code"] != code || p["title"] == "" || p["title"] == "error."+code {
		t.Errorf("%s %s %v: %d %v, want %d %s", r.method, r.path, r.json, resp.StatusCode, p, status, code)
	}
}

// The API life of a team: create, refuse what breaks the rules with a
// stable code, staff it, list it, archive it.
func TestTeamAPIFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.addActor("south_worker", e.alpha, account.Access{Roles: []string{"worker"}, EstateIDs: []uuid.UUID{e.estates[1].ID}})
	base := "/api/v1/t/alpha/estates/" + e.estates[0].ID.String() + "/teams"
	leader := e.actors["team_leader"].user.ID.String()
	worker := e.actors["worker"].user.ID.String()

	resp := e.do(request{method: "POST", path: base, as: "office_head", json: map[string]any{"kind": "security", "name": " 安管 ", "leader_id": leader}})
	var created struct {
		ID     string `json:"id"`
		Kind   string `json:"kind"`
		Name   string `json:"name"`
		Leader *struct {
			Name string `json:"name"`
		} `json:"leader"`
		Members []any `json:"members"`
	}
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, readBody(t, resp))
	}
	decode(t, resp, &created)
	if created.Name != "安管" || created.Kind != "security" || created.Leader == nil || created.Leader.Name != "Team_leader" || created.Members == nil {
		t.Errorf("created %+v", created)
	}

	for _, c := range []struct {
		body   map[string]any
		status int
		code   string
	}{
		{map[string]any{"kind": "security", "name": "安管"}, 409, "team_name_taken"},
		{map[string]any{"kind": "security", "name": ""}, 422, "invalid_team_name"},
		{map[string]any{"kind": "security", "name": strings.Repeat("安", 51)}, 422, "invalid_team_name"},
		{map[string]any{"kind": "plumbing", "name": "水电"}, 422, "invalid_team_kind"},
		{map[string]any{"kind": "custom", "name": "水电", "leader_id": worker}, 422, "team_leader_ineligible"},
		{map[string]any{"kind": "custom", "name": "水电", "leader_id": e.actors["clerk"].user.ID.String()}, 422, "team_leader_ineligible"},
		{map[string]any{"kind": "custom", "name": "水电", "leader_id": e.actors["other"].user.ID.String()}, 422, "team_leader_ineligible"},
		{map[string]any{"kind": "custom", "name": "水电", "leader_id": "not-a-uuid"}, 422, "team_leader_ineligible"},
	} {
		problemCode(t, e, request{method: "POST", path: base, as: "office_head", json: c.body}, c.status, c.code)
	}

	teamPath := base + "/" + created.ID
	problemCode(t, e, request{method: "POST", path: teamPath + "/members", as: "office_head",
		json: map[string]any{"user_ids": []string{worker, e.actors["south_worker"].user.ID.String()}}}, 422, "team_staff_outside_estate")
	problemCode(t, e, request{method: "POST", path: teamPath + "/members", as: "office_head",
		json: map[string]any{"user_ids": []string{e.actors["clerk"].user.ID.String()}}}, 422, "team_member_ineligible")
	expectStatus(t, e.do(request{method: "POST", path: teamPath + "/members", as: "office_head",
		json: map[string]any{"user_ids": []string{worker, leader}}}), http.StatusOK, "set members")

	var list struct {
		Estate struct {
			Name string `json:"name"`
		} `json:"estate"`
		Teams []struct {
			Name    string `json:"name"`
			Members []struct {
				Name   string `json:"name"`
				Email  string `json:"email"`
				Active bool   `json:"active"`
			} `json:"members"`
		} `json:"teams"`
		Candidates []struct {
			Name    string `json:"name"`
			CanLead bool   `json:"can_lead"`
		} `json:"candidates"`
	}
	resp = e.do(request{method: "GET", path: base, as: "team_leader"})
	decode(t, resp, &list)
	if list.Estate.Name != "North" || len(list.Teams) != 1 || len(list.Teams[0].Members) != 2 ||
		list.Teams[0].Members[0].Name != "Team_leader" || list.Teams[0].Members[1].Email != "worker@alpha.example.com" {
		t.Errorf("list %+v", list)
	}
	if len(list.Candidates) != 0 {
		t.Errorf("a team leader (team:read only) got candidates %+v", list.Candidates)
	}
	list.Candidates = nil
	decode(t, e.do(request{method: "GET", path: base, as: "office_head"}), &list)
	if len(list.Candidates) != 2 || !list.Candidates[0].CanLead || list.Candidates[1].CanLead {
		t.Errorf("candidates %+v", list.Candidates)
	}

	expectStatus(t, e.do(request{method: "POST", path: teamPath + "/archive", as: "office_head"}), http.StatusOK, "archive")
	problemCode(t, e, request{method: "POST", path: teamPath + "/archive", as: "office_head"}, 409, "archived")
	problemCode(t, e, request{method: "POST", path: teamPath, as: "office_head", json: map[string]any{"kind": "security", "name": "安管"}}, 409, "archived")

	must(t, e.db.InTenant(context.Background(), e.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*estate.Estate)(nil)).Set("archived_at = ?", time.Now().UTC()).
			Where("tenant_id = ? AND id = ?", e.alpha.ID, e.estates[0].ID).Exec(ctx)
		return err
	}))
	problemCode(t, e, request{method: "POST", path: base, as: "office_head", json: map[string]any{"kind": "custom", "name": "新班组"}}, 409, "archived")
	expectStatus(t, e.do(request{method: "GET", path: base, as: "office_head"}), http.StatusOK, "an archived estate's teams stay readable")
}

// The page shows teams with leader and members; only team:manage gets the
// forms; a browser form creates and staffs a team.
func TestTeamsPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := e.seedTeam(e.estates[0].ID, "维修")
	page := "/t/alpha/estates/" + e.estates[0].ID.String() + "/teams"

	body := readBody(t, e.do(request{method: "GET", path: page, as: "office_head"}))
	for _, want := range []string{"North · 班组", "维修", "Team_leader", `id="team-create"`, page + "/" + tm.ID.String() + "/members", `name="user_ids"`, "暂无成员"} {
		if !strings.Contains(body, want) {
			t.Errorf("office head's page lacks %q", want)
		}
	}
	body = readBody(t, e.do(request{method: "GET", path: page, as: "clerk"}))
	if !strings.Contains(body, "Team_leader") || strings.Contains(body, `id="team-create"`) || strings.Contains(body, "/archive") {
		t.Error("a clerk sees the teams but no forms")
	}
	body = readBody(t, e.do(request{method: "GET", path: page, as: "manager", header: map[string]string{"Accept-Language": "en"}}))
	if !strings.Contains(body, "Work teams of North") || !strings.Contains(body, "Maintenance") {
		t.Error("English page")
	}

	resp := e.do(request{method: "POST", path: page, as: "office_head", form: url.Values{"kind": {"landscaping"}, "name": {"绿化"}, "leader_id": {""}}})
	expectStatus(t, resp, http.StatusSeeOther, "create by form")
	if loc := resp.Header.Get("Location"); loc != page {
		t.Errorf("redirect to %q", loc)
	}
	resp = e.do(request{method: "POST", path: page + "/" + tm.ID.String() + "/members", as: "office_head",
		form: url.Values{"user_ids": {e.actors["worker"].user.ID.String()}}})
	expectStatus(t, resp, http.StatusSeeOther, "members by form")
	body = readBody(t, e.do(request{method: "GET", path: page, as: "office_head"}))
	if !strings.Contains(body, "绿化") || !strings.Contains(body, "<li>Worker") {
		t.Error("page after the forms lacks the new team or the member")
	}
	expectStatus(t, e.do(request{method: "POST", path: page + "/" + tm.ID.String() + "/archive", as: "office_head", form: url.Values{}}), http.StatusSeeOther, "archive by form")
	body = readBody(t, e.do(request{method: "GET", path: page, as: "office_head"}))
	if !strings.Contains(body, `id="archived-teams"`) {
		t.Error("archived team not listed apart")
	}
	// A refused form shows the translated reason.
	resp = e.do(request{method: "POST", path: page, as: "office_head", form: url.Values{"kind": {"custom"}, "name": {"绿化"}}})
	if body := readBody(t, resp); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "同名") {
		t.Errorf("duplicate by form: %d", resp.StatusCode)
	}
}

// Duty: the team leader (ticket:assign) puts members on and off duty.
func TestTeamDuty(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	worker := e.actors["worker"].user.ID
	north := e.seedTeam(e.estates[0].ID, "维修")
	_, err := team.NewService(e.db).SetMembers(context.Background(), e.alpha.ID, allScope, e.estates[0].ID, north.ID, []uuid.UUID{worker})
	must(t, err)
	south := e.seedTeam(e.estates[1].ID, "南区维修")
	page := "/t/alpha/estates/" + e.estates[0].ID.String() + "/teams"
	path := page + "/" + north.ID.String() + "/duty"
	off := map[string]any{"user_id": worker.String(), "on_duty": false}

	resp := e.do(request{method: "POST", path: "/api/v1" + path, json: off})
	expectStatus(t, resp, http.StatusUnauthorized, "anonymous")
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/t/bravo/estates/" + e.estates[0].ID.String() + "/teams/" + north.ID.String() + "/duty", as: "other", json: off}), http.StatusNotFound, "other tenant")
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1" + path, as: "other", json: off}), http.StatusNotFound, "other tenant, alpha's path")
	for _, role := range []string{"clerk", "worker", "document_controller"} {
		expectStatus(t, e.do(request{method: "POST", path: "/api/v1" + path, as: role, json: off}), http.StatusForbidden, role)
	}
	southPath := "/api/v1/t/alpha/estates/" + e.estates[1].ID.String() + "/teams/" + south.ID.String() + "/duty"
	expectStatus(t, e.do(request{method: "POST", path: southPath, as: "team_leader", json: off}), http.StatusNotFound, "South team, North leader")
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1" + path, as: "team_leader",
		json: map[string]any{"user_id": uuid.NewString(), "on_duty": false}}), http.StatusNotFound, "not a member")

	var tm team.Team
	decode(t, e.do(request{method: "POST", path: "/api/v1" + path, as: "team_leader", json: off}), &tm)
	if len(tm.Members) != 1 || tm.Members[0].OnDuty {
		t.Fatalf("after off duty: %+v", tm.Members)
	}
	body := readBody(t, e.do(request{method: "GET", path: page, as: "team_leader"}))
	if !strings.Contains(body, "/duty") || !strings.Contains(body, `value="true"`) {
		t.Fatal("the team page offers no way back on duty")
	}
	expectStatus(t, e.do(request{method: "POST", path: path, as: "team_leader", form: url.Values{"user_id": {worker.String()}, "on_duty": {"true"}}}), http.StatusSeeOther, "on duty by form")
}
