package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/estate/importer"
	"github.com/estatedesk/estatedesk/internal/i18n"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/server"
	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/web"
)

// importEnv is the usual env with the importer and its job client wired;
// the client is never started: tests work the queue with RunPending.
type importEnv struct {
	*env
	jobs    *job.Client
	imports *importer.Service
}

func newImportEnv(t *testing.T) *importEnv {
	t.Helper()
	e := &importEnv{env: newEnv(t)}
	var err error
	e.jobs, err = job.New(e.db, job.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	must(t, err)
	e.imports, err = importer.NewService(e.db, tenant.DefaultPlanLimits(), e.jobs)
	must(t, err)
	cat, err := i18n.Load(web.FS)
	must(t, err)
	e.app, err = server.New(server.Deps{Config: e.cfg, DB: e.db, Accounts: e.accounts, Estates: estate.NewService(e.db, tenant.DefaultPlanLimits(), 0),
		Authz: e.authz, Catalog: cat, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Imports: e.imports, Subscriptions: e.billing})
	must(t, err)
	return e
}

func (e *importEnv) work() {
	e.t.Helper()
	must(e.t, e.jobs.RunPending(context.Background()))
}

// seedImport uploads a file as alpha's manager, straight through the
// service; validated runs its dry run.
func (e *importEnv) seedImport(content []byte, validated bool) *importer.Import {
	e.t.Helper()
	im, err := e.imports.Upload(context.Background(), e.alpha, estate.Scope{All: true}, e.estates[0].ID,
		importer.Upload{Filename: "seed.csv", Content: content, UserID: e.actors["manager"].user.ID, Lang: "zh-CN"})
	must(e.t, err)
	if validated {
		e.work()
	}
	return im
}

var importHeader = []string{"楼栋", "单元", "楼层", "房号", "类型", "面积", "状态", "业主姓名", "业主电话", "关系"}

func importCSV(t *testing.T, rows ...[]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	must(t, w.WriteAll(append([][]string{importHeader}, rows...)))
	return buf.Bytes()
}

func goodImport(t *testing.T) []byte {
	return importCSV(t,
		[]string{"1", "1", "15", "1501", "住宅", "89.5", "已入住", "张伟", "13800138000", "业主"},
		[]string{"1", "1", "15", "1502", "住宅", "92", "空置", "", "", ""},
		[]string{"2", "", "1", "101", "商铺", "45.25", "", "李娜", "13900139000/021-62345678", "租户"},
	)
}

// upload sends a multipart form as a browser (cookie and CSRF token) or an
// API client (bearer token), or anonymously.
func (e *importEnv) upload(as, path string, fields map[string]string, filename string, content []byte, header map[string]string) *http.Response {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		must(e.t, mw.WriteField(k, v))
	}
	if content != nil {
		fw, err := mw.CreateFormFile("file", filename)
		must(e.t, err)
		_, err = fw.Write(content)
		must(e.t, err)
	}
	must(e.t, mw.Close())
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
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
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := e.app.Test(req, 10_000)
	must(e.t, err)
	return resp
}

