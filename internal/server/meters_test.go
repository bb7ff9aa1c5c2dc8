package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// meterWorld is what the meter and parking tests seed in an estate: a
// monthly water item read from a meter, a reading of the portfolio's
// unit for 2026-01, and a parking space linked to the unit.
type meterWorld struct {
	item, unit, building, space uuid.UUID
}

func (e *env) seedMeters(estateID, buildingID, unitID uuid.UUID, prefix string) meterWorld {
	e.t.Helper()
	ctx := context.Background()
	mgr := fee.Actor{UserID: e.actors["manager"].user.ID, Scope: estate.Scope{All: true}}
	it, err := e.fees.CreateItem(ctx, e.alpha.ID, mgr.Scope, estateID, fee.ItemInput{Name: prefix + "水费", Kind: fee.ByMeter, DueDay: 15, VacantPercent: 100})
	must(e.t, err)
	_, err = e.fees.RecordReading(ctx, e.alpha, mgr, fee.ReadingInput{UnitID: unitID, ItemID: it.ID, Period: "2026-01", Value: 10000})
	must(e.t, err)
	ps, err := e.fees.SaveParkingSpace(ctx, e.alpha.ID, mgr.Scope, estateID, nil, fee.ParkingInput{Code: prefix + "B1-001", UnitID: &unitID})
	must(e.t, err)
	return meterWorld{item: it.ID, unit: unitID, building: buildingID, space: ps.ID}
}

func (w meterWorld) replacer(estateID uuid.UUID) *strings.Replacer {
	return strings.NewReplacer("{estate}", estateID.String(), "{item}", w.item.String(), "{unit}", w.unit.String(),
		"{building}", w.building.String(), "{space}", w.space.String())
}

func meterScenarios() []feeScenario {
	var out []feeScenario
	add := func(method, path string, htmlBody, apiBody map[string]any, allowed string, denied []string, wantHTML, wantAPI int) {
		out = append(out, feeScenario{method, "/t/alpha" + path, htmlBody, allowed, denied, wantHTML, false})
		out = append(out, feeScenario{method, "/api/v1/t/alpha" + path, apiBody, allowed, denied, wantAPI, true})
	}
	reading := map[string]any{"unit_id": "{unit}", "item_id": "{item}", "period": "2026-02", "reading": "123.5", "building": "{building}"}
	apiReading := map[string]any{"unit_id": "{unit}", "item_id": "{item}", "period": "2026-02", "reading": 12350}
	space := map[string]any{"estate_id": "{estate}", "code": "B2-017", "unit_code": "1-101"}
	apiSpace := map[string]any{"estate_id": "{estate}", "code": "B2-017", "unit_id": "{unit}"}
	edit := map[string]any{"code": "B1-001A", "unit_code": "1-102"}
	add("GET", "/fees/readings?estate={estate}&item={item}&period=2026-02&building={building}", nil, nil, "clerk", noFeeRead, 200, 200)
	add("POST", "/fees/readings?estate={estate}", reading, apiReading, "clerk", noFeeRead, 303, 201)
	add("GET", "/fees/parking?estate={estate}", nil, nil, "clerk", noFeeRead, 200, 200)
	add("POST", "/fees/parking", space, apiSpace, "assistant", noFeeAdmin, 303, 201)
	add("POST", "/fees/parking/{space}", edit, edit, "assistant", noFeeAdmin, 303, 200)
	add("POST", "/fees/parking/{space}/archive", nil, nil, "assistant", noFeeAdmin, 303, 200)
	add("POST", "/fees/parking/{space}/restore", nil, nil, "assistant", noFeeAdmin, 303, 200)
	return out
}

