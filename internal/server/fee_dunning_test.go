package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// The arrears list names each unit's owner with their phone, on both
// faces and in the XLSX, and narrows the units by the age of their oldest
// arrears and a least amount owed; the page's links keep those filters.
func TestFeeArrearsOwnersAndFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPortfolio()
	e.seedFees(p, e.estates[0].ID, p.northUnit, "")
	base := "/api/v1/t/alpha/fees/arrears?estate=" + e.estates[0].ID.String() + "&as_of=2026-03-10"
	type list struct {
		Units []struct {
			Code   string `json:"code"`
			Owners []struct {
				Name   string   `json:"name"`
				Phones []string `json:"phones"`
				Email  string   `json:"email"`
			} `json:"owners"`
		} `json:"units"`
	}
	var l list
	decode(t, e.do(request{method: "GET", path: base, as: "clerk"}), &l)
	if len(l.Units) != 1 || len(l.Units[0].Owners) != 1 || l.Units[0].Owners[0].Name != "张三" ||
		strings.Join(l.Units[0].Owners[0].Phones, ",") != p.northPhone {
		t.Fatalf("arrears with owners: %+v", l)
	}
	// The ¥500 due 2026-02-05 is 33 days old on 2026-03-10.
	for filter, want := range map[string]int{"&age=31-90": 1, "&age=0-30": 0, "&age=365%2B": 0, "&min_fen=50000": 1, "&min_fen=50001": 0,
		"&min_amount=500": 1, "&min_amount=500.01": 0, "&age=31-90&min_amount=100": 1} {
		var l list
		resp := e.do(request{method: "GET", path: base + filter, as: "clerk"})
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d %s", filter, resp.StatusCode, readBody(t, resp))
			continue
		}
		decode(t, resp, &l)
		if len(l.Units) != want {
			t.Errorf("%s: %d units, want %d", filter, len(l.Units), want)
		}
	}
	for filter, code := range map[string]string{"&age=1-2": "fee_invalid_age", "&min_amount=abc": "fee_invalid_amount", "&min_fen=-5": "fee_invalid_amount"} {
		resp := e.do(request{method: "GET", path: base + filter, as: "clerk"})
		if pr := problemOf(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || pr["code"] != code {
			t.Errorf("%s: %d %v", filter, resp.StatusCode, pr)
		}
	}
	// The page: the owner and the dialable phone, the filters kept in the
	// export's link.
	body := page(t, e, "/t/alpha/fees/arrears?estate="+e.estates[0].ID.String()+"&as_of=2026-03-10&age=31-90&min_amount=100", "clerk")
	for _, want := range []string{"张三", `href="tel:` + p.northPhone + `"`, `<option value="31-90" selected>`, `value="100"`,
		"arrears.xlsx?age=31-90&amp;as_of=2026-03-10&amp;estate=" + e.estates[0].ID.String() + "&amp;min_fen=10000"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// The XLSX: owner and phone beside the unit.
	resp := e.do(request{method: "GET", path: "/t/alpha/fees/arrears.xlsx?estate=" + e.estates[0].ID.String() + "&age=31-90&as_of=2026-03-10", as: "clerk"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("xlsx: %d", resp.StatusCode)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(readBody(t, resp))))
	must(t, err)
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	must(t, err)
	if len(rows) != 2 || len(rows[1]) < 4 || rows[1][2] != "张三" || rows[1][3] != p.northPhone {
		t.Errorf("xlsx rows %v", rows)
	}
	resp = e.do(request{method: "GET", path: "/t/alpha/fees/arrears.xlsx?estate=" + e.estates[0].ID.String() + "&age=0-30&as_of=2026-03-10", as: "clerk"})
	f2, err := excelize.OpenReader(bytes.NewReader([]byte(readBody(t, resp))))
	must(t, err)
	defer f2.Close()
	if rows, _ := f2.GetRows(f2.GetSheetName(0)); len(rows) != 1 {
		t.Errorf("xlsx 0-30: %v", rows)
	}
}

// seedBatch makes a batch of reminders for an estate's arrears.
func (e *env) seedBatch(estateID uuid.UUID) uuid.UUID {
	e.t.Helper()
	clerk := fee.Actor{UserID: e.actors["assistant"].user.ID, Scope: estate.Scope{All: true}}
	b, err := e.fees.CreateReminders(context.Background(), e.alpha, clerk, fee.ReminderInput{Query: fee.AgingQuery{EstateID: estateID}}, "")
	must(e.t, err)
	return b.ID
}

// Every collection route, each face: another company 404, roles without
// the permission 403, the least privileged role with it; and a clerk of
// North gets 404 for South's batch and unit.
func TestFeeDunningRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPortfolio()
	north := e.seedFees(p, e.estates[0].ID, p.northUnit, "")
	south := e.seedFees(p, e.estates[1].ID, p.southUnit, "南区")
	batches := map[uuid.UUID]uuid.UUID{e.estates[0].ID: e.seedBatch(e.estates[0].ID), e.estates[1].ID: e.seedBatch(e.estates[1].ID)}
	type route struct {
		method, path   string
		form, json     map[string]any
		denied         []string
		wantHTML, want int
	}
	contact := map[string]any{"outcome": "promised", "promised_on": "2099-01-31", "note": "下月初缴"}
	routes := []route{
		{"POST", "/fees/reminders", map[string]any{"estate_id": "{estate}", "client_token": "t-{estate}"}, map[string]any{"estate_id": "{estate}"}, noFeeRead, 303, 202},
		{"GET", "/fees/reminders/{batch}", nil, nil, noFeeRead, 200, 200},
		{"GET", "/fees/units/{unit}/contacts", nil, nil, noFeeRead, 303, 200},
		{"POST", "/fees/units/{unit}/contacts", contact, contact, noFeeRead, 303, 201},
	}
	for _, w := range []struct {
		world  feeWorld
		estate uuid.UUID
		scoped bool
	}{{north, e.estates[0].ID, false}, {south, e.estates[1].ID, true}} {
		r := strings.NewReplacer("{estate}", w.estate.String(), "{unit}", w.world.unit.String(), "{batch}", batches[w.estate].String())
		for _, rt := range routes {
			for _, api := range []bool{false, true} {
				s := feeScenario{method: rt.method, path: "/t/alpha" + rt.path, body: rt.form, want: rt.wantHTML}
				if api {
					s = feeScenario{method: rt.method, path: "/api/v1/t/alpha" + rt.path, body: rt.json, want: rt.want, api: true}
				}
				if w.scoped {
					expectStatus(t, e.feeRequest(s, r, "clerk"), http.StatusNotFound, "North's clerk: "+s.method+" "+s.path)
					continue
				}
				expectStatus(t, e.feeRequest(s, r, "other"), http.StatusNotFound, "other company: "+s.method+" "+s.path)
				for _, role := range rt.denied {
					expectStatus(t, e.feeRequest(s, r, role), http.StatusForbidden, role+": "+s.method+" "+s.path)
				}
				expectStatus(t, e.feeRequest(s, r, "clerk"), s.want, "clerk: "+s.method+" "+s.path)
			}
		}
	}
}

