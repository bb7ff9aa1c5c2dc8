package server_test

import (
	"context"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/resident"
)

// The residents' portal (internal/portal) is mounted on the server the
// staff use; these tests go through both faces.

const anonResidentCSRF = "anonymous-resident-csrf-0123456789abcdef"

// resident is a signed-in phone of the portal.
type residentActor struct {
	slug, phone, token, csrf string
}

// portalDo is one request to the portal: as a resident (their cookie and
// CSRF token), or anonymous with the double-submit cookie.
func (e *env) portalDo(method, path string, as *residentActor, form url.Values) *http.Response {
	e.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	req.Header.Set("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)")
	if as != nil {
		req.AddCookie(&http.Cookie{Name: "ed_resident", Value: as.token})
		req.Header.Set("X-CSRF-Token", as.csrf)
	} else {
		req.AddCookie(&http.Cookie{Name: "ed_rcsrf", Value: anonResidentCSRF})
		req.Header.Set("X-CSRF-Token", anonResidentCSRF)
	}
	resp, err := e.app.Test(req, 10_000)
	must(e.t, err)
	return resp
}

var smsCode = regexp.MustCompile(`\d{6}`)

// lastCode is the code of the latest SMS to phone, or "".
func (e *env) lastCode(phone string) string {
	e.residents.Wait()
	code := ""
	for _, m := range e.sms.all() {
		if m.Recipient == phone {
			code = m.Params["code"]
		}
	}
	return code
}

// residentSignIn signs phone in to slug's portal through its pages.
func (e *env) residentSignIn(slug, phone string) *residentActor {
	e.t.Helper()
	resp := e.portalDo("POST", "/r/"+slug+"/login/code", nil, url.Values{"phone": {phone}})
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("code for %s: %d %s", phone, resp.StatusCode, readBody(e.t, resp))
	}
	code := e.lastCode(phone)
	if code == "" {
		e.t.Fatalf("no SMS to %s", phone)
	}
	resp = e.portalDo("POST", "/r/"+slug+"/login", nil, url.Values{"phone": {phone}, "code": {code}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/r/"+slug+"/" {
		e.t.Fatalf("sign in %s: %d %s", phone, resp.StatusCode, readBody(e.t, resp))
	}
	a := &residentActor{slug: slug, phone: phone}
	for _, c := range resp.Cookies() {
		if c.Name == "ed_resident" {
			a.token = c.Value
			if c.Path != "/r/"+slug+"/" || !c.HttpOnly || c.MaxAge < 29*24*3600 {
				e.t.Errorf("cookie %+v: want the portal's path, HttpOnly, 30 days", c)
			}
		}
	}
	tn := e.alpha
	if slug == e.bravo.Slug {
		tn = e.bravo
	}
	sess, err := e.residents.Authenticate(context.Background(), tn.ID, a.token)
	must(e.t, err)
	a.csrf = sess.CSRFToken
	return a
}

// portalWorld is the portfolio plus a neighbour of 张三 (same estate,
// unit 1-102) and 张三's family member on 1-101.
type portalWorld struct {
	*portfolio
	neighbourPhone, familyPhone string
}

func (e *env) seedPortal() *portalWorld {
	e.t.Helper()
	p := e.seedPortfolio()
	w := &portalWorld{portfolio: p, neighbourPhone: "13600000002", familyPhone: "13600000003"}
	ctx := context.Background()
	all := estate.Scope{All: true}
	_, floors, err := p.svc.Grid(ctx, e.alpha.ID, all, p.northBuilding)
	must(e.t, err)
	var next uuid.UUID
	for _, f := range floors {
		for _, u := range f.Units {
			if u.Number == "102" {
				next = u.ID
			}
		}
	}
	_, err = p.svc.AddPerson(ctx, e.alpha.ID, all, next, estate.PersonInput{Name: "李四", Phones: []string{w.neighbourPhone}},
		estate.LinkInput{Relation: estate.OwnerRel, PrimaryContact: true})
	must(e.t, err)
	_, err = p.svc.AddPerson(ctx, e.alpha.ID, all, p.northUnit, estate.PersonInput{Name: "张小三", Phones: []string{w.familyPhone}},
		estate.LinkInput{Relation: estate.FamilyRel})
	must(e.t, err)
	return w
}