// Every meter and parking route, each face: anonymous, another tenant's
// manager, each role without the permission, and the least privileged
// role with it.
func TestMeterRoutesScenarios(t *testing.T) {
	for _, s := range meterScenarios() {
		t.Run(s.method+" "+s.path, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			p := e.seedPortfolio()
			w := e.seedMeters(e.estates[0].ID, p.northBuilding, p.northUnit, "")
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

// A clerk of North gets 404 for South's readings and parking spaces,
// whichever parameter names them; set-up routes are company-wide roles'
// (the service's scope test covers them).
func TestMeterEstateScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPortfolio()
	north := e.seedMeters(e.estates[0].ID, p.northBuilding, p.northUnit, "")
	south := e.seedMeters(e.estates[1].ID, p.southBuilding, p.southUnit, "南区")
	r := south.replacer(e.estates[1].ID)
	for _, s := range meterScenarios() {
		if s.allowed == "assistant" {
			continue
		}
		for _, as := range []string{"clerk", "office_head"} {
			resp := e.feeRequest(s, r, as)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s %s: %d, want 404: %.300s", as, s.method, s.path, resp.StatusCode, readBody(t, resp))
			} else {
				resp.Body.Close()
			}
		}
	}
	// North's estate with South's item, building or unit is not found either.
	for _, q := range []string{"item=" + south.item.String(), "building=" + south.building.String()} {
		expectStatus(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/fees/readings?estate=" + e.estates[0].ID.String() + "&" + q, as: "clerk"}),
			http.StatusNotFound, q)
	}
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/readings", as: "clerk",
		json: map[string]any{"unit_id": south.unit, "item_id": north.item, "period": "2026-02", "reading": 20000}}), http.StatusUnprocessableEntity, "South's unit on North's meter")
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/fees/readings?estate=" + e.estates[1].ID.String() + "&period=2026-02", as: "assistant"}),
		http.StatusOK, "assistant")
}

