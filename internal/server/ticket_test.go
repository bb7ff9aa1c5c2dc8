package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/team"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// pngBytes starts like every PNG file, which is all the type sniffing
// reads.
var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 64)...)

// ticketWorld is what the ticket tests seed: the portfolio (units 1-101
// with 张三 in North, 9-101 in South), a maintenance team in North led by
// the team leader with the worker as member, and one in South.
type ticketWorld struct {
	e         *env
	p         *portfolio
	north     *team.Team
	south     *team.Team
	dispatch  ticket.Actor // the manager, who may do everything
	ctx       context.Context
	northUnit uuid.UUID
}

func (e *env) seedTickets() *ticketWorld {
	e.t.Helper()
	w := &ticketWorld{e: e, p: e.seedPortfolio(), ctx: context.Background()}
	w.north = e.seedTeam(e.estates[0].ID, "维修一班")
	tm, err := team.NewService(e.db).SetMembers(w.ctx, e.alpha.ID, allScope, e.estates[0].ID, w.north.ID,
		[]uuid.UUID{e.actors["worker"].user.ID, e.actors["team_leader"].user.ID})
	must(e.t, err)
	w.north = tm
	w.south = e.seedTeam(e.estates[1].ID, "南区维修")
	w.dispatch = ticket.Actor{UserID: e.actors["manager"].user.ID, Scope: allScope, Dispatcher: true, Sensitive: true, Lang: "zh-CN"}
	w.northUnit = w.p.northUnit
	return w
}

// ticketIn makes a repair ticket of the estate and moves it to state:
// received, dispatched (to the worker), pool (to the team, nobody named),
// accepted, in_progress, on_hold or completed.
func (w *ticketWorld) ticketIn(estateID uuid.UUID, state string) *ticket.Ticket {
	t := w.e.t
	t.Helper()
	in := ticket.Intake{EstateID: estateID, Channel: ticket.Phone, Type: ticket.Repair, Description: "卫生间漏水"}
	teamID := w.south.ID
	var worker *uuid.UUID
	if estateID == w.e.estates[0].ID {
		in.UnitID, in.PersonID = &w.p.northUnit, &w.p.northPerson
		teamID = w.north.ID
		worker = &w.e.actors["worker"].user.ID
	} else {
		in.CallerName = "南区来电"
	}
	made, err := w.e.tickets.Create(w.ctx, w.e.alpha, w.dispatch, in, "", false)
	must(t, err)
	id := made.Ticket.ID
	steps := map[string][]string{
		"received": nil, "pool": {"pool"}, "dispatched": {"dispatch"},
		"accepted": {"dispatch", "accept"}, "in_progress": {"dispatch", "accept", "start"},
		"on_hold":   {"dispatch", "accept", "start", "hold"},
		"completed": {"dispatch", "accept", "start", "complete"},
	}[state]
	for _, step := range steps {
		switch step {
		case "pool":
			_, err = w.e.tickets.Dispatch(w.ctx, w.e.alpha, w.dispatch, id, ticket.Assignment{TeamID: &teamID, Mode: ticket.Grab})
		case "dispatch":
			_, err = w.e.tickets.Dispatch(w.ctx, w.e.alpha, w.dispatch, id, ticket.Assignment{TeamID: &teamID, WorkerID: worker, Mode: ticket.Direct})
		case "accept":
			_, err = w.e.tickets.Accept(w.ctx, w.e.alpha, w.dispatch, id, "")
		case "start":
			_, err = w.e.tickets.Start(w.ctx, w.e.alpha, w.dispatch, id, "")
		case "hold":
			_, err = w.e.tickets.Hold(w.ctx, w.e.alpha, w.dispatch, id, "等配件")
		case "complete":
			_, err = w.e.tickets.Complete(w.ctx, w.e.alpha, w.dispatch, id, "已修好")
		}
		must(t, err)
	}
	tk, err := w.e.tickets.Get(w.ctx, w.e.alpha.ID, w.dispatch, id)
	must(t, err)
	return tk.Ticket
}

// attach puts a file on a ticket through the service.
func (w *ticketWorld) attach(id uuid.UUID, name string, body []byte) ticket.Attachment {
	w.e.t.Helper()
	as, err := w.e.tickets.Attach(w.ctx, w.e.alpha, w.dispatch, id, []ticket.Upload{{Filename: name, Body: bytes.NewReader(body)}})
	must(w.e.t, err)
	return as[0]
}

// upload is a file of a multipart request.
type upload struct {
	name string
	body []byte
}

// multipartBody encodes fields and files ("files") as multipart/form-data.
func multipartBody(t *testing.T, fields map[string]string, files []upload) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		must(t, mw.WriteField(k, v))
	}
	for _, f := range files {
		fw, err := mw.CreateFormFile("files", f.name)
		must(t, err)
		_, err = fw.Write(f.body)
		must(t, err)
	}
	must(t, mw.Close())
	return buf.Bytes(), mw.FormDataContentType()
}

