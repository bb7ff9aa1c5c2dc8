package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/estatedesk/estatedesk/internal/fee"
)

// lateScenarios are the routes of late fees (滞纳金).
func lateScenarios() []feeScenario {
	var out []feeScenario
	add := func(method, path string, htmlBody, apiBody map[string]any, allowed string, denied []string, wantHTML, wantAPI int) {
		out = append(out, feeScenario{method, "/t/alpha" + path, htmlBody, allowed, denied, wantHTML, false},
			feeScenario{method, "/api/v1/t/alpha" + path, apiBody, allowed, denied, wantAPI, true})
	}
	add("GET", "/fees/late-fees?estate={estate}", nil, nil, "clerk", noFeeRead, 200, 200)
	add("POST", "/fees/late-fees", map[string]any{"estate_id": "{estate}", "enabled": "true", "rate": "0.03", "grace_days": "10"},
		map[string]any{"estate_id": "{estate}", "enabled": true, "rate_ppm": 300, "grace_days": 10}, "assistant", noFeeAdmin, 303, 200)
	return out
}

// Every late-fee route, each face: anonymous, another company's manager
// (404), each role without the permission (403), the least privileged
// role with it; and a clerk of another estate (404).
func TestLateFeeRoutesScenarios(t *testing.T) {
	for _, s := range lateScenarios() {
		t.Run(s.method+" "+s.path, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			p := e.seedPortfolio()
			w := e.seedFees(p, e.estates[0].ID, p.northUnit, "")
			r := w.replacer(e.estates[0].ID)
			e.expectFeeRefusals(t, s, r)
			expectStatus(t, e.feeRequest(s, r, s.allowed), s.want, s.allowed)
			// South's policy is not the North clerk's business (the
			// assistant, who may set policies, is company-wide).
			if s.allowed == "clerk" {
				expectStatus(t, e.feeRequest(s, w.replacer(e.estates[1].ID), "clerk"), http.StatusNotFound, "clerk of another estate")
			}
		})
	}
}