// Every import route: anonymous → sign in (HTML) or 401 (API); a member of
// another tenant → 404; every role without estate:import → 403; the
// manager → success.
func TestImportRoutesScenarios(t *testing.T) {
	type route struct {
		method, path string
		upload       bool // a multipart upload of a good file
		want         int
	}
	routes := []route{
		{"GET", "/t/alpha/estates/{north}/imports", false, 200},
		{"POST", "/t/alpha/estates/{north}/imports", true, 303},
		{"GET", "/t/alpha/imports/template.csv", false, 200},
		{"GET", "/t/alpha/imports/template.xlsx", false, 200},
		{"GET", "/t/alpha/imports/{import}", false, 200},
		{"GET", "/t/alpha/imports/{import}/progress", false, 200},
		{"GET", "/t/alpha/imports/{import}/report.csv", false, 200},
		{"POST", "/t/alpha/imports/{import}/apply", false, 303},
		{"GET", "/api/v1/t/alpha/estates/{north}/imports", false, 200},
		{"POST", "/api/v1/t/alpha/estates/{north}/imports", true, 202},
		{"GET", "/api/v1/t/alpha/imports/template.csv", false, 200},
		{"GET", "/api/v1/t/alpha/imports/template.xlsx", false, 200},
		{"GET", "/api/v1/t/alpha/imports/{import}", false, 200},
		{"POST", "/api/v1/t/alpha/imports/{import}/apply", false, 202},
	}
	for _, r := range routes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			t.Parallel()
			e := newImportEnv(t)
			im := e.seedImport(goodImport(t), true)
			path := strings.NewReplacer("{north}", e.estates[0].ID.String(), "{import}", im.ID.String()).Replace(r.path)
			call := func(as string) *http.Response {
				if r.upload {
					return e.upload(as, path, nil, "u.csv", goodImport(t), nil)
				}
				req := request{method: r.method, path: path, as: as}
				if r.method == "POST" && !strings.HasPrefix(path, "/api/") {
					req.form = map[string][]string{}
				}
				return e.do(req)
			}
			resp := call("")
			if strings.HasPrefix(path, "/api/") {
				expectStatus(t, resp, http.StatusUnauthorized, "anonymous")
			} else if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
				t.Errorf("anonymous: %d %s, want redirect to /login", resp.StatusCode, resp.Header.Get("Location"))
			}
			expectStatus(t, call("other"), http.StatusNotFound, "member of another tenant")
			for _, role := range onlyManager {
				expectStatus(t, call(role), http.StatusForbidden, role)
			}
			expectStatus(t, call("manager"), r.want, "manager")
		})
	}
}

// Another tenant's manager, in their own workspace, cannot reach alpha's
// imports or estates by ID.
func TestImportOfAnotherTenantIsNotFound(t *testing.T) {
	e := newImportEnv(t)
	im := e.seedImport(goodImport(t), true)
	for _, r := range []request{
		{method: "GET", path: "/t/bravo/imports/" + im.ID.String()},
		{method: "GET", path: "/t/bravo/imports/" + im.ID.String() + "/progress"},
		{method: "GET", path: "/t/bravo/imports/" + im.ID.String() + "/report.csv"},
		{method: "POST", path: "/t/bravo/imports/" + im.ID.String() + "/apply", form: map[string][]string{}},
		{method: "GET", path: "/t/bravo/estates/" + e.estates[0].ID.String() + "/imports"},
		{method: "GET", path: "/api/v1/t/bravo/imports/" + im.ID.String()},
		{method: "POST", path: "/api/v1/t/bravo/imports/" + im.ID.String() + "/apply"},
		{method: "GET", path: "/api/v1/t/bravo/estates/" + e.estates[0].ID.String() + "/imports"},
		{method: "GET", path: "/api/v1/t/alpha/imports/not-a-uuid"},
		{method: "GET", path: "/api/v1/t/alpha/imports/" + uuid.NewString()},
	} {
		r.as = "other"
		if strings.Contains(r.path, "/t/alpha/") {
			r.as = "manager"
		}
		expectStatus(t, e.do(r), http.StatusNotFound, r.method+" "+r.path)
	}
	resp := e.upload("other", "/api/v1/t/bravo/estates/"+e.estates[0].ID.String()+"/imports", nil, "u.csv", goodImport(t), nil)
	expectStatus(t, resp, http.StatusNotFound, "upload into another tenant's estate")
	if got, err := e.imports.Get(context.Background(), e.alpha.ID, estate.Scope{All: true}, im.ID); err != nil || got.Status != importer.Validated {
		t.Errorf("alpha's import touched: %v %v", got, err)
	}
}