func TestPortalSignInWithCode(t *testing.T) {
	e := newEnv(t)
	w := e.seedPortal()

	// The sign-in page is Chinese, phone-sized, and asks for the number.
	resp := e.portalDo("GET", "/r/alpha/", nil, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/r/alpha/login" {
		t.Fatalf("anonymous home: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp = e.portalDo("GET", "/r/alpha/login", nil, nil)
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "住户登录") || !strings.Contains(body, `name="viewport"`) || !strings.Contains(body, `lang="zh-CN"`) {
		t.Fatalf("login page: %d %s", resp.StatusCode, body)
	}

	a := e.residentSignIn("alpha", w.northPhone)
	sms := e.sms.all()
	if len(sms) != 1 || !strings.HasPrefix(sms[0].Body, "【Alpha 物业】您的验证码为") || sms[0].Template != resident.CodeSMS || sms[0].Sign != "Alpha 物业" {
		t.Fatalf("SMS: %+v", sms)
	}
	// Home: the unit and its household, no phones.
	resp = e.portalDo("GET", "/r/alpha/", a, nil)
	body = readBody(t, resp)
	for _, want := range []string{"North · 1-101", "张三", "张小三", "家属", "本人"} {
		if !strings.Contains(body, want) {
			t.Errorf("home lacks %q: %s", want, body)
		}
	}
	for _, never := range []string{w.familyPhone, w.neighbourPhone, "李四", "南先生"} {
		if strings.Contains(body, never) {
			t.Errorf("home shows %q", never)
		}
	}
	// A code is good once.
	resp = e.portalDo("POST", "/r/alpha/login", nil, url.Values{"phone": {w.northPhone}, "code": {e.lastCode(w.northPhone)}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("code used twice: %d", resp.StatusCode)
	}

	// The profile lists the sessions; a second phone signs in later
	// (after the resend wait), and ends the first.
	e.portalAt.Add(int64(2 * time.Minute))
	b := e.residentSignIn("alpha", w.northPhone)
	resp = e.portalDo("GET", "/r/alpha/profile", b, nil)
	body = readBody(t, resp)
	if strings.Count(body, "/revoke") != 2 || !strings.Contains(body, "iPhone") || !strings.Contains(body, "138****8000") {
		t.Fatalf("profile: %s", body)
	}
	sessA, err := e.residents.Authenticate(context.Background(), e.alpha.ID, a.token)
	must(t, err)
	// The neighbour cannot end it: 404.
	n := e.residentSignIn("alpha", w.neighbourPhone)
	if resp := e.portalDo("POST", "/r/alpha/profile/sessions/"+sessA.ID.String()+"/revoke", n, url.Values{}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("neighbour revokes: %d", resp.StatusCode)
	}
	// Without the CSRF token: 403.
	noCSRF := *b
	noCSRF.csrf = "wrong"
	if resp := e.portalDo("POST", "/r/alpha/profile/sessions/"+sessA.ID.String()+"/revoke", &noCSRF, url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("revoke without CSRF: %d", resp.StatusCode)
	}
	if resp := e.portalDo("POST", "/r/alpha/profile/sessions/"+sessA.ID.String()+"/revoke", b, url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if resp := e.portalDo("GET", "/r/alpha/", a, nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/r/alpha/login" {
		t.Errorf("revoked session: %d", resp.StatusCode)
	}
	// Sign out.
	if resp := e.portalDo("POST", "/r/alpha/logout", b, url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("logout: %d", resp.StatusCode)
	}
	if resp := e.portalDo("GET", "/r/alpha/profile", b, nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout: %d", resp.StatusCode)
	}
}

// An unknown number gets the same answer as a known one and no SMS; a
// guess for it fails as a wrong code does.
func TestPortalNumbersCannotBeEnumerated(t *testing.T) {
	e := newEnv(t)
	w := e.seedPortal()
	const unknown = "13512345678"
	known := readBodyStatus(t, e.portalDo("POST", "/r/alpha/login/code", nil, url.Values{"phone": {w.northPhone}}))
	other := readBodyStatus(t, e.portalDo("POST", "/r/alpha/login/code", nil, url.Values{"phone": {unknown}}))
	if strings.ReplaceAll(known, w.northPhone, "X") != strings.ReplaceAll(other, unknown, "X") {
		t.Fatalf("known and unknown numbers answered apart:\n%s\n%s", known, other)
	}
	// A number of another company is unknown here.
	bravo := readBodyStatus(t, e.portalDo("POST", "/r/alpha/login/code", nil, url.Values{"phone": {w.bravoPhone}}))
	if strings.ReplaceAll(bravo, w.bravoPhone, "X") != strings.ReplaceAll(known, w.northPhone, "X") {
		t.Fatalf("another company's number answered apart:\n%s", bravo)
	}
	e.residents.Wait()
	if sms := e.sms.all(); len(sms) != 1 || sms[0].Recipient != w.northPhone {
		t.Fatalf("SMS: %+v", sms)
	}
	wrong := readBodyStatus(t, e.portalDo("POST", "/r/alpha/login", nil, url.Values{"phone": {w.northPhone}, "code": {"000000"}}))
	if e.lastCode(w.northPhone) == "000000" {
		t.Skip("the code drawn was 000000")
	}
	guess := readBodyStatus(t, e.portalDo("POST", "/r/alpha/login", nil, url.Values{"phone": {unknown}, "code": {"000000"}}))
	if strings.ReplaceAll(wrong, w.northPhone, "X") != strings.ReplaceAll(guess, unknown, "X") || !strings.HasPrefix(wrong, "422") {
		t.Fatalf("wrong code and unknown number answered apart:\n%s\n%s", wrong, guess)
	}
}

// readBodyStatus is the status and the body of a response, to compare two.
func readBodyStatus(t *testing.T, resp *http.Response) string {
	return strconv.Itoa(resp.StatusCode) + " " + readBody(t, resp)
}

// Five wrong guesses burn a code, even racing; the right code then fails.
func TestPortalCodeGuessing(t *testing.T) {
	e := newEnv(t)
	w := e.seedPortal()
	ctx := context.Background()
	must(t, e.residents.RequestCode(ctx, e.alpha, w.northPhone, resident.Client{IP: "198.51.100.7"}, "zh-CN"))
	code := e.lastCode(w.northPhone)
	wrongCode := "000000"
	if code == wrongCode {
		wrongCode = "111111"
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := e.residents.SignIn(ctx, e.alpha, w.northPhone, wrongCode, resident.Client{IP: "198.51.100.7"}); err == nil {
				t.Error("a wrong code signed in")
			}
		}()
	}
	wg.Wait()
	if _, _, err := e.residents.SignIn(ctx, e.alpha, w.northPhone, code, resident.Client{}); err != resident.ErrCodeInvalid {
		t.Fatalf("right code after five wrong: %v", err)
	}
	var attempts int
	must(t, e.db.ReadTenant(ctx, e.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT max(attempts) FROM resident_codes WHERE tenant_id = ?", e.alpha.ID).Scan(ctx, &attempts)
	}))
	if attempts != 5 {
		t.Errorf("attempts counted %d, want 5", attempts)
	}

	// A fresh code (after the resend wait) works; one 5 minutes old does not.
	e.portalAt.Add(int64(2 * time.Minute))
	must(t, e.residents.RequestCode(ctx, e.alpha, w.northPhone, resident.Client{IP: "198.51.100.7"}, "zh-CN"))
	code = e.lastCode(w.northPhone)
	e.portalAt.Add(int64(5 * time.Minute))
	if _, _, err := e.residents.SignIn(ctx, e.alpha, w.northPhone, code, resident.Client{}); err != resident.ErrCodeInvalid {
		t.Fatalf("expired code: %v", err)
	}
	must(t, e.residents.RequestCode(ctx, e.alpha, w.northPhone, resident.Client{IP: "198.51.100.7"}, "zh-CN"))
	if _, _, err := e.residents.SignIn(ctx, e.alpha, w.northPhone, e.lastCode(w.northPhone), resident.Client{}); err != nil {
		t.Fatalf("fresh code: %v", err)
	}
}

// Code requests are throttled per number (a minute apart, 5 an hour) and
// per address (20 an hour), known numbers and unknown alike.
func TestPortalCodeThrottle(t *testing.T) {
	e := newEnv(t)
	w := e.seedPortal()
	ctx := context.Background()
	c := resident.Client{IP: "203.0.113.9"}
	for _, phone := range []string{w.northPhone, "13512345678"} {
		must(t, e.residents.RequestCode(ctx, e.alpha, phone, c, "zh-CN"))
		if err := e.residents.RequestCode(ctx, e.alpha, phone, c, "zh-CN"); err != resident.ErrThrottled {
			t.Errorf("%s again at once: %v", phone, err)
		}
	}
	for range 4 {
		e.portalAt.Add(int64(61 * time.Second))
		for _, phone := range []string{w.northPhone, "13512345678"} {
			must(t, e.residents.RequestCode(ctx, e.alpha, phone, resident.Client{IP: "203.0.113.10"}, "zh-CN"))
		}
	}
	e.portalAt.Add(int64(61 * time.Second))
	for _, phone := range []string{w.northPhone, "13512345678"} {
		if err := e.residents.RequestCode(ctx, e.alpha, phone, resident.Client{IP: "203.0.113.11"}, "zh-CN"); err != resident.ErrThrottled {
			t.Errorf("%s sixth in the hour: %v", phone, err)
		}
	}
	// Per address: 20 numbers, then the 21st is refused over HTTP (429),
	// while another address still gets its code.
	for i := range 20 {
		phone := fmt.Sprintf("1590000%04d", i)
		if err := e.residents.RequestCode(ctx, e.alpha, phone, resident.Client{IP: "192.0.2.50"}, "zh-CN"); err != nil {
			t.Fatalf("number %d: %v", i, err)
		}
	}
	if err := e.residents.RequestCode(ctx, e.alpha, w.neighbourPhone, resident.Client{IP: "192.0.2.50"}, "zh-CN"); err != resident.ErrThrottled {
		t.Errorf("21st from one address: %v", err)
	}
	resp := e.portalDo("POST", "/r/alpha/login/code", nil, url.Values{"phone": {w.familyPhone}})
	if resp.StatusCode != http.StatusOK {
		t.Errorf("another address: %d", resp.StatusCode)
	}
}

// A resident session is not a staff session and the reverse; a company's
// portal knows only its own residents.
func TestPortalSessionsStayOnTheirSide(t *testing.T) {
	e := newEnv(t)
	w := e.seedPortal()
	a := e.residentSignIn("alpha", w.northPhone)

	// The resident's token as a staff cookie: the staff's sign-in.
	req := httptest.NewRequest("GET", "/t/alpha/", nil)
	req.AddCookie(&http.Cookie{Name: "ed_session", Value: a.token})
	resp, err := e.app.Test(req, 10_000)
	must(t, err)
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("resident token on a staff page: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	req = httptest.NewRequest("GET", "/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err = e.app.Test(req, 10_000)
	must(t, err)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("resident token on the API: %d", resp.StatusCode)
	}
	// A staff session on the portal is nobody: the portal's sign-in.
	clerk := e.actors["clerk"]
	resp = e.do(request{method: "GET", path: "/r/alpha/", as: "clerk"})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/r/alpha/login" {
		t.Errorf("staff cookie on the portal: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	staffAsResident := &residentActor{token: clerk.cookie(), csrf: clerk.session.CSRFToken}
	resp = e.portalDo("GET", "/r/alpha/profile", staffAsResident, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/r/alpha/login" {
		t.Errorf("staff token as a resident: %d", resp.StatusCode)
	}
	// Alpha's resident at bravo's portal is nobody there.
	resp = e.portalDo("GET", "/r/bravo/profile", a, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/r/bravo/login" {
		t.Errorf("alpha's resident at bravo: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Unknown companies and pages are the portal's 404, never a staff page.
	for _, p := range []string{"/r/nope/", "/r/nope/login", "/r/alpha/tickets", "/r/alpha/t/alpha/"} {
		resp := e.portalDo("GET", p, a, nil)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
		if !strings.Contains(body, "portal.css") {
			t.Errorf("%s: not the portal's page: %s", p, body)
		}
	}
	// Input is checked as everywhere.
	resp = e.portalDo("POST", "/r/alpha/login/code", nil, url.Values{"phone": {"138\x00"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("NUL in the phone: %d", resp.StatusCode)
	}
}

// The QR code of a company's portal, for the lobby: a PNG anyone may
// fetch; the estate page links it.
func TestPortalQRCode(t *testing.T) {
	e := newEnv(t)
	resp := e.portalDo("GET", "/r/alpha/qr.png", nil, nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("qr: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	img, err := png.Decode(resp.Body)
	must(t, err)
	if b := img.Bounds(); b.Dx() != 600 || b.Dy() != 600 {
		t.Errorf("qr size %v", b)
	}
	if resp := e.portalDo("GET", "/r/nope/qr.png", nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown company: %d", resp.StatusCode)
	}
	resp = e.do(request{method: "GET", path: "/t/alpha/estates/" + e.estates[0].ID.String(), as: "manager"})
	if body := readBody(t, resp); !strings.Contains(body, `href="/r/alpha/qr.png"`) {
		t.Errorf("estate page lacks the QR link")
	}
}
