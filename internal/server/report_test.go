package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/pdf/pdftest"
	"github.com/estatedesk/estatedesk/internal/report"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// seedReportMonth writes alpha's November 2026 (Shanghai): in North a 重大
// 投诉 and a repair whose owner was dissatisfied on the call-back; in South
// a satisfied repair and another 重大投诉. Then the rollups are counted.
func (e *env) seedReportMonth() {
	e.t.Helper()
	ctx := context.Background()
	loc := e.alpha.Location()
	at := func(day, hour int) time.Time { return time.Date(2026, 11, day, hour, 0, 0, 0, loc).UTC() }
	by := e.actors["clerk"].user.ID
	var tks []*ticket.Ticket
	var cbs []*ticket.Callback
	add := func(n int, est uuid.UUID, typ ticket.Type, major bool, desc string, day int, score int, comment string) {
		created := at(day, 10)
		done := created.Add(3 * time.Hour)
		due := created.Add(24 * time.Hour)
		tk := &ticket.Ticket{TenantID: e.alpha.ID, ID: uuid.New(), Number: fmt.Sprintf("GD2026110%d", n), EstateID: est, Channel: ticket.Phone,
			Type: typ, Priority: ticket.Normal, Major: major, Status: ticket.Completed, Description: desc, ReceivedBy: by, CreatedBy: by,
			CreatedAt: created, UpdatedAt: done, CompletedAt: &done, ResolveDue: &due}
		if score > 0 {
			tk.CallbackState, tk.Satisfaction = ticket.CallbackDone, score
			cbs = append(cbs, &ticket.Callback{TenantID: e.alpha.ID, ID: uuid.New(), TicketID: tk.ID, Attempt: 1, Reached: true,
				Overall: score, Speed: score, Attitude: score, Comment: comment, ByID: by, At: done.Add(24 * time.Hour)})
		}
		tks = append(tks, tk)
	}
	north, south := e.estates[0].ID, e.estates[1].ID
	tree, err := e.tickets.Categories(ctx, e.alpha.ID)
	must(e.t, err)
	var root *uuid.UUID
	for _, c := range tree {
		if c.ParentID == nil && c.Name == "维修" {
			root = &c.ID
		}
	}
	if root == nil {
		e.t.Fatal("no category 维修")
	}
	add(1, north, ticket.Complaint, true, "北区电梯困人四十分钟无人处理", 10, 0, "")
	add(2, north, ticket.Repair, false, "厨房水管漏水", 12, 2, "维修师傅态度差，问题没解决")
	add(3, south, ticket.Repair, false, "门禁失灵", 14, 5, "很满意")
	add(4, south, ticket.Complaint, true, "南区垃圾清运不及时", 20, 0, "")
	for _, tk := range tks[1:3] {
		tk.CategoryID = root
	}
	must(e.t, e.db.InTenant(ctx, e.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		for _, m := range []any{&tks, &cbs} {
			if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}))
	must(e.t, e.kpis.RefreshTenant(ctx, e.alpha))
}

// generateReport asks for a report and answers its ID.
func (e *env) generateReport(as, month, estateID string) uuid.UUID {
	e.t.Helper()
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/reports", as: as, json: map[string]string{"month": month, "estate_id": estateID}})
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("generate %s %q as %s: %d %s", month, estateID, as, resp.StatusCode, readBody(e.t, resp))
	}
	var r report.Report
	decode(e.t, resp, &r)
	return r.ID
}

