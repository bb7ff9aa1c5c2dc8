package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
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
