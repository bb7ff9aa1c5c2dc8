package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
	"github.com/estatedesk/estatedesk/internal/i18n"
	"github.com/estatedesk/estatedesk/web"
)

// feeWorld is what the fee tests seed in an estate: a one-off item with
// two bills of ¥500 on the portfolio's unit, one of them paid (payment)
// and the other with a waiver requested by the clerk, and a queued
// billing run.
type feeWorld struct {
	item, unit, bill, open, payment, waiver, run uuid.UUID
}

func (e *env) seedFees(p *portfolio, estateID, unitID uuid.UUID, prefix string) feeWorld {
	e.t.Helper()
	ctx := context.Background()
	mgr := fee.Actor{UserID: e.actors["manager"].user.ID, Scope: estate.Scope{All: true}}
	clerk := fee.Actor{UserID: e.actors["clerk"].user.ID, Scope: estate.Scope{All: true}}
	it, err := e.fees.CreateItem(ctx, e.alpha.ID, mgr.Scope, estateID, fee.ItemInput{Name: prefix + "装修管理费", Kind: fee.OneOff, DueDay: 1, VacantPercent: 100})
	must(e.t, err)
	b1, err := e.fees.ChargeOneOff(ctx, e.alpha, mgr, unitID, it.ID, "2026-01-05", 50000)
	must(e.t, err)
	b2, err := e.fees.ChargeOneOff(ctx, e.alpha, mgr, unitID, it.ID, "2026-02-05", 50000)
	must(e.t, err)
	rc, err := e.fees.Pay(ctx, e.alpha, clerk, fee.PayInput{UnitID: unitID, BillIDs: []uuid.UUID{b1.ID}, Method: fee.Cash, AmountFen: 50000}, "")
	must(e.t, err)
	w, err := e.fees.RequestWaiver(ctx, e.alpha.ID, clerk, b2.ID, 1000, "业主家中漏水，物业承担部分")
	must(e.t, err)
	r, err := e.fees.StartRun(ctx, e.alpha.ID, mgr, estateID, "2026-03")
	must(e.t, err)
	return feeWorld{item: it.ID, unit: unitID, bill: b1.ID, open: b2.ID, payment: rc.Payment.ID, waiver: w.ID, run: r.ID}
}

func (w feeWorld) replacer(estateID uuid.UUID) *strings.Replacer {
	return strings.NewReplacer("{estate}", estateID.String(), "{item}", w.item.String(), "{unit}", w.unit.String(), "{bill}", w.open.String(),
		"{paid_bill}", w.bill.String(), "{payment}", w.payment.String(), "{waiver}", w.waiver.String(), "{run}", w.run.String())
}

// feeScenario is a fee route with the body each face sends, the least
// privileged role that may call it and the roles that get 403.
type feeScenario struct {
	method, path string
	body         map[string]any
	allowed      string
	denied       []string
	want         int
	api          bool
}

var (
	noFeeRead  = []string{"worker", "team_leader", "document_controller"}
	noFeeAdmin = []string{"clerk", "office_head", "worker", "team_leader", "document_controller"}
	noDecide   = []string{"clerk", "worker", "team_leader", "document_controller"}
)