// doMultipart posts a multipart form in the name of an actor, as e.do
// does for other bodies.
func (e *env) doMultipart(path, as string, fields map[string]string, files []upload) *http.Response {
	e.t.Helper()
	body, ctype := multipartBody(e.t, fields, files)
	req := httptest.NewRequest("POST", path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	api := strings.HasPrefix(path, "/api/")
	switch {
	case as != "" && api:
		req.Header.Set("Authorization", "Bearer "+e.actors[as].bearer())
	case as != "":
		req.AddCookie(&http.Cookie{Name: "ed_session", Value: e.actors[as].cookie()})
		req.Header.Set("X-CSRF-Token", e.actors[as].session.CSRFToken)
	case !api:
		const anon = "anonymous-csrf-token-0123456789abcdef"
		req.AddCookie(&http.Cookie{Name: "ed_csrf", Value: anon})
		req.Header.Set("X-CSRF-Token", anon)
	}
	resp, err := e.app.Test(req, 10_000)
	must(e.t, err)
	return resp
}

// ticketScenario is one ticket route: the state the ticket must be in,
// the body (a form for a browser, JSON for the API, or files), the least
// privileged role that may call it and the roles that get 403.
type ticketScenario struct {
	method, path string
	state        string
	body         map[string]any
	files        []upload
	allowed      string
	denied       []string
	want         int
}

var (
	notReaders  = []string{"document_controller"}
	notCreators = []string{"worker", "team_leader", "document_controller"}
	notAssigner = []string{"clerk", "worker", "document_controller"}
)

func ticketScenarios() []ticketScenario {
	const h, a = "/t/alpha", "/api/v1/t/alpha"
	create := map[string]any{"estate_id": "{north}", "unit_id": "{unit}", "type": "repair", "channel": "phone", "description": "厨房水管漏水"}
	photo := []upload{{"leak.png", pngBytes}}
	send := map[string]any{"team_id": "{team}", "worker_id": "{worker}", "reason": "转维修一班"}
	callback := map[string]any{"reached": true, "overall": 5, "speed": 4, "attitude": 5, "comment": "满意"}
	var out []ticketScenario
	add := func(method, path, state string, body map[string]any, files []upload, allowed string, denied []string, wantHTML, wantAPI int) {
		if wantHTML != 0 {
			out = append(out, ticketScenario{method, h + path, state, body, files, allowed, denied, wantHTML})
		}
		if wantAPI != 0 {
			out = append(out, ticketScenario{method, a + path, state, body, files, allowed, denied, wantAPI})
		}
	}
	add("GET", "/tickets/new?unit={unit}", "", nil, nil, "clerk", notCreators, 200, 0)
	add("GET", "/tickets/new/lookup?q=1-101", "", nil, nil, "clerk", notCreators, 200, 0)
	add("GET", "/tickets/preview?estate_id={north}&type=repair", "", nil, nil, "clerk", notCreators, 200, 200)
	add("POST", "/tickets", "", create, nil, "clerk", notCreators, 303, 201)
	add("GET", "/tickets/{ticket}", "dispatched", nil, nil, "worker", notReaders, 200, 200)
	add("POST", "/tickets/{ticket}/dispatch", "received", send, nil, "clerk", notCreators, 303, 200)
	add("POST", "/tickets/{ticket}/transfer", "dispatched", send, nil, "clerk", notCreators, 303, 200)
	add("POST", "/tickets/{ticket}/assign", "pool", map[string]any{"worker_id": "{worker}"}, nil, "team_leader", notAssigner, 303, 200)
	add("POST", "/tickets/{ticket}/claim", "pool", nil, nil, "worker", notReaders, 303, 200)
	add("POST", "/tickets/{ticket}/accept", "dispatched", nil, nil, "worker", notReaders, 303, 200)
	add("POST", "/tickets/{ticket}/start", "accepted", nil, nil, "worker", notReaders, 303, 200)
	add("POST", "/tickets/{ticket}/hold", "in_progress", map[string]any{"reason": "等业主在家"}, nil, "worker", notReaders, 303, 200)
	add("POST", "/tickets/{ticket}/resume", "on_hold", nil, nil, "worker", notReaders, 303, 200)
	add("POST", "/tickets/{ticket}/complete", "in_progress", map[string]any{"note": "已更换角阀"}, nil, "worker", notReaders, 303, 200)
	add("POST", "/tickets/{ticket}/return", "dispatched", map[string]any{"reason": "不是维修问题"}, nil, "worker", notReaders, 303, 200)
	add("POST", "/tickets/{ticket}/cancel", "received", map[string]any{"reason": "重复报事"}, nil, "clerk", notCreators, 303, 200)
	add("POST", "/tickets/{ticket}/close", "completed", map[string]any{"reason": "业主已电话确认修好"}, nil, "clerk", notCreators, 303, 200)
	add("POST", "/tickets/{ticket}/reopen", "completed", map[string]any{"reason": "业主再次来电"}, nil, "clerk", notCreators, 303, 200)
	// A worker comments and attaches on the tickets they hold.
	add("POST", "/tickets/{ticket}/comments", "dispatched", map[string]any{"body": "已电话联系业主", "owner_visible": true}, nil, "worker", notReaders, 303, 201)
	add("POST", "/tickets/{ticket}/attachments", "dispatched", map[string]any{"note": "现场"}, photo, "worker", notReaders, 303, 201)
	add("POST", "/tickets/{ticket}/callbacks", "completed", callback, nil, "clerk", notCreators, 303, 200)
	add("GET", "/attachments/{attachment}", "dispatched", nil, nil, "worker", notReaders, 200, 200)
	return out
}

// ticketRequest sends a scenario's request as an actor, with the seeded
// IDs filled in.
func (w *ticketWorld) ticketRequest(s ticketScenario, r *strings.Replacer, as string) *http.Response {
	e := w.e
	path := e.expand(r.Replace(s.path))
	api := strings.HasPrefix(path, "/api/")
	if s.files != nil {
		fields := map[string]string{}
		for k, v := range s.body {
			fields[k] = e.expand(r.Replace(fmt.Sprint(v)))
		}
		return e.doMultipart(path, as, fields, s.files)
	}
	req := request{method: s.method, path: path, as: as}
	switch {
	case s.body != nil && api:
		m := map[string]any{}
		for k, v := range s.body {
			if str, ok := v.(string); ok {
				v = e.expand(r.Replace(str))
			}
			m[k] = v
		}
		req.json = m
	case s.body != nil:
		req.form = url.Values{}
		for k, v := range s.body {
			req.form.Set(k, e.expand(r.Replace(fmt.Sprint(v))))
		}
	case s.method == "POST" && !api:
		req.form = url.Values{}
	}
	return e.do(req)
}

// Every ticket route, each face: anonymous, another tenant's manager,
// each role without the permission, and the least privileged role with
// it, on a ticket in the state the move needs.
func TestTicketRoutesScenarios(t *testing.T) {
	for _, s := range ticketScenarios() {
		t.Run(s.method+" "+s.path, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.seedTickets()
			id := uuid.Nil
			attachment := uuid.Nil
			if s.state != "" {
				tk := w.ticketIn(e.estates[0].ID, s.state)
				id = tk.ID
				attachment = w.attach(id, "现场.png", pngBytes).ID
			}
			r := strings.NewReplacer("{ticket}", id.String(), "{attachment}", attachment.String(), "{team}", w.north.ID.String(),
				"{unit}", w.p.northUnit.String(), "{person}", w.p.northPerson.String())
			api := strings.HasPrefix(s.path, "/api/")

			resp := w.ticketRequest(s, r, "")
			if api {
				expectStatus(t, resp, http.StatusUnauthorized, "anonymous")
			} else if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
				t.Errorf("anonymous: %d %s, want redirect to /login", resp.StatusCode, resp.Header.Get("Location"))
			}
			expectStatus(t, w.ticketRequest(s, r, "other"), http.StatusNotFound, "member of another tenant")
			for _, role := range s.denied {
				expectStatus(t, w.ticketRequest(s, r, role), http.StatusForbidden, role)
			}
			resp = w.ticketRequest(s, r, s.allowed)
			expectStatus(t, resp, s.want, s.allowed)
			if s.want == http.StatusSeeOther && s.state != "" {
				if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/t/alpha/tickets/"+id.String()) {
					t.Errorf("redirect to %q, want the ticket's page", loc)
				}
			}
		})
	}
}