// A batch from the arrears page: the ticked unit only, a double submit
// one batch, the job sends the owner's reminder (to the log: no email),
// the batch page shows it with the letters' form, and the unit's account
// lists the reminder beside a recorded promise.
func TestFeeReminderBatchFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPortfolio()
	w := e.seedFees(p, e.estates[0].ID, p.northUnit, "")
	form := url.Values{"estate_id": {e.estates[0].ID.String()}, "unit": {w.unit.String()}, "client_token": {"form-token-1"}, "as_of": {"2026-03-10"}}
	r1 := e.do(request{method: "POST", path: "/t/alpha/fees/reminders", as: "clerk", form: form})
	r2 := e.do(request{method: "POST", path: "/t/alpha/fees/reminders", as: "clerk", form: form})
	expectRedirect(t, r1, "/t/alpha/fees/reminders/", "first")
	if r1.Header.Get("Location") != r2.Header.Get("Location") {
		t.Errorf("double submit: %s and %s", r1.Header.Get("Location"), r2.Header.Get("Location"))
	}
	must(t, e.jobs.RunPending(context.Background()))
	body := page(t, e, r1.Header.Get("Location"), "clerk")
	for _, want := range []string{"1-101", `id="fee-batch-letters"`, `name="unit" value="` + w.unit.String() + `"`, "as_of=2026-03-10"} {
		if !strings.Contains(body, want) {
			t.Errorf("batch page lacks %q", want)
		}
	}
	var got struct {
		Batch struct {
			Status string `json:"status"`
			Logged int    `json:"logged"`
		} `json:"batch"`
		Reminders []struct {
			Status    string `json:"status"`
			Recipient string `json:"recipient"`
			SentFen   int64  `json:"sent_fen"`
		} `json:"reminders"`
	}
	decode(t, e.do(request{method: "GET", path: "/api/v1" + r1.Header.Get("Location"), as: "clerk"}), &got)
	if got.Batch.Status != "done" || got.Batch.Logged != 1 || len(got.Reminders) != 1 || got.Reminders[0].Recipient != p.northPhone || got.Reminders[0].SentFen != 50000 {
		t.Errorf("batch %+v", got)
	}
	// API: the Idempotency-Key replays.
	key := map[string]string{"Idempotency-Key": "api-batch-1"}
	body1 := map[string]any{"estate_id": e.estates[0].ID.String(), "as_of": "2026-03-10"}
	a1 := e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/reminders", as: "clerk", json: body1, header: key})
	a2 := e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/reminders", as: "clerk", json: body1, header: key})
	if a1.StatusCode != http.StatusAccepted || a2.StatusCode != http.StatusOK || a2.Header.Get("Idempotent-Replayed") != "true" || a1.Header.Get("Location") != a2.Header.Get("Location") {
		t.Errorf("api: %d %d %q", a1.StatusCode, a2.StatusCode, a2.Header.Get("Idempotent-Replayed"))
	}
	a3 := e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/reminders", as: "clerk", json: map[string]any{"estate_id": e.estates[0].ID.String(), "age": "365+"}, header: key})
	if pr := problemOf(t, a3); a3.StatusCode != http.StatusConflict || pr["code"] != "fee_batch_key_mismatch" {
		t.Errorf("key reused: %d %v", a3.StatusCode, pr)
	}
	// Contacts: a bad one is a translated 422, a good one shows on the
	// account with the reminder.
	bad := e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/units/" + w.unit.String() + "/contacts", as: "clerk", json: map[string]any{"outcome": "promised"},
		header: map[string]string{"Accept-Language": "zh-CN"}})
	if pr := problemOf(t, bad); bad.StatusCode != http.StatusUnprocessableEntity || pr["code"] != "fee_invalid_promise" {
		t.Errorf("promise without a day: %d %v", bad.StatusCode, pr)
	}
	expectStatus(t, e.do(request{method: "POST", path: "/t/alpha/fees/units/" + w.unit.String() + "/contacts", as: "clerk",
		form: url.Values{"outcome": {"refused"}, "note": {"说物业服务不到位"}}}), http.StatusSeeOther, "contact form")
	acct := page(t, e, "/t/alpha/fees/units/"+w.unit.String(), "clerk")
	if !strings.Contains(acct, "说物业服务不到位") || !strings.Contains(acct, "/fees/reminders/") || strings.Index(acct, `class="contact"`) < 0 {
		t.Errorf("account page lacks the collection record")
	}
}