func feeScenarios() []feeScenario {
	var out []feeScenario
	add := func(method, path string, htmlBody, apiBody map[string]any, allowed string, denied []string, wantHTML, wantAPI int) {
		if wantHTML != 0 {
			out = append(out, feeScenario{method, "/t/alpha" + path, htmlBody, allowed, denied, wantHTML, false})
		}
		if wantAPI != 0 {
			out = append(out, feeScenario{method, "/api/v1/t/alpha" + path, apiBody, allowed, denied, wantAPI, true})
		}
	}
	item := map[string]any{"estate_id": "{estate}", "name": "物业服务费", "kind": "area", "cycle": "monthly", "due_day": 15, "vacant_percent": 70}
	edit := map[string]any{"name": "装修管理费（新）", "due_day": 10, "vacant_percent": 100}
	run := map[string]any{"estate_id": "{estate}", "period": "2026-04"}
	reason := map[string]any{"reason": "收款方式录错"}
	add("GET", "/fees", nil, nil, "clerk", noFeeRead, 200, 0)
	add("GET", "/fees/items?estate={estate}", nil, nil, "clerk", noFeeRead, 200, 200)
	add("POST", "/fees/items", item, item, "assistant", noFeeAdmin, 303, 201)
	add("POST", "/fees/items/{item}", edit, edit, "assistant", noFeeAdmin, 303, 200)
	add("POST", "/fees/items/{item}/archive", nil, nil, "assistant", noFeeAdmin, 303, 200)
	add("POST", "/fees/items/{item}/restore", nil, nil, "assistant", noFeeAdmin, 303, 200)
	add("POST", "/fees/items/{item}/rates", map[string]any{"effective_from": "2026-01-01", "price": "2.80"},
		map[string]any{"effective_from": "2026-01-01", "price": 28000}, "assistant", noFeeAdmin, 303, 201)
	add("GET", "/fees/runs?estate={estate}", nil, nil, "assistant", noFeeAdmin, 200, 200)
	add("GET", "/fees/runs/preview?estate={estate}&period=2026-04", nil, nil, "assistant", noFeeAdmin, 200, 200)
	add("POST", "/fees/runs", run, run, "assistant", noFeeAdmin, 303, 202)
	add("GET", "/fees/runs/{run}", nil, nil, "assistant", noFeeAdmin, 200, 200)
	add("GET", "/fees/counter?q=1-101", nil, nil, "clerk", noFeeRead, 200, 0)
	add("GET", "/fees/units/{unit}", nil, nil, "clerk", noFeeRead, 200, 200)
	add("POST", "/fees/units/{unit}/payments", map[string]any{"method": "cash", "amount": "100.00", "idempotency_key": "form-1"},
		map[string]any{"method": "wechat", "amount_fen": 10000}, "clerk", noFeeRead, 303, 201)
	add("GET", "/fees/payments/{payment}", nil, nil, "clerk", noFeeRead, 200, 200)
	add("POST", "/fees/payments/{payment}/void", reason, reason, "assistant", noFeeAdmin, 303, 200)
	add("POST", "/fees/bills/{bill}/waivers", map[string]any{"amount": "20.00", "reason": "空置"},
		map[string]any{"amount_fen": 2000, "reason": "空置"}, "clerk", noFeeRead, 303, 201)
	add("POST", "/fees/waivers/{waiver}/approve", nil, nil, "office_head", noDecide, 303, 200)
	add("POST", "/fees/waivers/{waiver}/reject", nil, nil, "office_head", noDecide, 303, 200)
	add("GET", "/fees/arrears?estate={estate}", nil, nil, "clerk", noFeeRead, 200, 200)
	add("GET", "/fees/arrears.xlsx?estate={estate}", nil, nil, "clerk", noFeeRead, 200, 200)
	add("GET", "/fees/rates?estate={estate}&period=2026-02", nil, nil, "clerk", noFeeRead, 200, 200)
	// PDFs
	add("GET", "/fees/payments/{payment}/receipt.pdf", nil, nil, "clerk", noFeeRead, 200, 200)
	add("GET", "/fees/units/{unit}/statement.pdf", nil, nil, "clerk", noFeeRead, 200, 200)
	add("GET", "/fees/arrears/letters.pdf?estate={estate}", nil, nil, "clerk", noFeeRead, 200, 200)
	add("POST", "/fees/arrears/letters.pdf?estate={estate}", map[string]any{"unit": "{unit}"}, nil, "clerk", noFeeRead, 200, 200)
	return out
}

func (e *env) feeRequest(s feeScenario, r *strings.Replacer, as string) *http.Response {
	req := request{method: s.method, path: r.Replace(s.path), as: as}
	switch {
	case s.body != nil && s.api:
		m := map[string]any{}
		for k, v := range s.body {
			if str, ok := v.(string); ok {
				v = r.Replace(str)
			}
			m[k] = v
		}
		req.json = m
	case s.body != nil:
		req.form = url.Values{}
		for k, v := range s.body {
			req.form.Set(k, r.Replace(fmt.Sprint(v)))
		}
	case s.method == "POST" && !s.api:
		req.form = url.Values{}
	case s.method == "POST":
		req.json = map[string]any{}
	}
	return e.do(req)
}