// The sheet a reader works through on a phone: a building's units with
// their last reading and an input each; a row is saved alone, a reading
// below the last is refused in the row with what was typed, unless the
// meter was replaced; a saved reading can be corrected until it is billed.
func TestMeterReadingSheet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPortfolio()
	w := e.seedMeters(e.estates[0].ID, p.northBuilding, p.northUnit, "")
	est := e.estates[0].ID.String()
	sheet := "/t/alpha/fees/readings?estate=" + est + "&item=" + w.item.String() + "&period=2026-02&building=" + w.building.String()

	page := e.do(request{method: "GET", path: sheet, as: "clerk", header: map[string]string{"Accept-Language": "zh-CN"}})
	body := readBody(t, page)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("sheet: %d %.300s", page.StatusCode, body)
	}
	for _, want := range []string{`id="u-` + w.unit.String() + `"`, "1-101", "1-102", "1-201", `class="reading-last">100<`, `inputmode="decimal"`,
		`hx-post="/t/alpha/fees/readings?estate=` + est + `"`, `name="replaced"`, "已抄 0 / 4 户", `name="viewport"`} {
		if !strings.Contains(body, want) {
			t.Errorf("sheet lacks %q", want)
		}
	}
	if n := strings.Count(body, `<form method="post" action="/t/alpha/fees/readings`); n != 4 {
		t.Errorf("%d row forms, want one per unit (4)", n)
	}

	row := func(reading, start string, replaced, correct bool, htmx bool) *http.Response {
		f := url.Values{"unit_id": {w.unit.String()}, "item_id": {w.item.String()}, "period": {"2026-02"}, "building": {w.building.String()},
			"reading": {reading}, "start": {start}}
		if replaced {
			f.Set("replaced", "true")
		}
		if correct {
			f.Set("correct", "true")
		}
		h := map[string]string{"Accept-Language": "zh-CN"}
		if htmx {
			h["HX-Request"] = "true"
		}
		return e.do(request{method: "POST", path: "/t/alpha/fees/readings?estate=" + est, as: "clerk", form: f, header: h})
	}
	// Below the last reading (100): refused in the row, the typed value kept.
	resp := row("90.5", "", false, false, true)
	frag := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(frag, "读数低于上次读数") || !strings.Contains(frag, `value="90.5"`) ||
		strings.Contains(frag, "<html") || !strings.HasPrefix(strings.TrimSpace(frag), `<li class="reading reading-error"`) {
		t.Errorf("lower reading: %d %.600s", resp.StatusCode, frag)
	}
	// Without script the whole sheet comes back, the row with its error.
	resp = row("90.5", "", false, false, false)
	body = readBody(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "读数低于上次读数") || !strings.Contains(body, "1-201") {
		t.Errorf("lower reading, no script: %d %.300s", resp.StatusCode, body)
	}
	// Bad input is a translated error too.
	if frag := readBody(t, row("12.345", "", false, false, true)); !strings.Contains(frag, "读数不能为负，最多两位小数") {
		t.Errorf("three decimals: %.400s", frag)
	}
	// The meter was replaced: the new one started at 0.
	resp = row("90.5", "0", true, false, true)
	frag = readBody(t, resp)
	if !strings.Contains(frag, "✓ 90.5") || !strings.Contains(frag, "用量 90.5") || !strings.Contains(frag, "reading-done") {
		t.Errorf("replaced meter: %d %.600s", resp.StatusCode, frag)
	}
	rs, err := e.fees.Readings(context.Background(), e.alpha.ID, estate.Scope{All: true}, w.item, "2026-02")
	must(t, err)
	if len(rs) != 1 || rs[0].Value != 9050 || rs[0].Previous != 0 || !rs[0].Replaced {
		t.Fatalf("recorded %+v", rs)
	}
	// Saving again without correcting is a conflict; correcting replaces it.
	if frag := readBody(t, row("95", "", false, false, true)); !strings.Contains(frag, "该房屋本期已有该表的读数") {
		t.Errorf("second reading: %.400s", frag)
	}
	resp = row("120", "", false, true, false)
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "#u-"+w.unit.String()) {
		t.Errorf("correction: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	rs, err = e.fees.Readings(context.Background(), e.alpha.ID, estate.Scope{All: true}, w.item, "2026-02")
	must(t, err)
	if len(rs) != 1 || rs[0].Value != 12000 || rs[0].Previous != 10000 || rs[0].Replaced {
		t.Fatalf("corrected %+v", rs)
	}
	body = readBody(t, e.do(request{method: "GET", path: sheet, as: "clerk", header: map[string]string{"Accept-Language": "en"}}))
	if !strings.Contains(body, "1 of 4 units read") || !strings.Contains(body, "✓ 120 · used 20") {
		t.Errorf("sheet after the reading: %.2000s", body)
	}
	// Once a later period counts from it, it stays.
	_, err = e.fees.RecordReading(context.Background(), e.alpha, fee.Actor{UserID: e.actors["clerk"].user.ID, Scope: estate.Scope{All: true}},
		fee.ReadingInput{UnitID: w.unit, ItemID: w.item, Period: "2026-03", Value: 13000})
	must(t, err)
	resp = e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/readings", as: "clerk",
		json: map[string]any{"unit_id": w.unit, "item_id": w.item, "period": "2026-02", "reading": 12500, "correct": true}})
	expectStatus(t, resp, http.StatusConflict, "correcting a reading a later one counts from")

	// The API's sheet.
	var sh struct {
		Period string `json:"period"`
		Rows   []struct {
			Code    string       `json:"code"`
			Last    *fee.Reading `json:"last"`
			Current *fee.Reading `json:"current"`
		} `json:"rows"`
	}
	decode(t, e.do(request{method: "GET", path: "/api/v1" + strings.TrimPrefix(sheet, "") + "", as: "clerk"}), &sh)
	if sh.Period != "2026-02" || len(sh.Rows) != 4 || sh.Rows[0].Code != "1-101" || sh.Rows[0].Last.Value != 10000 || sh.Rows[0].Current.Value != 12000 || sh.Rows[1].Last != nil {
		t.Errorf("API sheet %+v", sh)
	}
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/fees/readings?estate=" + est + "&item=" + w.item.String() + "&period=2026-Q1", as: "clerk"}),
		http.StatusUnprocessableEntity, "a quarter of a monthly meter")
}