// The browser's way through: upload a GBK file, watch the check, confirm,
// watch the apply, see the result.
func TestImportPages(t *testing.T) {
	e := newImportEnv(t)
	north := e.estates[0].ID.String()
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(goodImport(t))
	must(t, err)
	resp := e.upload("manager", "/t/alpha/estates/"+north+"/imports", map[string]string{"existing_buildings": ""}, "房屋.csv", gbk, nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/t/alpha/imports/") {
		t.Fatalf("upload: %d %s", resp.StatusCode, readBody(t, resp))
	}
	page := resp.Header.Get("Location")

	body := readBody(t, e.do(request{method: "GET", path: page, as: "manager"}))
	for _, want := range []string{"房屋.csv", "校验中", `hx-get="` + page + `/progress"`, `hx-trigger="every 1s"`} {
		if !strings.Contains(body, want) {
			t.Errorf("checking page lacks %q", want)
		}
	}
	frag := e.do(request{method: "GET", path: page + "/progress", as: "manager", header: map[string]string{"HX-Request": "true"}})
	if b := readBody(t, frag); frag.Header.Get("HX-Refresh") != "" || strings.Contains(b, "<html") || !strings.Contains(b, "every 1s") {
		t.Errorf("fragment while checking: %q %s", frag.Header.Get("HX-Refresh"), b)
	}

	e.work()
	frag = e.do(request{method: "GET", path: page + "/progress", as: "manager", header: map[string]string{"HX-Request": "true"}})
	if frag.Header.Get("HX-Refresh") != "true" {
		t.Errorf("the fragment does not reload the page once checked")
	}
	frag.Body.Close()
	body = readBody(t, e.do(request{method: "GET", path: page, as: "manager"}))
	for _, want := range []string{"待确认", "新建房屋", `action="` + page + `/apply"`, "确认导入"} {
		if !strings.Contains(body, want) {
			t.Errorf("validated page lacks %q", want)
		}
	}

	resp = e.do(request{method: "POST", path: page + "/apply", as: "manager", form: map[string][]string{}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page {
		t.Fatalf("apply: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	body = readBody(t, e.do(request{method: "GET", path: page, as: "manager"}))
	if !strings.Contains(body, "导入中") || !strings.Contains(body, "<progress value=") {
		t.Errorf("applying page: %s", body)
	}
	e.work()
	body = readBody(t, e.do(request{method: "GET", path: page, as: "manager"}))
	if !strings.Contains(body, "已导入") || !strings.Contains(body, "导入完成") {
		t.Errorf("applied page lacks the outcome")
	}
	list := readBody(t, e.do(request{method: "GET", path: "/t/alpha/estates/" + north + "/imports", as: "manager"}))
	for _, want := range []string{"房屋.csv", "已导入", `enctype="multipart/form-data"`, `name="existing_buildings"`, "template.xlsx?lang=zh-CN", "template.csv?lang=en"} {
		if !strings.Contains(list, want) {
			t.Errorf("imports page lacks %q", want)
		}
	}
	// The units are there for everyone who reads the estate.
	var units int
	must(t, e.db.ReadTenant(context.Background(), e.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		n, err := tx.NewSelect().TableExpr("units").Where("tenant_id = ? AND estate_id = ?", e.alpha.ID, e.estates[0].ID).Count(ctx)
		units = int(n)
		return err
	}))
	if units != 3 {
		t.Errorf("%d units", units)
	}

	// Confirming twice is refused.
	resp = e.do(request{method: "POST", path: page + "/apply", as: "manager", form: map[string][]string{}, header: map[string]string{"Accept": "application/json"}})
	expectStatus(t, resp, http.StatusConflict, "second confirmation")
}

// A file with problems: the API lists each with row, column and a reason
// in the caller's language; the page shows them in the user's, and the
// report downloads as CSV.
func TestImportProblemsReport(t *testing.T) {
	e := newImportEnv(t)
	north := e.estates[0].ID.String()
	bad := importCSV(t,
		[]string{"1", "1", "15", "1501", "住宅", "89.555", "", "", "", ""},
		[]string{"1", "1", "15", "1502", "住宅", "90", "", "张伟", "1380013800", ""},
		[]string{"9", "1", "15", "1503", "住宅", "90", "", "", "", ""},
	)
	resp := e.upload("manager", "/api/v1/t/alpha/estates/"+north+"/imports", map[string]string{"existing_buildings": "true"}, "bad.csv", bad,
		map[string]string{"Accept-Language": "en"})
	var im struct {
		ID       uuid.UUID `json:"id"`
		Status   string    `json:"status"`
		Running  bool      `json:"running"`
		Problems []struct {
			Row     int    `json:"row"`
			Column  string `json:"column"`
			Value   string `json:"value"`
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"problems"`
		Options struct {
			ExistingBuildings bool `json:"existing_buildings"`
		} `json:"options"`
	}
	if resp.StatusCode != http.StatusAccepted || !strings.HasPrefix(resp.Header.Get("Location"), "/api/v1/t/alpha/imports/") {
		t.Fatalf("upload: %d %s", resp.StatusCode, readBody(t, resp))
	}
	decode(t, resp, &im)
	if im.Status != "validating" || !im.Running || !im.Options.ExistingBuildings {
		t.Errorf("uploaded %+v", im)
	}
	e.work()
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/imports/" + im.ID.String(), as: "manager",
		header: map[string]string{"Accept-Language": "en"}}), &im)
	if im.Status != "invalid" || im.Running || len(im.Problems) != 5 {
		t.Fatalf("checked %+v", im)
	}
	// By row, and by column within a row; a row's own problems do not hide
	// what the database says about it.
	want := []struct {
		row          int
		column, code string
		message      string
	}{
		{2, "楼栋", "unknown_building", `The building "1" does not exist`},
		{2, "面积", "invalid_area", `The area "89.555" is invalid`},
		{3, "楼栋", "unknown_building", `The building "1" does not exist`},
		{3, "业主电话", "invalid_phone", `The phone "1380013800" is invalid`},
		{4, "楼栋", "unknown_building", `The building "9" does not exist`},
	}
	for i, w := range want {
		p := im.Problems[i]
		if p.Row != w.row || p.Column != w.column || p.Code != w.code || !strings.HasPrefix(p.Message, w.message) {
			t.Errorf("problem %d = %+v, want %+v", i, p, w)
		}
	}

	page := readBody(t, e.do(request{method: "GET", path: "/t/alpha/imports/" + im.ID.String(), as: "manager"}))
	for _, want := range []string{"有问题", "发现 5 个问题", "面积「89.555」无效", "下载问题清单", "report.csv"} {
		if !strings.Contains(page, want) {
			t.Errorf("problems page lacks %q", want)
		}
	}
	if strings.Contains(page, "/apply") {
		t.Error("an invalid import offers to confirm")
	}
	rep := e.do(request{method: "GET", path: "/t/alpha/imports/" + im.ID.String() + "/report.csv", as: "manager"})
	body := readBody(t, rep)
	if !strings.HasPrefix(body, "\uFEFF行,列,内容,问题\r\n2,楼栋,1,楼栋「1」不存在") || !strings.Contains(rep.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("report %q", body)
	}
	resp = e.do(request{method: "POST", path: "/api/v1/t/alpha/imports/" + im.ID.String() + "/apply", as: "manager"})
	expectStatus(t, resp, http.StatusConflict, "confirming an invalid import")

	resp = e.upload("manager", "/api/v1/t/alpha/estates/"+north+"/imports", nil, "", nil, nil)
	if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"code":"import_no_file"`) {
		t.Errorf("no file: %d %s", resp.StatusCode, body)
	}
	resp = e.upload("manager", "/api/v1/t/alpha/estates/"+north+"/imports", nil, "empty.csv", []byte{}, nil)
	expectStatus(t, resp, http.StatusUnprocessableEntity, "empty file")
}

func TestImportTemplates(t *testing.T) {
	e := newImportEnv(t)
	for _, c := range []struct {
		path, prefix, name string
	}{
		{"/t/alpha/imports/template.csv?lang=zh-CN", "\uFEFF楼栋,单元,楼层,房号,类型,面积,状态,业主姓名,业主电话,关系\r\n", "%E6%88%BF%E5%B1%8B%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.csv"},
		{"/t/alpha/imports/template.csv?lang=en", "\uFEFFbuilding,entrance,floor,number,kind,area,status,owner_name,owner_phone,relation\r\n", "units-import-template.csv"},
		{"/t/alpha/imports/template.xlsx?lang=en", "PK\x03\x04", "units-import-template.xlsx"},
		{"/api/v1/t/alpha/imports/template.xlsx", "PK\x03\x04", ".xlsx"},
	} {
		resp := e.do(request{method: "GET", path: c.path, as: "manager"})
		body := readBody(t, resp)
		if resp.StatusCode != 200 || !strings.HasPrefix(body, c.prefix) || !strings.Contains(resp.Header.Get("Content-Disposition"), c.name) {
			t.Errorf("%s: %d %q %q", c.path, resp.StatusCode, resp.Header.Get("Content-Disposition"), body[:min(len(body), 80)])
		}
	}
}