// expectFeeRefusals checks who may not take a fee route: anonymous (401 on
// the API, the sign-in page otherwise), another company's manager (404),
// each role without the permission (403).
func (e *env) expectFeeRefusals(t *testing.T, s feeScenario, r *strings.Replacer) {
	t.Helper()
	resp := e.feeRequest(s, r, "")
	if s.api {
		expectStatus(t, resp, http.StatusUnauthorized, "anonymous")
	} else if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("anonymous: %d %s, want redirect to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	expectStatus(t, e.feeRequest(s, r, "other"), http.StatusNotFound, "member of another tenant")
	for _, role := range s.denied {
		expectStatus(t, e.feeRequest(s, r, role), http.StatusForbidden, role)
	}
}

// Every fee route, each face: anonymous, another tenant's manager, each
// role without the permission, and the least privileged role with it.
func TestFeeRoutesScenarios(t *testing.T) {
	for _, s := range feeScenarios() {
		t.Run(s.method+" "+s.path, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			p := e.seedPortfolio()
			w := e.seedFees(p, e.estates[0].ID, p.northUnit, "")
			r := w.replacer(e.estates[0].ID)
			e.expectFeeRefusals(t, s, r)
			resp := e.feeRequest(s, r, s.allowed)
			if resp.StatusCode == http.StatusSeeOther {
				if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/t/alpha/fees") {
					t.Errorf("redirect to %q", loc)
				}
			}
			expectStatus(t, resp, s.want, s.allowed)
		})
	}
}

// A clerk of North gets 404 for everything of South, through every route
// that names it; the assistant (company-wide) does not.
func TestFeeEstateScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPortfolio()
	e.seedFees(p, e.estates[0].ID, p.northUnit, "")
	south := e.seedFees(p, e.estates[1].ID, p.southUnit, "南区")
	r := south.replacer(e.estates[1].ID)
	for _, s := range feeScenarios() {
		if !strings.Contains(s.path, "{") && s.body == nil {
			continue // the home page and the counter's search name no estate
		}
		if s.allowed == "assistant" {
			continue // set-up, runs and voids are for company-wide roles only
		}
		as := s.allowed // the clerk or the office head, both of North
		resp := e.feeRequest(s, r, as)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s %s: %d, want 404: %.300s", as, s.method, s.path, resp.StatusCode, readBody(t, resp))
		} else {
			resp.Body.Close()
		}
	}
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/fees/units/" + p.southUnit.String(), as: "assistant"}), http.StatusOK, "assistant")
	expectStatus(t, e.do(request{method: "GET", path: "/t/alpha/fees/payments/not-a-uuid", as: "clerk"}), http.StatusNotFound, "malformed ID")
}

// The same Idempotency-Key twice records one payment: the retry answers
// 200 with the first receipt and Idempotent-Replayed; another body with
// the key is a 422 (fee_idempotency_mismatch).
func TestFeePaymentIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPortfolio()
	w := e.seedFees(p, e.estates[0].ID, p.northUnit, "")
	path := "/api/v1/t/alpha/fees/units/" + w.unit.String() + "/payments"
	body := map[string]any{"method": "cash", "amount_fen": 49000}
	key := map[string]string{"Idempotency-Key": "counter-7-0001"}
	r1 := e.do(request{method: "POST", path: path, as: "clerk", json: body, header: key})
	r2 := e.do(request{method: "POST", path: path, as: "clerk", json: body, header: key})
	var rc1, rc2 fee.Receipt
	if r1.StatusCode != http.StatusCreated || r2.StatusCode != http.StatusOK || r2.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("first %d, retry %d %q", r1.StatusCode, r2.StatusCode, r2.Header.Get("Idempotent-Replayed"))
	}
	decode(t, r1, &rc1)
	decode(t, r2, &rc2)
	if rc1.Payment.ID != rc2.Payment.ID || rc1.Payment.ReceiptNo != rc2.Payment.ReceiptNo {
		t.Errorf("retry gave %s %s, first %s %s", rc2.Payment.ID, rc2.Payment.ReceiptNo, rc1.Payment.ID, rc1.Payment.ReceiptNo)
	}
	ac, err := e.fees.Account(context.Background(), e.alpha.ID, estate.Scope{All: true}, w.unit)
	must(t, err)
	if len(ac.Payments) != 2 { // the seeded one and this one
		t.Errorf("%d payments, want 2", len(ac.Payments))
	}
	r3 := e.do(request{method: "POST", path: path, as: "clerk", json: map[string]any{"method": "cash", "amount_fen": 100}, header: key})
	if pr := problemOf(t, r3); r3.StatusCode != http.StatusUnprocessableEntity || pr["code"] != "fee_idempotency_mismatch" {
		t.Errorf("other body with the key: %d %v", r3.StatusCode, pr)
	}
}

