package server_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/team"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// pngPhoto is a small PNG, as a phone's photo would be.
func pngPhoto(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	must(t, png.Encode(&b, img))
	return b.Bytes()
}

// portalReport posts the report form with its photos.
func (e *env) portalReport(slug string, as *residentActor, fields map[string]string, photos ...[]byte) *http.Response {
	e.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		must(e.t, w.WriteField(k, v))
	}
	for i, p := range photos {
		f, err := w.CreateFormFile("photos", fmt.Sprintf("IMG_%04d.png", i))
		must(e.t, err)
		_, err = f.Write(p)
		must(e.t, err)
	}
	must(e.t, w.Close())
	req := httptest.NewRequest("POST", "/r/"+slug+"/requests", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: "ed_resident", Value: as.token})
	req.Header.Set("X-CSRF-Token", as.csrf)
	resp, err := e.app.Test(req, 10_000)
	must(e.t, err)
	return resp
}

// reported is a request 张三 reported on the portal, with the north team
// (the worker and the team leader) to do it.
type reported struct {
	w      *portalWorld
	a      *residentActor
	id     uuid.UUID
	team   *team.Team
	number string
}

func (e *env) seedReported() *reported {
	e.t.Helper()
	w := e.seedPortal()
	r := &reported{w: w, a: e.residentSignIn("alpha", w.northPhone)}
	tm := e.seedTeam(e.estates[0].ID, "维修一班")
	tm, err := team.NewService(e.db).SetMembers(context.Background(), e.alpha.ID, allScope, e.estates[0].ID, tm.ID,
		[]uuid.UUID{e.actors["worker"].user.ID, e.actors["team_leader"].user.ID})
	must(e.t, err)
	r.team = tm
	resp := e.portalReport("alpha", r.a, map[string]string{"unit": w.northUnit.String(), "type": "repair",
		"description": "卫生间天花板漏水", "preferred_time": "周六上午", "key": "k1"}, pngPhoto(e.t))
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/r/alpha/requests/") {
		e.t.Fatalf("report: %d %s %s", resp.StatusCode, loc, readBody(e.t, resp))
	}
	r.id = uuid.MustParse(strings.TrimPrefix(loc, "/r/alpha/requests/"))
	must(e.t, e.db.ReadTenant(context.Background(), e.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().TableExpr("tickets").Column("number").Where("tenant_id = ? AND id = ?", e.alpha.ID, r.id).Scan(ctx, &r.number)
	}))
	return r
}

func (e *env) ticketRow(id uuid.UUID) ticket.Ticket {
	e.t.Helper()
	var tk ticket.Ticket
	must(e.t, e.db.ReadTenant(context.Background(), e.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&tk).Where("tenant_id = ? AND id = ?", e.alpha.ID, id).Scan(ctx)
	}))
	return tk
}

func (e *env) staffMove(as, path string, form url.Values) {
	e.t.Helper()
	resp := e.do(request{method: "POST", path: path, as: as, form: form})
	if resp.StatusCode >= 400 {
		e.t.Fatalf("%s %s: %d %s", as, path, resp.StatusCode, readBody(e.t, resp))
	}
}

func (e *env) smsTo(phone string) []string {
	e.t.Helper()
	must(e.t, e.jobs.RunPending(context.Background()))
	var out []string
	for _, m := range e.sms.all() {
		if m.Recipient == phone && m.Template != "resident_code" {
			out = append(out, m.Body)
		}
	}
	return out
}