// Parking spaces: added with a unit by its code and a person by phone,
// listed with both, edited, archived and back; codes are unique per
// estate, and an unknown unit or phone is a clear error.
func TestParkingSpaces(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPortfolio()
	w := e.seedMeters(e.estates[0].ID, p.northBuilding, p.northUnit, "")
	est := e.estates[0].ID.String()
	form := func(path string, f url.Values) *http.Response {
		return e.do(request{method: "POST", path: path, as: "assistant", form: f, header: map[string]string{"Accept-Language": "zh-CN"}})
	}
	resp := form("/t/alpha/fees/parking", url.Values{"estate_id": {est}, "code": {"B2-017"}, "unit_code": {"1-102"}, "person_phone": {"138 0013 8000"}})
	expectStatus(t, resp, http.StatusSeeOther, "add")
	list := func() []fee.ParkingRow {
		var out []fee.ParkingRow
		decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/fees/parking?estate=" + est, as: "clerk"}), &out)
		return out
	}
	got := list()
	if len(got) != 2 || got[1].Code != "B2-017" || got[1].UnitCode != "1-102" || got[1].PersonName != "张三" || got[0].UnitCode != "1-101" {
		t.Fatalf("list %+v", got)
	}
	for _, c := range []struct {
		f    url.Values
		want string
	}{
		{url.Values{"estate_id": {est}, "code": {"B2-017"}}, "已有相同编号的车位"},
		{url.Values{"estate_id": {est}, "code": {"B2-018"}, "unit_code": {"9-101"}}, "该小区没有这个房号"},
		{url.Values{"estate_id": {est}, "code": {"B2-018"}, "person_phone": {"13000000000"}}, "没有人使用这个电话号码"},
		{url.Values{"estate_id": {est}, "code": {""}}, "车位编号"},
	} {
		resp := form("/t/alpha/fees/parking", c.f)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%v: %d", c.f, resp.StatusCode)
		}
		if msg := flashOf(resp); !strings.Contains(msg, c.want) {
			t.Errorf("%v: flash %q, want %q", c.f, msg, c.want)
		}
	}
	if n := len(list()); n != 2 {
		t.Errorf("refused spaces were saved: %d", n)
	}
	// The HTML edit keeps the person unless a phone is typed or no_person ticked.
	space := got[1]
	expectStatus(t, form("/t/alpha/fees/parking/"+space.ID.String(), url.Values{"code": {"B2-017"}, "unit_code": {"1-201"}, "person_id": {space.PersonID.String()}}),
		http.StatusSeeOther, "edit")
	if got := list(); got[1].UnitCode != "1-201" || got[1].PersonName != "张三" {
		t.Errorf("edited %+v", got[1])
	}
	expectStatus(t, form("/t/alpha/fees/parking/"+space.ID.String(), url.Values{"code": {"B2-017"}, "unit_code": {"1-201"},
		"person_id": {space.PersonID.String()}, "no_person": {"true"}}), http.StatusSeeOther, "unlink person")
	if got := list(); got[1].PersonID != nil || got[1].UnitCode != "1-201" {
		t.Errorf("unlinked %+v", got[1])
	}
	// The API: a duplicate code is a conflict; archive and restore.
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/parking/" + w.space.String(), as: "assistant",
		json: map[string]any{"code": "B2-017"}}), http.StatusConflict, "duplicate code")
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/parking/" + w.space.String() + "/archive", as: "assistant"}), http.StatusOK, "archive")
	got = list()
	if got[1].ID != w.space || got[1].ArchivedAt == nil {
		t.Errorf("archived space not last: %+v", got)
	}
	body := readBody(t, e.do(request{method: "GET", path: "/t/alpha/fees/parking?estate=" + est, as: "clerk", header: map[string]string{"Accept-Language": "zh-CN"}}))
	if !strings.Contains(body, "B2-017") || !strings.Contains(body, "已归档") || strings.Contains(body, `action="/t/alpha/fees/parking"`) {
		t.Errorf("clerk's parking page: %.1500s", body)
	}
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/parking/" + w.space.String() + "/restore", as: "assistant"}), http.StatusOK, "restore")
	if got := list(); got[0].ArchivedAt != nil {
		t.Errorf("restored %+v", got[0])
	}
}

// flashOf is the one-time message a redirect carries.
func flashOf(resp *http.Response) string {
	for _, c := range resp.Cookies() {
		if c.Name == "ed_flash" {
			msg, _ := url.QueryUnescape(c.Value)
			return msg
		}
	}
	return ""
}