// A double-clicked counter form records one payment and both submits land
// on its receipt.
func TestFeePaymentFormDoubleSubmit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPortfolio()
	w := e.seedFees(p, e.estates[0].ID, p.northUnit, "")
	form := url.Values{"method": {"cash"}, "bill_ids": {w.open.String()}, "shown": {w.open.String() + ":50000"}, "idempotency_key": {uuid.NewString()}}
	path := "/t/alpha/fees/units/" + w.unit.String() + "/payments"
	r1 := e.do(request{method: "POST", path: path, as: "clerk", form: form})
	r2 := e.do(request{method: "POST", path: path, as: "clerk", form: form})
	expectRedirect(t, r1, "/t/alpha/fees/payments/", "first")
	if r2.Header.Get("Location") != r1.Header.Get("Location") {
		t.Errorf("second submit went to %q, first to %q", r2.Header.Get("Location"), r1.Header.Get("Location"))
	}
	// The receipt shows the number, the account the bill as paid.
	if body := page(t, e, r1.Header.Get("Location"), "clerk"); !strings.Contains(body, "SK2026-") && !strings.Contains(body, "SK20") {
		t.Errorf("receipt page without its number: %.500s", body)
	}
	ac, err := e.fees.Account(context.Background(), e.alpha.ID, estate.Scope{All: true}, w.unit)
	must(t, err)
	if len(ac.Payments) != 2 || ac.OpenFen != 0 {
		t.Errorf("%d payments, %d fen open; want 2 and 0", len(ac.Payments), ac.OpenFen)
	}
}

// A bill paid at another counter meanwhile is a 409 with the translated
// reason: through the API as a problem, in the browser on the account
// page with the form kept.
func TestFeePaymentConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPortfolio()
	w := e.seedFees(p, e.estates[0].ID, p.northUnit, "")
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/units/" + w.unit.String() + "/payments", as: "clerk",
		json: map[string]any{"method": "cash", "bill_ids": []string{w.bill.String()}, "amount_fen": 100}})
	if pr := problemOf(t, resp); resp.StatusCode != http.StatusConflict || pr["code"] != "fee_already_paid" {
		t.Errorf("API: %d %v", resp.StatusCode, pr)
	}
	resp = e.do(request{method: "POST", path: "/t/alpha/fees/units/" + w.unit.String() + "/payments", as: "clerk",
		form: url.Values{"method": {"cash"}, "bill_ids": {w.bill.String()}, "amount": {"1.00"}, "idempotency_key": {"k"}}, header: map[string]string{"Accept-Language": "zh-CN"}})
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `id="fee-pay-error"`) {
		t.Errorf("form: %d %.300s", resp.StatusCode, body)
	}
	resp = e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/units/" + w.unit.String() + "/payments", as: "clerk",
		json: map[string]any{"method": "barter", "amount_fen": 100}})
	if pr := problemOf(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || pr["code"] != "fee_invalid_method" {
		t.Errorf("bad method: %d %v", resp.StatusCode, pr)
	}
}

