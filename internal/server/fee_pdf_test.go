package server_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
	"github.com/estatedesk/estatedesk/internal/pdf/pdftest"
)

// pdfText fetches a PDF and reads its text, after checking that it is one.
func (e *env) pdfText(r request) string {
	e.t.Helper()
	resp := e.do(r)
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	must(e.t, err)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		e.t.Fatalf("%s %s: %d %s %.300s", r.method, r.path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline; ") {
		e.t.Errorf("Content-Disposition %q", resp.Header.Get("Content-Disposition"))
	}
	return pdftest.Text(e.t, b)
}

// The receipt's first print is the original, every later one — on either
// face, by anyone — a copy (副本); a voided payment's says 作废. The text
// carries the number, the unit, the item and the amount in figures and in
// capitals.
func TestFeeReceiptPDFPrints(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPortfolio()
	w := e.seedFees(p, e.estates[0].ID, p.northUnit, "")
	rc, err := e.fees.Payment(context.Background(), e.alpha.ID, estate.Scope{All: true}, w.payment)
	must(t, err)
	path := "/t/alpha/fees/payments/" + w.payment.String() + "/receipt.pdf"
	zh := map[string]string{"Accept-Language": "zh-CN"}

	first := e.pdfText(request{method: "GET", path: path, as: "clerk", header: zh})
	ac, err := e.fees.Account(context.Background(), e.alpha.ID, estate.Scope{All: true}, w.unit)
	must(t, err)
	pdftest.Contains(t, first, "收款收据", rc.Payment.ReceiptNo, ac.Unit.Code, "装修管理费", "2026-01-05", "¥500.00", "伍佰元整", "现金")
	if strings.Contains(first, "副本") || strings.Contains(first, "作废") {
		t.Errorf("the original print says 副本 or 作废:\n%s", first)
	}
	second := e.pdfText(request{method: "GET", path: "/api/v1" + path, as: "office_head", header: zh})
	pdftest.Contains(t, second, "副本", "第 2 次打印", rc.Payment.ReceiptNo, "伍佰元整")

	_, err = e.fees.Void(context.Background(), e.alpha.ID, fee.Actor{UserID: e.actors["manager"].user.ID, Scope: estate.Scope{All: true}}, w.payment, "收款方式录错")
	must(t, err)
	third := e.pdfText(request{method: "GET", path: path, as: "clerk", header: zh})
	pdftest.Contains(t, third, "副本", "第 3 次打印", "作废", "收款方式录错")
}

// The statement has what the account page has: the bills, the payment by
// its receipt number, the running balance, the totals.
func TestFeeStatementPDF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPortfolio()
	w := e.seedFees(p, e.estates[0].ID, p.northUnit, "")
	rc, err := e.fees.Payment(context.Background(), e.alpha.ID, estate.Scope{All: true}, w.payment)
	must(t, err)
	body := page(t, e, "/t/alpha/fees/units/"+w.unit.String(), "clerk")
	if !strings.Contains(body, "/t/alpha/fees/units/"+w.unit.String()+"/statement.pdf") {
		t.Error("the account page does not link to its statement")
	}
	text := e.pdfText(request{method: "GET", path: "/api/v1/t/alpha/fees/units/" + w.unit.String() + "/statement.pdf", as: "clerk",
		header: map[string]string{"Accept-Language": "zh-CN"}})
	// Two bills of ¥500, one paid: ¥500 owed, nothing prepaid.
	pdftest.Contains(t, text, "对账单", "装修管理费2026-01-05", "装修管理费2026-02-05", "收款"+rc.Payment.ReceiptNo+"（现金）",
		"欠费合计：¥500.00", "预存款余额：¥0.00", "¥1,000.00", "已缴清", "未缴", "减免申请", "业主家中漏水，物业承担部分", "¥10.00", "待审批")
}

// Letters go to the units in arrears under the arrears list's filters, a
// page each; min_days narrows them, a bad one is a 422 with its message,
// and none left is a 422 too. Posted, they are for the ticked units only.
func TestFeeLettersPDF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPortfolio()
	w := e.seedFees(p, e.estates[0].ID, p.northUnit, "")
	est := e.estates[0].ID.String()
	ac, err := e.fees.Account(context.Background(), e.alpha.ID, estate.Scope{All: true}, w.unit)
	must(t, err)
	body := page(t, e, "/t/alpha/fees/arrears?estate="+est, "clerk")
	for _, want := range []string{`action="/t/alpha/fees/arrears/letters.pdf"`, `action="/t/alpha/fees/arrears/letters.pdf?estate=` + est + `"`, `href="/t/alpha/fees/arrears.xlsx?estate=` + est + `"`, `name="unit" value="` + w.unit.String() + `" form="fee-letters-ticked"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the arrears list lacks %s", want)
		}
	}
	zh := map[string]string{"Accept-Language": "zh-CN"}
	text := e.pdfText(request{method: "GET", path: "/t/alpha/fees/arrears/letters.pdf?estate=" + est + "&min_days=30", as: "clerk", header: zh})
	pdftest.Contains(t, text, "催缴通知书", ac.Unit.Code, "装修管理费", "2026-02-05", "¥500.00", "伍佰元整")
	if strings.Contains(text, "2026-01-05") {
		t.Error("the paid bill is in the letter")
	}
	text = e.pdfText(request{method: "POST", path: "/t/alpha/fees/arrears/letters.pdf?estate=" + est, as: "clerk", header: zh,
		form: url.Values{"unit": {w.unit.String()}}})
	pdftest.Contains(t, text, ac.Unit.Code)

	for q, code := range map[string]string{"&min_days=-1": "fee_invalid_min_days", "&min_days=x": "fee_invalid_min_days", "&min_days=3650": "fee_no_arrears"} {
		resp := e.do(request{method: "GET", path: "/api/v1/t/alpha/fees/arrears/letters.pdf?estate=" + est + q, as: "clerk"})
		if pr := problemOf(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || pr["code"] != code {
			t.Errorf("%s: %d %v, want 422 %s", q, resp.StatusCode, pr, code)
		}
	}
	// A unit of another estate ticked: not among the arrears, so nothing.
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/arrears/letters.pdf?estate=" + est, as: "clerk",
		json: map[string]any{"units": []string{p.southUnit.String()}}})
	if pr := problemOf(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || pr["code"] != "fee_no_arrears" {
		t.Errorf("another estate's unit ticked: %d %v", resp.StatusCode, pr)
	}
}