// The company's report of a month: its PDF carries the figures against the
// targets, both estates, the 重大投诉, the dissatisfied owner's words and
// the fees; its XLSX the same figures as numbers. An estate's report has
// only its estate's.
func TestReportGenerateRenders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedReportMonth()
	company := e.generateReport("manager", "2026-11", "")
	zh := map[string]string{"Accept-Language": "zh-CN"}
	text := e.pdfText(request{method: "GET", path: "/t/alpha/reports/" + company.String() + "/report.pdf", as: "manager", header: zh})
	pdftest.Contains(t, text, "月度分析报告", "Alpha 物业", "全公司 · 2026-11", "本月指标与目标", "客户满意率", "50.00%", "≥ 95.00%", "未达标",
		"各小区对比", "North", "South", "近 12 个月趋势", "每月报事量", "重大投诉（2 件）", "GD20261101", "北区电梯困人四十分钟无人处理",
		"南区垃圾清运不及时", "热点类别与楼栋", "维修 2 0", "不满意业主回访原话（1 条）", "维修师傅态度差，问题没解决", "收费情况", "收缴率")
	if strings.Contains(text, "很满意") {
		t.Errorf("a satisfied owner's words are in the report:\n%s", text)
	}
	if pages := strings.Count(strings.TrimRight(text, "\f"), "\f") + 1; pages < 2 {
		t.Errorf("%d pages", pages)
	}

	resp := e.do(request{method: "GET", path: "/api/v1/t/alpha/reports/" + company.String() + "/report.xlsx", as: "manager", header: zh})
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("xlsx: %d %s", resp.StatusCode, body)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	must(t, err)
	rows, err := f.GetRows("指标")
	must(t, err)
	if len(rows) < 2 || strings.Join(rows[0][:3], "|") != "指标|单位|本月" || strings.Join(rows[1][:3], "|") != "客户满意率|%|50" {
		t.Errorf("figures sheet: %q", rows)
	}
	majors, err := f.GetRows("重大投诉")
	must(t, err)
	if len(majors) != 3 || majors[1][0] != "GD20261101" || majors[2][5] != "南区垃圾清运不及时" {
		t.Errorf("majors sheet: %q", majors)
	}
	words, err := f.GetRows("回访原话")
	must(t, err)
	if len(words) != 2 || words[1][3] != "2" || words[1][6] != "维修师傅态度差，问题没解决" {
		t.Errorf("verbatims sheet: %q", words)
	}

	north := e.generateReport("manager", "2026-11", e.estates[0].ID.String())
	text = e.pdfText(request{method: "GET", path: "/t/alpha/reports/" + north.String() + "/report.pdf", as: "office_head", header: zh})
	pdftest.Contains(t, text, "North · 2026-11", "北区电梯困人四十分钟无人处理", "维修师傅态度差，问题没解决")
	if strings.Contains(text, "南区垃圾清运不及时") {
		t.Errorf("South's complaint is in North's report:\n%s", text)
	}

	// Generating again keeps one report per company/estate and month.
	if again := e.generateReport("assistant", "2026-11", ""); again != company {
		t.Errorf("generated again: %s, first %s", again, company)
	}
	var list struct{ Reports []report.Report }
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/reports?month=2026-11", as: "manager"}), &list)
	if len(list.Reports) != 2 || list.Reports[0].EstateID != nil || list.Reports[1].Name != "North" {
		t.Errorf("archive: %+v", list.Reports)
	}
}