// A resident reports a leak with a photo; the clerk sees it in the queue,
// dispatches it; the worker accepts with a visit time and completes it;
// the resident follows each step (and is told by SMS), then rates it 2,
// which reopens it as a dissatisfied call-back does.
func TestPortalReportFollowRate(t *testing.T) {
	e := newEnv(t)
	r := e.seedReported()
	tk := e.ticketRow(r.id)
	if tk.Channel != ticket.Portal || tk.Status != ticket.Received || tk.CallerPhone != r.w.northPhone || tk.UnitID == nil ||
		*tk.UnitID != r.w.northUnit || tk.PreferredTime != "周六上午" || tk.ResolveDue == nil {
		t.Fatalf("ticket: %+v", tk)
	}
	// The same form sent again is the same request.
	resp := e.portalReport("alpha", r.a, map[string]string{"unit": r.w.northUnit.String(), "type": "repair",
		"description": "卫生间天花板漏水", "preferred_time": "周六上午", "key": "k1"})
	if resp.Header.Get("Location") != "/r/alpha/requests/"+r.id.String() {
		t.Errorf("resubmitted form: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// In the clerk's queue, marked as from the portal, with its photo.
	resp = e.do(request{method: "GET", path: "/api/v1/t/alpha/tickets/" + r.id.String(), as: "clerk"})
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"channel":"portal"`) || !strings.Contains(body, "IMG_0000.png") {
		t.Fatalf("clerk's view: %d %s", resp.StatusCode, body)
	}
	resp = e.do(request{method: "GET", path: "/t/alpha/tickets?channel=portal", as: "clerk"})
	if body := readBody(t, resp); !strings.Contains(body, r.number) {
		t.Errorf("portal queue lacks %s", r.number)
	}
	if resp := e.do(request{method: "GET", path: "/t/alpha/tickets/" + r.id.String(), as: "clerk"}); resp.StatusCode != http.StatusOK {
		t.Errorf("ticket page: %d", resp.StatusCode)
	}

	// The clerk dispatches it to the worker: the resident is told.
	e.staffMove("clerk", "/t/alpha/tickets/"+r.id.String()+"/dispatch", url.Values{"team_id": {r.team.ID.String()}, "worker_id": {e.actors["worker"].user.ID.String()}})
	if sms := e.smsTo(r.w.northPhone); len(sms) != 1 || !strings.Contains(sms[0], "已受理") || !strings.Contains(sms[0], "【Alpha 物业】") {
		t.Fatalf("SMS after dispatch: %q", sms)
	}
	// An internal note never reaches the resident; a visible reply does.
	_, err := e.tickets.Comment(context.Background(), e.alpha, ticket.Actor{UserID: e.actors["manager"].user.ID, Scope: allScope, Dispatcher: true, Sensitive: true},
		r.id, "内部备注：业主难缠", false)
	must(t, err)
	e.staffMove("worker", "/t/alpha/tickets/"+r.id.String()+"/accept", url.Values{"note": {"明天上午10点"}})
	if sms := e.smsTo(r.w.northPhone); len(sms) != 2 {
		t.Fatalf("SMS after accept: %q", sms)
	}
	e.staffMove("worker", "/t/alpha/tickets/"+r.id.String()+"/start", url.Values{})
	resp = e.portalDo("GET", "/r/alpha/requests/"+r.id.String(), r.a, nil)
	body = readBody(t, resp)
	for _, want := range []string{"物业已受理", "师傅已接单", "Worker", "明天上午10点", "处理中", "已上传照片1张"} {
		if !strings.Contains(body, want) {
			t.Errorf("timeline lacks %q", want)
		}
	}
	for _, never := range []string{"内部备注", "业主难缠", e.actors["worker"].user.Email, "维修一班"} {
		if strings.Contains(body, never) {
			t.Errorf("timeline shows %q", never)
		}
	}
	if strings.Contains(body, "/rating") {
		t.Error("rating offered before completion")
	}
	e.staffMove("worker", "/t/alpha/tickets/"+r.id.String()+"/complete", url.Values{})
	sms := e.smsTo(r.w.northPhone)
	if len(sms) != 3 || !strings.Contains(sms[1], "Worker") || !strings.Contains(sms[1], "明天上午10点") ||
		!strings.Contains(sms[2], "http://estatedesk.test/r/alpha/requests/"+r.id.String()) {
		t.Fatalf("SMS: %q", sms)
	}

	// Rated: scores out of range are refused; a 2 reopens it.
	resp = e.portalDo("POST", "/r/alpha/requests/"+r.id.String()+"/rating", r.a, url.Values{"overall": {"9"}, "speed": {"3"}, "attitude": {"3"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("score 9: %d", resp.StatusCode)
	}
	resp = e.portalDo("POST", "/r/alpha/requests/"+r.id.String()+"/rating", r.a,
		url.Values{"overall": {"2"}, "speed": {"2"}, "attitude": {"3"}, "comment": {"还在漏"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("rate: %d %s", resp.StatusCode, readBody(t, resp))
	}
	tk = e.ticketRow(r.id)
	if tk.Status != ticket.Reopened || tk.Satisfaction != 2 || tk.ReopenCount != 1 {
		t.Fatalf("after a 2: status %s satisfaction %d reopened %d", tk.Status, tk.Satisfaction, tk.ReopenCount)
	}
	var cbs []ticket.Callback
	must(t, e.db.ReadTenant(context.Background(), e.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&cbs).Where("tenant_id = ? AND ticket_id = ?", e.alpha.ID, r.id).Scan(ctx)
	}))
	if len(cbs) != 1 || !cbs[0].Reached || cbs[0].Overall != 2 || cbs[0].Comment != "还在漏" || cbs[0].ByID != uuid.Nil {
		t.Fatalf("call-backs: %+v", cbs)
	}
	// Rated once per round.
	resp = e.portalDo("POST", "/r/alpha/requests/"+r.id.String()+"/rating", r.a, url.Values{"overall": {"5"}, "speed": {"5"}, "attitude": {"5"}})
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("second rating: %d", resp.StatusCode)
	}
	// The staff's ticket page still shows it, the call-back with it.
	if resp := e.do(request{method: "GET", path: "/t/alpha/tickets/" + r.id.String(), as: "clerk"}); resp.StatusCode != http.StatusOK {
		t.Errorf("ticket page after the rating: %d", resp.StatusCode)
	}
}

// Only the resident's own units: another resident of the estate, of
// another estate, of another company, and a staff session, never reach a
// request or report on a unit that is not theirs.
func TestPortalRoutesWalled(t *testing.T) {
	e := newEnv(t)
	r := e.seedReported()
	neighbour := e.residentSignIn("alpha", r.w.neighbourPhone)
	south := e.residentSignIn("alpha", r.w.southPhone)
	bravo := e.residentSignIn("bravo", r.w.bravoPhone)
	family := e.residentSignIn("alpha", r.w.familyPhone)
	id := r.id.String()
	rate := url.Values{"overall": {"5"}, "speed": {"5"}, "attitude": {"5"}}

	// The household shares the unit: 张三's family member follows it.
	if resp := e.portalDo("GET", "/r/alpha/requests/"+id, family, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("family member: %d", resp.StatusCode)
	}
	for name, who := range map[string]*residentActor{"neighbour": neighbour, "other estate": south} {
		for _, c := range []struct {
			method, path string
			form         url.Values
		}{
			{"GET", "/r/alpha/requests/" + id, nil},
			{"POST", "/r/alpha/requests/" + id + "/rating", rate},
			{"GET", "/r/alpha/requests/" + uuid.NewString(), nil},
			{"GET", "/r/alpha/requests/not-a-uuid", nil},
		} {
			if resp := e.portalDo(c.method, c.path, who, c.form); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s %s: %d", name, c.method, c.path, resp.StatusCode)
			}
		}
		if body := readBody(t, e.portalDo("GET", "/r/alpha/requests", who, nil)); strings.Contains(body, r.number) {
			t.Errorf("%s's list shows %s", name, r.number)
		}
		resp := e.portalReport("alpha", who, map[string]string{"unit": r.w.northUnit.String(), "type": "complaint", "description": "噪音"})
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s reports on 1-101: %d", name, resp.StatusCode)
		}
	}
	// Another company's resident, at their own portal, with alpha's IDs.
	for _, c := range []struct{ method, path string }{{"GET", "/r/bravo/requests/" + id}, {"POST", "/r/bravo/requests/" + id + "/rating"}} {
		if resp := e.portalDo(c.method, c.path, bravo, rate); resp.StatusCode != http.StatusNotFound {
			t.Errorf("bravo %s %s: %d", c.method, c.path, resp.StatusCode)
		}
	}
	if resp := e.portalReport("bravo", bravo, map[string]string{"unit": r.w.northUnit.String(), "type": "repair", "description": "漏水"}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("bravo reports on alpha's unit: %d", resp.StatusCode)
	}
	// Bravo's session at alpha's portal, and a staff session: nobody.
	for _, p := range []string{"/r/alpha/", "/r/alpha/requests", "/r/alpha/requests/new", "/r/alpha/requests/" + id, "/r/alpha/profile"} {
		if resp := e.portalDo("GET", p, bravo, nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/r/alpha/login" {
			t.Errorf("bravo's session GET %s: %d", p, resp.StatusCode)
		}
		if resp := e.do(request{method: "GET", path: p, as: "manager"}); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/r/alpha/login" {
			t.Errorf("staff session GET %s: %d", p, resp.StatusCode)
		}
	}
	for _, p := range []string{"/r/alpha/requests", "/r/alpha/requests/" + id + "/rating", "/r/alpha/logout"} {
		// The staff's CSRF token is not the portal's: refused before anything.
		if resp := e.do(request{method: "POST", path: p, as: "manager", form: rate}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("staff session POST %s: %d", p, resp.StatusCode)
		}
	}
	// Nothing moved.
	if tk := e.ticketRow(r.id); tk.Status != ticket.Received || tk.Satisfaction != 0 {
		t.Errorf("ticket moved: %s %d", tk.Status, tk.Satisfaction)
	}
	// Reports are checked: no description, a file that is not a photo,
	// seven photos.
	for name, c := range map[string]struct {
		fields map[string]string
		photos [][]byte
	}{
		"no description": {map[string]string{"unit": r.w.northUnit.String(), "type": "repair", "description": " "}, nil},
		"bad type":       {map[string]string{"unit": r.w.northUnit.String(), "type": "bribe", "description": "x"}, nil},
		"not a photo":    {map[string]string{"unit": r.w.northUnit.String(), "type": "repair", "description": "x"}, [][]byte{[]byte("%PDF-1.4 not a photo")}},
		"seven photos": {map[string]string{"unit": r.w.northUnit.String(), "type": "repair", "description": "x"},
			[][]byte{pngPhoto(t), pngPhoto(t), pngPhoto(t), pngPhoto(t), pngPhoto(t), pngPhoto(t), pngPhoto(t)}},
		"long description": {map[string]string{"unit": r.w.northUnit.String(), "type": "repair", "description": strings.Repeat("漏", 1001)}, nil},
	} {
		if resp := e.portalReport("alpha", r.a, c.fields, c.photos...); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d", name, resp.StatusCode)
		}
	}
}