// Staff assigned to North neither see nor touch a South ticket, through
// any route; the manager does.
func TestTicketEstateScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	south := w.ticketIn(e.estates[1].ID, "received")
	at := w.attach(south.ID, "south.png", pngBytes)
	r := strings.NewReplacer("{ticket}", south.ID.String(), "{attachment}", at.ID.String(), "{team}", w.south.ID.String(),
		"{unit}", w.p.southUnit.String(), "{person}", w.p.southPerson.String())
	for _, s := range ticketScenarios() {
		if s.state == "" && s.method == "GET" {
			continue
		}
		as := "clerk"
		if strings.HasSuffix(s.path, "/assign") {
			as = "team_leader"
		}
		if s.state == "" {
			// Creating a ticket in an estate outside the scope.
			s.body = map[string]any{"estate_id": "{south}", "caller_name": "南区来电", "type": "repair", "channel": "phone", "description": "路灯不亮"}
		}
		resp := w.ticketRequest(s, r, as)
		if resp.StatusCode != http.StatusNotFound {
			body := readBody(t, resp)
			if i := strings.Index(body, `role="alert"`); i >= 0 {
				body = body[i:]
			}
			t.Errorf("%s %s %s: %d, want 404: %.300s", as, s.method, s.path, resp.StatusCode, body)
		}
	}
	for _, p := range []string{"/api/v1/t/alpha/tickets/", "/t/alpha/tickets/"} {
		expectStatus(t, e.do(request{method: "GET", path: p + south.ID.String(), as: "assistant"}), http.StatusOK, "assistant "+p)
	}
	expectStatus(t, e.do(request{method: "GET", path: "/t/alpha/tickets/not-a-uuid", as: "manager"}), http.StatusNotFound, "malformed ID")
	expectStatus(t, e.do(request{method: "GET", path: "/t/alpha/tickets/" + uuid.NewString(), as: "manager"}), http.StatusNotFound, "unknown ID")
}