// Who sees and does what: an office head sees only their estates' reports
// (the company's and another estate's are 404) and cannot generate (403);
// a clerk has no report:read (403); another company's report is 404; a
// bad month is 422.
func TestReportScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedReportMonth()
	company := e.generateReport("manager", "2026-11", "")
	north := e.generateReport("manager", "2026-11", e.estates[0].ID.String())
	south := e.generateReport("manager", "2026-11", e.estates[1].ID.String())
	for _, c := range []struct {
		method, path, as string
		json             any
		want             int
	}{
		{"GET", "/reports/" + north.String(), "office_head", nil, 200},
		{"GET", "/reports/" + north.String() + "/report.xlsx", "office_head", nil, 200},
		{"GET", "/reports/" + company.String(), "office_head", nil, 404},
		{"GET", "/reports/" + south.String(), "office_head", nil, 404},
		{"GET", "/reports/" + south.String() + "/report.pdf", "office_head", nil, 404},
		{"POST", "/reports/" + south.String() + "/commentary", "office_head", map[string]string{"commentary": "x"}, 404},
		{"POST", "/reports", "office_head", map[string]string{"month": "2026-11", "estate_id": e.estates[0].ID.String()}, 403},
		{"GET", "/reports", "clerk", nil, 403},
		{"GET", "/reports/" + north.String(), "clerk", nil, 403},
		{"GET", "/reports/" + north.String() + "/report.pdf", "worker", nil, 403},
		{"POST", "/reports", "manager", map[string]string{"month": "2026-13"}, 422},
		{"POST", "/reports", "manager", map[string]string{"month": "2026-11", "estate_id": uuid.NewString()}, 404},
		{"GET", "/reports?month=11/2026", "manager", nil, 422},
	} {
		resp := e.do(request{method: c.method, path: "/api/v1/t/alpha" + c.path, as: c.as, json: c.json})
		if resp.StatusCode != c.want {
			t.Errorf("%s %s as %s: %d, want %d: %s", c.method, c.path, c.as, resp.StatusCode, c.want, readBody(t, resp))
		}
	}
	// Bravo's manager, in their own workspace, does not find alpha's.
	for _, p := range []string{"/reports/" + company.String(), "/reports/" + company.String() + "/report.pdf"} {
		if resp := e.do(request{method: "GET", path: "/api/v1/t/bravo" + p, as: "other"}); resp.StatusCode != 404 {
			t.Errorf("bravo %s: %d", p, resp.StatusCode)
		}
	}
	var list struct{ Reports []report.Report }
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/reports", as: "office_head"}), &list)
	if len(list.Reports) != 1 || list.Reports[0].ID != north {
		t.Errorf("the office head's archive: %+v", list.Reports)
	}
	// The HTML face: the list links the office head's report only, and
	// the form needs the CSRF token.
	page := readBody(t, e.do(request{method: "GET", path: "/t/alpha/reports", as: "office_head"}))
	if !strings.Contains(page, north.String()) || strings.Contains(page, south.String()) || strings.Contains(page, company.String()) {
		t.Errorf("the office head's list page:\n%s", page)
	}
	req := request{method: "POST", path: "/t/alpha/reports/" + north.String() + "/commentary", as: "office_head",
		form: url.Values{"commentary": {"x"}}, header: map[string]string{"X-CSRF-Token": "forged"}}
	if resp := e.do(req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("commentary without the CSRF token: %d", resp.StatusCode)
	}
}