// The account page lists the bills, ticked for the counter, the payment
// and the waiver awaiting a decision, which the office head may decide
// and the clerk may not.
func TestFeeAccountPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPortfolio()
	w := e.seedFees(p, e.estates[0].ID, p.northUnit, "")
	body := page(t, e, "/t/alpha/fees/units/"+w.unit.String(), "clerk")
	for _, want := range []string{`name="bill_ids" value="` + w.open.String() + `" checked`, "装修管理费", "¥500.00", `name="idempotency_key"`} {
		if !strings.Contains(body, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	if strings.Contains(body, "/waivers/"+w.waiver.String()+"/approve") {
		t.Error("the clerk is offered the waiver's approval")
	}
	if body := page(t, e, "/t/alpha/fees/units/"+w.unit.String(), "office_head"); !strings.Contains(body, "/waivers/"+w.waiver.String()+"/approve") {
		t.Error("the office head is not offered the waiver's approval")
	}
	if body := page(t, e, "/t/alpha/units/"+w.unit.String(), "clerk"); !strings.Contains(body, `/t/alpha/fees/units/`+w.unit.String()) {
		t.Error("the unit page does not link to its fee account")
	}
}

// Every error the fee package declares is mapped to a code (fee_errors.go
// lists it) whose message exists in every language.
func TestFeeErrorsTranslated(t *testing.T) {
	decl, err := os.ReadFile("../fee/errors.go")
	must(t, err)
	mapped, err := os.ReadFile("fee_errors.go")
	must(t, err)
	cat, err := i18n.Load(web.FS)
	must(t, err)
	names := regexp.MustCompile(`(?m)^\t(Err[A-Za-z]+)\s+=`).FindAllStringSubmatch(string(decl), -1)
	if len(names) < 30 {
		t.Fatalf("found %d errors in fee/errors.go", len(names))
	}
	for _, n := range names {
		m := regexp.MustCompile(`\{fee\.` + n[1] + `, "([a-z_]+)"\}`).FindStringSubmatch(string(mapped))
		if m == nil {
			t.Errorf("fee.%s has no code in fee_errors.go", n[1])
			continue
		}
		for _, lang := range i18n.Languages {
			if !cat.Has(lang, "error."+m[1]) {
				t.Errorf("error.%s has no %s message", m[1], lang)
			}
		}
	}
}

// A webhook subscribed to the fee events gets the payment taken at the
// counter and its void, each with the receipt.
func TestFeeWebhooks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPortfolio()
	w := e.seedFees(p, e.estates[0].ID, p.northUnit, "")
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/settings/webhooks", as: "manager",
		json: map[string]any{"url": "https://203.0.113.10/fees", "events": []string{"payment.recorded", "payment.voided", "bill.created"}}})
	var hook struct {
		ID     string   `json:"id"`
		Events []string `json:"events"`
	}
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("webhook: %d %s", resp.StatusCode, readBody(t, resp))
	}
	decode(t, resp, &hook)
	if strings.Join(hook.Events, ",") != "bill.created,payment.recorded,payment.voided" {
		t.Errorf("events %v", hook.Events)
	}
	resp = e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/units/" + w.unit.String() + "/payments", as: "clerk",
		json: map[string]any{"method": "alipay", "amount_fen": 50000}})
	var rc fee.Receipt
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("pay: %d %s", resp.StatusCode, readBody(t, resp))
	}
	decode(t, resp, &rc)
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/payments/" + rc.Payment.ID.String() + "/void", as: "assistant",
		json: map[string]any{"reason": "收错房号"}}), http.StatusOK, "void")
	var log struct {
		Deliveries []struct {
			Event   string `json:"event"`
			Payload struct {
				Data struct {
					Payment struct {
						ReceiptNo string `json:"receipt_no"`
					} `json:"payment"`
				} `json:"data"`
			} `json:"payload"`
		} `json:"deliveries"`
	}
	resp = e.do(request{method: "GET", path: "/api/v1/t/alpha/settings/webhooks/" + hook.ID + "/deliveries?limit=10", as: "manager"})
	decode(t, resp, &log)
	var got []string
	for _, d := range log.Deliveries {
		got = append(got, d.Event+" "+d.Payload.Data.Payment.ReceiptNo)
	}
	want := "payment.voided " + rc.Payment.ReceiptNo + ",payment.recorded " + rc.Payment.ReceiptNo
	if strings.Join(got, ",") != want {
		t.Errorf("deliveries %v, want %s", got, want)
	}
}