// ticketJSON reads a ticket's detail through the API.
func (w *ticketWorld) detail(t *testing.T, id uuid.UUID, as string) ticket.Detail {
	t.Helper()
	resp := w.e.do(request{method: "GET", path: "/api/v1/t/alpha/tickets/" + id.String(), as: as})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("detail: %d %s", resp.StatusCode, readBody(t, resp))
	}
	var d ticket.Detail
	decode(t, resp, &d)
	return d
}

func kinds(d ticket.Detail) []string {
	var out []string
	for _, e := range d.Timeline {
		out = append(out, e.Kind)
	}
	return out
}

func page(t *testing.T, e *env, path, as string) string {
	t.Helper()
	resp := e.do(request{method: "GET", path: path, as: as})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %.300s", path, resp.StatusCode, readBody(t, resp))
	}
	return readBody(t, resp)
}

func expectRedirect(t *testing.T, resp *http.Response, to, who string) {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), to) {
		t.Fatalf("%s: %d → %q, want 303 → %s; body %.400s", who, resp.StatusCode, resp.Header.Get("Location"), to, readBody(t, resp))
	}
	resp.Body.Close()
}

// The life of a repair through the browser: the clerk takes it with a
// photo and dispatches it, the worker accepts, starts, adds a photo and
// completes on the phone, the clerk calls back and the owner is
// dissatisfied, which reopens it. The timeline tells all of it.
func TestTicketFlowThroughTheBrowser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	unit, person := w.p.northUnit.String(), w.p.northPerson.String()

	form := page(t, e, "/t/alpha/tickets/new?unit="+unit, "clerk")
	for _, want := range []string{`value="` + unit + `"`, `value="` + person + `"`, "1-101", "张三", `name="dispatch" value="true" checked`,
		`<option value="` + e.estates[0].ID.String() + `" selected>`, `<option value="` + e.actors["clerk"].user.ID.String() + `" selected>`} {
		if !strings.Contains(form, want) {
			t.Errorf("intake form lacks %q", want)
		}
	}

	resp := e.doMultipart("/t/alpha/tickets", "clerk", map[string]string{
		"estate_id": e.estates[0].ID.String(), "unit_id": unit, "person_id": person, "type": "repair", "channel": "phone",
		"priority": "urgent", "description": "卫生间天花板漏水", "preferred_time": "明天上午", "received_by": e.actors["worker"].user.ID.String(),
		"idempotency_key": uuid.NewString(),
	}, []upload{{"天花板.png", pngBytes}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d %.500s", resp.StatusCode, readBody(t, resp))
	}
	loc := resp.Header.Get("Location")
	id, err := uuid.Parse(strings.TrimPrefix(loc, "/t/alpha/tickets/"))
	must(t, err)
	base := "/t/alpha/tickets/" + id.String()

	d := w.detail(t, id, "clerk")
	if d.Ticket.Status != ticket.Received || d.UnitCode != "1-101" || d.PersonName != "张三" || d.Ticket.Priority != ticket.Urgent ||
		d.Ticket.ReceivedBy != e.actors["worker"].user.ID || d.Ticket.CallerName != "张三" || len(d.Attachments) != 1 {
		t.Fatalf("created %+v %+v", d.Ticket, d)
	}
	if d.Attachments[0].Filename != "天花板.png" || d.Attachments[0].ContentType != "image/png" {
		t.Errorf("attachment %+v", d.Attachments[0])
	}
	show := page(t, e, base, "clerk")
	for _, want := range []string{d.Ticket.Number, "已受理", "张三", "13800138000", "/t/alpha/attachments/" + d.Attachments[0].ID.String(),
		`id="dispatch-form"`, "维修一班", `id="action-cancel"`, "剩余"} {
		if !strings.Contains(show, want) {
			t.Errorf("ticket page lacks %q", want)
		}
	}
	if strings.Contains(show, `id="action-accept"`) {
		t.Error("a received ticket offers accept")
	}

	expectRedirect(t, e.do(request{method: "POST", path: base + "/dispatch", as: "clerk",
		form: url.Values{"team_id": {w.north.ID.String()}, "worker_id": {e.actors["worker"].user.ID.String()}}}), base, "dispatch")

	field := page(t, e, base, "worker")
	for _, want := range []string{`id="action-accept"`, `capture="environment"`, `accept="image/*"`, "已派工"} {
		if !strings.Contains(field, want) {
			t.Errorf("worker's page lacks %q", want)
		}
	}
	for _, refused := range []string{`id="dispatch-form"`, `id="action-cancel"`, `id="callback-form"`} {
		if strings.Contains(field, refused) {
			t.Errorf("worker's page offers %q", refused)
		}
	}
	expectRedirect(t, e.do(request{method: "POST", path: base + "/accept", as: "worker", form: url.Values{}}), base, "accept")
	expectRedirect(t, e.do(request{method: "POST", path: base + "/start", as: "worker", form: url.Values{}}), base, "start")
	expectRedirect(t, e.doMultipart(base+"/attachments", "worker", map[string]string{"note": "修好后"}, []upload{{"after.png", pngBytes}}), base, "photo")
	expectRedirect(t, e.do(request{method: "POST", path: base + "/complete", as: "worker", form: url.Values{"note": {"更换了防水层"}}}), base, "complete")

	desk := page(t, e, base, "clerk")
	if !strings.Contains(desk, `id="callback-form"`) || !strings.Contains(desk, "待回访") {
		t.Errorf("completed ticket offers no call-back:\n%.2000s", desk)
	}
	expectRedirect(t, e.do(request{method: "POST", path: base + "/callbacks", as: "clerk",
		form: url.Values{"reached": {"true"}, "overall": {"1"}, "speed": {"2"}, "attitude": {"3"}, "comment": {"还在漏"}}}), base, "call-back")

	d = w.detail(t, id, "clerk")
	want := []string{"created", "attachment", "dispatch", "accept", "start", "attachment", "complete", "follow_up", "reopen"}
	if got := kinds(d); !slices.Equal(got, want) {
		t.Errorf("timeline %v, want %v", got, want)
	}
	if d.Ticket.Status != ticket.Reopened || d.Ticket.ReopenCount != 1 || len(d.Callbacks) != 1 || d.Callbacks[0].Overall != 1 ||
		len(d.Attachments) != 2 || d.Ticket.TeamID != nil {
		t.Errorf("after the call-back: %+v, callbacks %+v", d.Ticket, d.Callbacks)
	}
	show = page(t, e, base, "clerk")
	for _, want := range []string{"已重开", "回访", "还在漏", "总体 1 · 及时 2 · 态度 3", "更换了防水层", "修好后", "after.png",
		"班组：维修一班", "处理人：Worker", `id="dispatch-form"`} {
		if !strings.Contains(show, want) {
			t.Errorf("reopened ticket's page lacks %q", want)
		}
	}
	// The office head of North hears of the dissatisfied owner.
	notes, unread, err := e.tickets.Notifications(context.Background(), e.alpha.ID, e.actors["office_head"].user.ID, 10)
	must(t, err)
	if unread != 1 || len(notes) != 1 || notes[0].Kind != ticket.NoteReopened || !strings.Contains(notes[0].Body, d.Ticket.Number) {
		t.Errorf("notifications of the reopening: %d unread, %+v", unread, notes)
	}
}