// The commentary and sending: the office head comments on and sends their
// estate's report, which goes to the managers and that office head; the
// company's report is the manager's (the assistant is refused); a sent
// report is final; a commentary over 4000 characters is refused.
func TestReportCommentarySend(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedReportMonth()
	company := e.generateReport("manager", "2026-11", "")
	north := e.generateReport("manager", "2026-11", e.estates[0].ID.String())
	api := "/api/v1/t/alpha/reports/"

	resp := e.do(request{method: "POST", path: api + company.String() + "/commentary", as: "assistant", json: map[string]string{"commentary": "x"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(readBody(t, resp), "report_not_author") {
		t.Errorf("the assistant's commentary on the company's report: %d", resp.StatusCode)
	}
	resp = e.do(request{method: "POST", path: api + north.String() + "/commentary", as: "office_head", json: map[string]string{"commentary": strings.Repeat("长", 4001)}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a long commentary: %d", resp.StatusCode)
	}
	form := url.Values{"commentary": {"本月电梯困人事件已约谈维保单位。"}}
	resp = e.do(request{method: "POST", path: "/t/alpha/reports/" + north.String() + "/commentary", as: "office_head", form: form})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("commentary: %d %s", resp.StatusCode, readBody(t, resp))
	}
	resp = e.do(request{method: "POST", path: api + north.String() + "/send", as: "office_head"})
	var sent report.Report
	decode(t, resp, &sent)
	if resp.StatusCode != http.StatusOK || sent.Status != report.Sent || sent.Recipients != 2 {
		t.Fatalf("send: %d %+v", resp.StatusCode, sent)
	}
	must(t, e.jobs.RunPending(context.Background()))
	to := map[string]string{}
	e.mail.mu.Lock()
	for _, m := range e.mail.sent {
		if strings.Contains(m.Subject, "2026-11") {
			to[m.To] = m.Body
		}
	}
	e.mail.mu.Unlock()
	for _, who := range []string{"manager", "office_head"} {
		body, ok := to[e.actors[who].user.Email]
		if !ok || !strings.Contains(body, "本月电梯困人事件已约谈维保单位。") || !strings.Contains(body, "/t/alpha/reports/"+north.String()+"/report.pdf") {
			t.Errorf("mail to %s: %q", who, body)
		}
	}
	if len(to) != 2 {
		t.Errorf("mailed %v", to)
	}
	zh := map[string]string{"Accept-Language": "zh-CN"}
	text := e.pdfText(request{method: "GET", path: "/t/alpha/reports/" + north.String() + "/report.pdf", as: "manager", header: zh})
	pdftest.Contains(t, text, "经理点评", "本月电梯困人事件已约谈维保单位。")

	for _, p := range []string{"/commentary", "/send"} {
		resp = e.do(request{method: "POST", path: api + north.String() + p, as: "manager", json: map[string]string{"commentary": "y"}})
		if resp.StatusCode != http.StatusConflict {
			t.Errorf("%s after sending: %d", p, resp.StatusCode)
		}
	}
	// Generating a sent report again answers it unchanged.
	if again := e.generateReport("manager", "2026-11", e.estates[0].ID.String()); again != north {
		t.Errorf("regenerated a sent report: %s", again)
	}
	resp = e.do(request{method: "POST", path: api + company.String() + "/send", as: "manager"})
	decode(t, resp, &sent)
	if resp.StatusCode != http.StatusOK || sent.Recipients != 1 {
		t.Errorf("the company's report goes to the managers only: %d %+v", resp.StatusCode, sent)
	}
}

// The monthly job makes last month's reports on the 1st in the company's
// time zone — the company's and each estate's, once — and nothing later
// in the month.
func TestReportMonthlyJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedReportMonth()
	now := time.Date(2026, 11, 30, 23, 50, 0, 0, e.alpha.Location())
	jobs, err := job.New(e.db, job.Options{})
	must(t, err)
	svc, err := report.NewService(e.db, jobs, e.kpis, report.Options{Now: func() time.Time { return now }})
	must(t, err)
	ctx := context.Background()
	count := func() int {
		var list struct{ Reports []report.Report }
		decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/reports", as: "manager"}), &list)
		for _, r := range list.Reports {
			if r.Month != "2026-11" || r.GeneratedBy != nil || r.Status != report.Draft {
				t.Errorf("job's report: %+v", r)
			}
		}
		return len(list.Reports)
	}
	must(t, svc.Due(ctx))
	if n := count(); n != 0 {
		t.Fatalf("reports before the 1st: %d", n)
	}
	now = time.Date(2026, 12, 1, 0, 5, 0, 0, e.alpha.Location())
	must(t, svc.Due(ctx))
	must(t, svc.Due(ctx))
	if n := count(); n != 3 {
		t.Fatalf("reports on the 1st: %d, want the company's and two estates'", n)
	}
	now = time.Date(2026, 12, 9, 0, 5, 0, 0, e.alpha.Location())
	must(t, e.db.InTenant(ctx, e.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDelete().TableExpr("reports").Where("tenant_id = ? AND estate_id IS NOT NULL", e.alpha.ID).Exec(ctx)
		return err
	}))
	must(t, svc.Due(ctx))
	if n := count(); n != 1 {
		t.Errorf("reports made after the catch-up days: %d", n)
	}
}