// The manager turns the policy on; the counter shows the open bill's
// late fee (API and page) and the policy page says what it is; bad input
// is a translated 422.
func TestLateFeePolicyAndCounter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPortfolio()
	w := e.seedFees(p, e.estates[0].ID, p.northUnit, "")
	north := e.estates[0].ID.String()
	var ac struct {
		LateFees   []fee.LateFee `json:"late_fees"`
		LateFeeFen int64         `json:"late_fee_fen"`
	}
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/fees/units/" + w.unit.String(), as: "clerk"}), &ac)
	if len(ac.LateFees) != 0 || ac.LateFeeFen != 0 {
		t.Fatalf("late fees while off: %+v", ac)
	}
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/late-fees", as: "manager",
		json: map[string]any{"estate_id": north, "enabled": true, "rate_ppm": 0}})
	expectStatus(t, resp, http.StatusUnprocessableEntity, "no rate")
	resp = e.do(request{method: "POST", path: "/t/alpha/fees/late-fees", as: "manager",
		form: url.Values{"estate_id": {north}, "enabled": {"true"}, "rate": {"0.05"}, "grace_days": {"10"}, "cap_percent": {"100"}}})
	expectStatus(t, resp, http.StatusSeeOther, "set by the form")
	var pol fee.LatePolicy
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/fees/late-fees?estate=" + north, as: "clerk"}), &pol)
	if !pol.Enabled || pol.RatePPM != 500 || pol.GraceDays != 10 || pol.CapPercent != 100 {
		t.Fatalf("policy %+v", pol)
	}
	body := page(t, e, "/t/alpha/fees/late-fees?estate="+north, "clerk")
	for _, want := range []string{`id="late-policy-state"`, "每日 0.05%，宽限 10 天", "上限为账单金额的 100%"} {
		if !strings.Contains(body, want) {
			t.Errorf("policy page lacks %q", want)
		}
	}
	if strings.Contains(body, `id="late-policy-form"`) {
		t.Error("the clerk is shown the policy form")
	}
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/fees/units/" + w.unit.String(), as: "clerk"}), &ac)
	if len(ac.LateFees) != 1 || ac.LateFees[0].BillID != w.open {
		t.Fatalf("late fees %+v", ac)
	}
	// The open bill (¥500, due early in February) is months late: ¥0.25 a
	// day, within the cap of ¥500.
	lf := ac.LateFees[0]
	if lf.Days < 60 || lf.Fen != min(int64(lf.Days)*25, 50000) || ac.LateFeeFen != lf.Fen {
		t.Errorf("late fee %+v total %d", lf, ac.LateFeeFen)
	}
	body = page(t, e, "/t/alpha/fees/units/"+w.unit.String(), "clerk")
	for _, want := range []string{`id="fee-late-total"`, fee.Format(lf.Fen), "逾期 "} {
		if !strings.Contains(body, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
}

// At the counter: a late-fee waiver asked by the clerk and approved by
// the office head; the form pays the open bill with its late fee as
// shown; the receipt names the late fee, on the page and in the API.
func TestLateFeePaidAtCounter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPortfolio()
	w := e.seedFees(p, e.estates[0].ID, p.northUnit, "")
	north := e.estates[0].ID.String()
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/late-fees", as: "manager",
		json: map[string]any{"estate_id": north, "enabled": true, "rate_ppm": 500, "cap_percent": 100}}), http.StatusOK, "policy")
	// The paid bill has no late fee to waive; the open one has.
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/bills/" + w.bill.String() + "/waivers", as: "clerk",
		json: map[string]any{"amount_fen": 100, "reason": "通知延误", "late_fee": true}})
	expectStatus(t, resp, http.StatusUnprocessableEntity, "paid bill")
	var wv fee.Waiver
	decode(t, e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/bills/" + w.open.String() + "/waivers", as: "clerk",
		json: map[string]any{"amount_fen": 100, "reason": "通知延误", "late_fee": true}}), &wv)
	if !wv.LateFee || wv.AmountFen != 100 {
		t.Fatalf("waiver %+v", wv)
	}
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/waivers/" + wv.ID.String() + "/approve", as: "office_head"}), http.StatusOK, "approve")
	body := page(t, e, "/t/alpha/fees/units/"+w.unit.String(), "clerk")
	if !strings.Contains(body, `name="late_shown"`) || !strings.Contains(body, `id="fee-pay-late"`) {
		t.Fatal("the counter's form lacks the late fees")
	}
	var ac struct {
		LateFees   []fee.LateFee `json:"late_fees"`
		LateFeeFen int64         `json:"late_fee_fen"`
	}
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/fees/units/" + w.unit.String(), as: "clerk"}), &ac)
	if len(ac.LateFees) != 1 || ac.LateFees[0].WaivedFen != 100 || ac.LateFeeFen != ac.LateFees[0].ComputedFen-100 {
		t.Fatalf("late fees %+v", ac)
	}
	open := w.open.String()
	form := url.Values{"method": {"cash"}, "idempotency_key": {"late-form-1"}, "bill_ids": {open},
		"shown": {open + ":50000"}, "late_shown": {open + ":" + strconv.FormatInt(ac.LateFeeFen, 10)}}
	// A page shown before the late fee changed is refused.
	stale := url.Values{"method": {"cash"}, "idempotency_key": {"late-form-0"}, "bill_ids": {open},
		"shown": {open + ":50000"}, "late_shown": {open + ":1"}}
	resp = e.do(request{method: "POST", path: "/t/alpha/fees/units/" + w.unit.String() + "/payments", as: "clerk", form: stale})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(readBody(t, resp), "滞纳金已变化") {
		t.Errorf("stale late fee: %d", resp.StatusCode)
	}
	resp = e.do(request{method: "POST", path: "/t/alpha/fees/units/" + w.unit.String() + "/payments", as: "clerk", form: form})
	expectStatus(t, resp, http.StatusSeeOther, "pay")
	loc := resp.Header.Get("Location")
	var rc fee.Receipt
	decode(t, e.do(request{method: "GET", path: "/api/v1" + loc, as: "clerk"}), &rc)
	if rc.Payment.LateFeeFen != ac.LateFeeFen || rc.Payment.AmountFen != 50000+ac.LateFeeFen || len(rc.LateFees) != 1 {
		t.Fatalf("receipt %+v %+v", rc.Payment, rc.LateFees)
	}
	body = page(t, e, loc, "clerk")
	for _, want := range []string{`id="fee-payment-late"`, "滞纳金（装修管理费）", fee.Format(ac.LateFeeFen)} {
		if !strings.Contains(body, want) {
			t.Errorf("the payment page lacks %q", want)
		}
	}
	resp = e.do(request{method: "GET", path: loc + "/receipt.pdf", as: "clerk"})
	expectStatus(t, resp, http.StatusOK, "receipt PDF")
	resp = e.do(request{method: "GET", path: "/t/alpha/fees/units/" + w.unit.String() + "/statement.pdf", as: "clerk"})
	expectStatus(t, resp, http.StatusOK, "statement PDF")
}