// problemOf reads an API error.
func problemOf(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	var p map[string]any
	decode(t, resp, &p)
	return p
}

// An API client may retry a create safely: the same Idempotency-Key and
// body give the same ticket, marked as replayed; the key with another
// body is refused. A create without a channel is an API create.
func TestTicketAPICreateIdempotency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	body := map[string]any{"estate_id": e.estates[0].ID.String(), "unit_id": w.p.northUnit.String(), "type": "complaint",
		"major": true, "description": "夜间施工噪音", "dispatch": false}
	post := func(b map[string]any, key string) *http.Response {
		return e.do(request{method: "POST", path: "/api/v1/t/alpha/tickets", as: "clerk", json: b, header: map[string]string{"Idempotency-Key": key}})
	}
	resp := post(body, "retry-1")
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first create: %d %v %s", resp.StatusCode, resp.Header, readBody(t, resp))
	}
	var first ticket.Ticket
	decode(t, resp, &first)
	if first.Channel != ticket.API || !first.Major || first.Status != ticket.Received || first.Number == "" {
		t.Errorf("created %+v", first)
	}
	if loc := resp.Header.Get("Location"); loc != "/api/v1/t/alpha/tickets/"+first.ID.String() {
		t.Errorf("Location %q", loc)
	}

	resp = post(body, "retry-1")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %v", resp.StatusCode, resp.Header)
	}
	var again ticket.Ticket
	decode(t, resp, &again)
	if again.ID != first.ID || again.Number != first.Number {
		t.Errorf("replay made %s, first %s", again.Number, first.Number)
	}

	changed := map[string]any{}
	for k, v := range body {
		changed[k] = v
	}
	changed["description"] = "白天施工噪音"
	resp = post(changed, "retry-1")
	p := problemOf(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || p["code"] != "ticket_idempotency_mismatch" || !strings.Contains(p["title"].(string), "Idempotency-Key") {
		t.Errorf("mismatch: %d %v", resp.StatusCode, p)
	}
	// Another user's key is their own.
	resp = e.do(request{method: "POST", path: "/api/v1/t/alpha/tickets", as: "office_head", json: body, header: map[string]string{"Idempotency-Key": "retry-1"}})
	expectStatus(t, resp, http.StatusCreated, "the same key of another user")

	page, err := e.tickets.List(context.Background(), e.alpha.ID, w.dispatch, ticket.Filter{})
	must(t, err)
	if len(page.Rows) != 2 {
		t.Errorf("%d tickets, want 2", len(page.Rows))
	}
	resp = post(body, strings.Repeat("k", 201))
	if p := problemOf(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || p["code"] != "ticket_invalid_idempotency" {
		t.Errorf("long key: %d %v", resp.StatusCode, p)
	}
}

// A form sent twice (a double click) makes one ticket.
func TestTicketFormDoubleSubmit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedTickets()
	form := url.Values{"estate_id": {e.estates[0].ID.String()}, "caller_name": {"李先生"}, "caller_phone": {"139 1234 5678"},
		"type": {"inquiry"}, "channel": {"walk_in"}, "description": {"停车卡怎么办理"}, "idempotency_key": {uuid.NewString()}}
	r1 := e.do(request{method: "POST", path: "/t/alpha/tickets", as: "clerk", form: form})
	r2 := e.do(request{method: "POST", path: "/t/alpha/tickets", as: "clerk", form: form})
	expectRedirect(t, r1, "/t/alpha/tickets/", "first")
	if r2.Header.Get("Location") != r1.Header.Get("Location") {
		t.Errorf("second submit went to %q, first to %q", r2.Header.Get("Location"), r1.Header.Get("Location"))
	}
}

// A caller the center cannot place is recorded by name or phone; nobody at
// all is refused with the reason, the form keeping what was typed.
func TestTicketUnknownCaller(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/tickets", as: "clerk", json: map[string]any{
		"estate_id": e.estates[0].ID.String(), "caller_name": "路人王女士", "caller_phone": "+86 139-1234-5678", "channel": "phone",
		"type": "suggestion", "description": "小区门口增加减速带"}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, readBody(t, resp))
	}
	var tk ticket.Ticket
	decode(t, resp, &tk)
	if tk.UnitID != nil || tk.PersonID != nil || tk.CallerName != "路人王女士" || tk.CallerPhone != "13912345678" || tk.Channel != ticket.Phone {
		t.Errorf("unknown caller %+v", tk)
	}
	show := page(t, e, "/t/alpha/tickets/"+tk.ID.String(), "clerk")
	for _, want := range []string{"路人王女士", "139 1234 5678", "tel:13912345678", "建议"} {
		if !strings.Contains(show, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	_ = w

	resp = e.do(request{method: "POST", path: "/t/alpha/tickets", as: "clerk", form: url.Values{
		"estate_id": {e.estates[0].ID.String()}, "type": {"repair"}, "channel": {"phone"}, "description": {"楼道灯坏了"}}})
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "请选择房号或业主，或填写来电人姓名或电话") || !strings.Contains(body, "楼道灯坏了") {
		t.Errorf("nobody: %d %.600s", resp.StatusCode, body)
	}
	resp = e.do(request{method: "POST", path: "/api/v1/t/alpha/tickets", as: "clerk", json: map[string]any{"type": "repair", "caller_name": "x", "description": "y"}})
	if p := problemOf(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || p["code"] != "ticket_no_estate" {
		t.Errorf("no estate: %d %v", resp.StatusCode, p)
	}
}

// A move the state machine refuses is 422 with a message naming the state
// and the move in the reader's language.
func TestTicketIllegalMove(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	tk := w.ticketIn(e.estates[0].ID, "received")
	path := "/tickets/" + tk.ID.String() + "/complete"
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha" + path, as: "clerk"})
	p := problemOf(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || p["code"] != "ticket_illegal_move" || p["title"] != "工单当前为「已受理」，不能「完成」。" {
		t.Errorf("API: %d %v", resp.StatusCode, p)
	}
	resp = e.do(request{method: "POST", path: "/api/v1/t/alpha" + path, as: "clerk", header: map[string]string{"Accept-Language": "en"}})
	p = problemOf(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(p["title"]), "Received") {
		t.Errorf("English: %v", p)
	}
	resp = e.do(request{method: "POST", path: "/t/alpha" + path, as: "clerk", form: url.Values{}})
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "工单当前为「已受理」，不能「完成」。") || !strings.Contains(body, tk.Number) {
		t.Errorf("HTML: %d %.500s", resp.StatusCode, body)
	}
	// A reason is required to hold, and a held ticket cannot be held again.
	tk = w.ticketIn(e.estates[0].ID, "in_progress")
	resp = e.do(request{method: "POST", path: "/api/v1/t/alpha/tickets/" + tk.ID.String() + "/hold", as: "worker"})
	if p := problemOf(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || p["code"] != "ticket_invalid_reason" {
		t.Errorf("hold without reason: %d %v", resp.StatusCode, p)
	}
	// The team leader names a worker of their own team only.
	resp = e.do(request{method: "POST", path: "/api/v1/t/alpha/tickets/" + tk.ID.String() + "/assign", as: "team_leader",
		json: map[string]any{"worker_id": e.actors["clerk"].user.ID.String()}})
	if p := problemOf(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || p["code"] != "ticket_illegal_move" {
		t.Errorf("assign in progress: %d %v", resp.StatusCode, p)
	}
}

// Only photos, PDFs and text are kept, whatever the name says; files are
// served to those who may read the ticket, with the headers that keep a
// browser from running them.
func TestTicketAttachments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	tk := w.ticketIn(e.estates[0].ID, "dispatched")
	api := "/api/v1/t/alpha/tickets/" + tk.ID.String() + "/attachments"
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), bytes.Repeat([]byte{0, 0xff, 1}, 100)...)
	random := []byte{0x01, 0x9c, 0x00, 0xfe, 0x13, 0x37, 0x00, 0x02, 0x88, 0x05}
	for name, body := range map[string][]byte{"setup.exe": exe, "photo.jpg": random, "empty.png": {}} {
		resp := e.doMultipart(api, "worker", nil, []upload{{name, body}})
		if p := problemOf(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || p["code"] != "ticket_attachment_type" {
			t.Errorf("%s: %d %v", name, resp.StatusCode, p)
		}
	}
	resp := e.doMultipart("/t/alpha/tickets/"+tk.ID.String()+"/attachments", "worker", nil, []upload{{"setup.exe", exe}})
	if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "只能上传照片") {
		t.Errorf("HTML refusal: %d %.300s", resp.StatusCode, body)
	}
	resp = e.doMultipart(api, "worker", map[string]string{"note": "x"}, nil)
	if p := problemOf(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || p["code"] != "ticket_no_files" {
		t.Errorf("no files: %d %v", resp.StatusCode, p)
	}

	resp = e.doMultipart(api, "worker", map[string]string{"note": "维修前"}, []upload{{"漏水 1.png", pngBytes}, {"说明.txt", []byte("阀门型号 DN15\n")}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.StatusCode, readBody(t, resp))
	}
	var as []ticket.Attachment
	decode(t, resp, &as)
	if len(as) != 2 || as[0].ContentType != "image/png" || as[1].ContentType != "text/plain" || as[0].Size != int64(len(pngBytes)) {
		t.Fatalf("stored %+v", as)
	}

	get := func(path, as string, header map[string]string) *http.Response {
		return e.do(request{method: "GET", path: path, as: as, header: header})
	}
	img := "/t/alpha/attachments/" + as[0].ID.String()
	resp = get(img, "worker", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("photo: %d %s", resp.StatusCode, readBody(t, resp))
	}
	h := resp.Header
	if h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" ||
		h.Get("Content-Disposition") != `inline; filename="__ 1.png"; filename*=UTF-8''%E6%BC%8F%E6%B0%B4%201.png` ||
		!strings.HasPrefix(h.Get("Cache-Control"), "private") || h.Get("ETag") == "" {
		t.Errorf("photo headers %v", h)
	}
	if b, _ := io.ReadAll(resp.Body); !bytes.Equal(b, pngBytes) {
		t.Errorf("photo body %q", b)
	}
	resp.Body.Close()
	expectStatus(t, get(img, "worker", map[string]string{"If-None-Match": h.Get("ETag")}), http.StatusNotModified, "revalidated")

	resp = get("/api/v1/t/alpha/attachments/"+as[1].ID.String(), "clerk", nil)
	if cd := resp.Header.Get("Content-Disposition"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(cd, "attachment;") || resp.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("text: %d %q %q", resp.StatusCode, cd, resp.Header.Get("Content-Type"))
	}
	resp.Body.Close()

	// Nobody else: another tenant's manager, under alpha or under bravo, a
	// role that cannot read tickets, staff of another estate.
	e.addActor("south_clerk", e.alpha, account.Access{Roles: []string{"clerk"}, EstateIDs: []uuid.UUID{e.estates[1].ID}})
	expectStatus(t, get(img, "other", nil), http.StatusNotFound, "other tenant under alpha")
	expectStatus(t, get("/t/bravo/attachments/"+as[0].ID.String(), "other", nil), http.StatusNotFound, "other tenant under bravo")
	expectStatus(t, get("/api/v1/t/bravo/attachments/"+as[0].ID.String(), "other", nil), http.StatusNotFound, "other tenant's API")
	expectStatus(t, get(img, "document_controller", nil), http.StatusForbidden, "document controller")
	expectStatus(t, get(img, "south_clerk", nil), http.StatusNotFound, "clerk of South")
	expectStatus(t, get("/t/alpha/attachments/"+uuid.NewString(), "manager", nil), http.StatusNotFound, "unknown")

	d := w.detail(t, tk.ID, "worker")
	if k := kinds(d); !slices.Equal(k, []string{"created", "dispatch", "attachment"}) || d.Timeline[2].Body != "维修前" || !strings.Contains(d.Timeline[2].Data, "说明.txt") {
		t.Errorf("timeline %v %+v", k, d.Timeline)
	}
}

// The intake's search box finds the owner by the last four digits of the
// phone and offers them to pick.
func TestTicketIntakeLookup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	resp := e.do(request{method: "GET", path: "/t/alpha/tickets/new/lookup?q=8000", as: "clerk", header: map[string]string{"HX-Request": "true"}})
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-person="`+w.p.northPerson.String()+`"`) ||
		!strings.Contains(body, `data-unit="`+w.p.northUnit.String()+`"`) || strings.Contains(body, "<html") {
		t.Errorf("lookup: %d %s", resp.StatusCode, body)
	}
	// South's owner is outside a North clerk's scope.
	resp = e.do(request{method: "GET", path: "/t/alpha/tickets/new/lookup?q=2222", as: "clerk", header: map[string]string{"HX-Request": "true"}})
	if body := readBody(t, resp); strings.Contains(body, w.p.southPerson.String()) {
		t.Errorf("South's owner found by a North clerk: %s", body)
	}
	// A person picked from the person's page brings their unit.
	form := page(t, e, "/t/alpha/tickets/new?person="+w.p.northPerson.String(), "clerk")
	if !strings.Contains(form, `id="intake-unit" value="`+w.p.northUnit.String()+`"`) {
		t.Errorf("person prefill lacks the unit")
	}
}

// The API's ticket is its detail, with empty lists rather than nulls.
func TestTicketAPIShow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	tk := w.ticketIn(e.estates[0].ID, "dispatched")
	resp := e.do(request{method: "GET", path: "/api/v1/t/alpha/tickets/" + tk.ID.String(), as: "worker"})
	var raw map[string]json.RawMessage
	decode(t, resp, &raw)
	for _, k := range []string{"ticket", "timeline", "attachments", "callbacks", "team_name", "assignee"} {
		if v, ok := raw[k]; !ok || string(v) == "null" {
			t.Errorf("%s: %s", k, v)
		}
	}
}

// A unit picked in the intake without anyone else brings its primary
// contact, so that the call-back has someone to ring.
func TestTicketIntakeUnitBringsPrimaryContact(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	resp := e.do(request{method: "POST", path: "/t/alpha/tickets", as: "clerk", form: url.Values{
		"estate_id": {e.estates[0].ID.String()}, "unit_id": {w.p.northUnit.String()}, "type": {"repair"}, "channel": {"phone"},
		"description": {"门禁卡失灵"}, "dispatch": {"true"}}})
	expectRedirect(t, resp, "/t/alpha/tickets/", "create")
	id := uuid.MustParse(strings.TrimPrefix(resp.Header.Get("Location"), "/t/alpha/tickets/"))
	d := w.detail(t, id, "clerk")
	if d.Ticket.PersonID == nil || *d.Ticket.PersonID != w.p.northPerson || d.PersonName != "张三" {
		t.Errorf("person %v %q", d.Ticket.PersonID, d.PersonName)
	}
}

// Call-backs: only a completed ticket waiting for one takes it; an owner
// not reached is tried again later; a reached owner gives three scores.
func TestTicketCallbacks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	post := func(id uuid.UUID, body map[string]any) *http.Response {
		return e.do(request{method: "POST", path: "/api/v1/t/alpha/tickets/" + id.String() + "/callbacks", as: "clerk", json: body})
	}
	received := w.ticketIn(e.estates[0].ID, "received")
	if p := problemOf(t, post(received.ID, map[string]any{"reached": false})); p["code"] != "ticket_no_callback" {
		t.Errorf("received ticket: %v", p)
	}
	done := w.ticketIn(e.estates[0].ID, "completed")
	if p := problemOf(t, post(done.ID, map[string]any{"reached": true, "overall": 5})); p["code"] != "ticket_invalid_score" {
		t.Errorf("missing scores: %v", p)
	}
	resp := post(done.ID, map[string]any{"reached": false, "comment": "无人接听"})
	var tk ticket.Ticket
	decode(t, resp, &tk)
	if resp.StatusCode != http.StatusOK || tk.Status != ticket.Completed || tk.CallbackState != ticket.CallbackRetry || tk.CallbackAttempts != 1 {
		t.Errorf("not reached: %d %+v", resp.StatusCode, tk)
	}
	resp = e.do(request{method: "POST", path: "/t/alpha/tickets/" + done.ID.String() + "/callbacks", as: "clerk",
		form: url.Values{"reached": {"true"}, "overall": {"5"}, "speed": {"4"}, "attitude": {"5"}}})
	expectRedirect(t, resp, "/t/alpha/tickets/"+done.ID.String(), "reached")
	// A satisfied owner's call-back closes the ticket (the default).
	d := w.detail(t, done.ID, "clerk")
	if d.Ticket.Status != ticket.Closed || d.Ticket.ClosedAt == nil || d.Ticket.Satisfaction != 5 || len(d.Callbacks) != 2 ||
		!slices.Equal(kinds(d)[len(d.Timeline)-2:], []string{"follow_up", "close"}) {
		t.Errorf("followed up: %+v %+v %v", d.Ticket, d.Callbacks, kinds(d))
	}
	show := page(t, e, "/t/alpha/tickets/"+done.ID.String(), "clerk")
	if strings.Contains(show, `id="callback-form"`) || !strings.Contains(show, "已回访") || !strings.Contains(show, "无人接听") {
		t.Errorf("followed-up page")
	}
}
