package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/webhook"
)

// seedWebhook gives alpha a webhook. The addresses are public literals
// (TEST-NET-3), so the harness's SSRF check passes without DNS.
func (e *env) seedWebhook(rawURL string, events ...string) *webhook.Webhook {
	e.t.Helper()
	h, err := e.webhooks.Create(context.Background(), e.alpha.ID, rawURL, events)
	must(e.t, err)
	return h
}

// publish records an event for alpha as the ticket service does, inside
// its transaction.
func (e *env) publish(event string, data any) {
	e.t.Helper()
	must(e.t, e.db.InTenant(context.Background(), e.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		return e.webhooks.PublishTx(ctx, tx, e.alpha.ID, event, data)
	}))
}

func webhookScenarios() []scenario {
	const page = "/t/alpha/settings/webhooks"
	const api = "/api/v1" + page
	create := url.Values{"url": {"https://203.0.113.10/new"}, "events": {"ticket.created", "ticket.escalated"}}
	edit := url.Values{"url": {"https://203.0.113.10/edited"}, "events": {"ticket.created"}, "active": {"true"}}
	body := map[string]any{"url": "https://203.0.113.10/api", "events": []string{"ticket.status_changed"}}
	return []scenario{
		{method: "GET", path: page, allowed: "manager", denied: onlyManager, want: 200},
		{method: "POST", path: page, form: create, allowed: "manager", denied: onlyManager, want: 303},
		{method: "POST", path: page + "/{webhook}", form: edit, allowed: "manager", denied: onlyManager, want: 303},
		{method: "POST", path: page + "/{webhook}/delete", form: url.Values{}, allowed: "manager", denied: onlyManager, want: 303},

		{method: "GET", path: api, allowed: "manager", denied: onlyManager, want: 200},
		{method: "POST", path: api, json: body, allowed: "manager", denied: onlyManager, want: 201},
		{method: "POST", path: api + "/{webhook}", json: body, allowed: "manager", denied: onlyManager, want: 200},
		{method: "POST", path: api + "/{webhook}/delete", allowed: "manager", denied: onlyManager, want: 204},
		{method: "GET", path: api + "/{webhook}/deliveries", allowed: "manager", denied: onlyManager, want: 200},
	}
}

// Every webhook route: anonymous, another tenant's manager, each role
// without ticket:configure, and the manager.
func TestWebhookRoutesScenarios(t *testing.T) {
	for _, s := range webhookScenarios() {
		t.Run(s.method+" "+s.path, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			h := e.seedWebhook("https://203.0.113.10/seed", webhook.TicketCreated)
			s := withReplacer(s, strings.NewReplacer("{webhook}", h.ID.String()))
			api := strings.HasPrefix(s.path, "/api/")

			resp := e.do(e.scenarioRequest(s, ""))
			if api {
				expectStatus(t, resp, http.StatusUnauthorized, "anonymous")
			} else if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
				t.Errorf("anonymous: %d %s, want redirect to /login", resp.StatusCode, resp.Header.Get("Location"))
			}
			expectStatus(t, e.do(e.scenarioRequest(s, "other")), http.StatusNotFound, "member of another tenant")
			for _, role := range s.denied {
				expectStatus(t, e.do(e.scenarioRequest(s, role)), http.StatusForbidden, role)
			}
			expectStatus(t, e.do(e.scenarioRequest(s, s.allowed)), s.want, s.allowed)
		})
	}
}

// The API life of a webhook: create (the secret shown once), list (no
// secret), refuse bad input with translated, stable codes, switch off and
// on, read the delivery log, delete.
func TestWebhookAPIFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const base = "/api/v1/t/alpha/settings/webhooks"

	resp := e.do(request{method: "POST", path: base, as: "manager",
		json: map[string]any{"url": " https://203.0.113.10/hooks ", "events": []string{"ticket.escalated", "ticket.created"}}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, readBody(t, resp))
	}
	var created struct {
		ID     string   `json:"id"`
		URL    string   `json:"url"`
		Events []string `json:"events"`
		Active bool     `json:"active"`
		Secret string   `json:"secret"`
	}
	decode(t, resp, &created)
	if created.URL != "https://203.0.113.10/hooks" || strings.Join(created.Events, ",") != "ticket.created,ticket.escalated" ||
		!created.Active || len(created.Secret) != 64 {
		t.Errorf("created %+v", created)
	}
	hook := base + "/" + created.ID

	resp = e.do(request{method: "GET", path: base, as: "manager"})
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, created.ID) || strings.Contains(body, created.Secret) || strings.Contains(body, `"secret"`) {
		t.Errorf("list: %d %s", resp.StatusCode, body)
	}

	for _, c := range []struct {
		body map[string]any
		code string
	}{
		{map[string]any{"url": "ftp://203.0.113.10/x", "events": []string{"ticket.created"}}, "webhook_invalid_url"},
		{map[string]any{"url": "http://203.0.113.10/x", "events": []string{"ticket.created"}}, "webhook_invalid_url"},
		{map[string]any{"url": "not a url", "events": []string{"ticket.created"}}, "webhook_invalid_url"},
		{map[string]any{"url": "https://127.0.0.1/x", "events": []string{"ticket.created"}}, "webhook_private_address"},
		{map[string]any{"url": "https://169.254.169.254/latest/meta-data", "events": []string{"ticket.created"}}, "webhook_private_address"},
		{map[string]any{"url": "https://203.0.113.10/x", "events": []string{}}, "webhook_invalid_events"},
		{map[string]any{"url": "https://203.0.113.10/x", "events": []string{"ticket.deleted"}}, "webhook_invalid_events"},
	} {
		problemCode(t, e, request{method: "POST", path: base, as: "manager", json: c.body}, http.StatusUnprocessableEntity, c.code)
		problemCode(t, e, request{method: "POST", path: hook, as: "manager", json: c.body}, http.StatusUnprocessableEntity, c.code)
	}
	// The message is the caller's language: Chinese by default, English on request.
	resp = e.do(request{method: "POST", path: base, as: "manager", json: map[string]any{"url": "ftp://x", "events": []string{"ticket.created"}}})
	if body := readBody(t, resp); !strings.Contains(body, "接收地址无效") {
		t.Errorf("zh-CN problem: %s", body)
	}
	resp = e.do(request{method: "POST", path: base, as: "manager", json: map[string]any{"url": "ftp://x", "events": []string{"ticket.created"}},
		header: map[string]string{"Accept-Language": "en"}})
	if body := readBody(t, resp); !strings.Contains(body, "The URL is not valid") {
		t.Errorf("en problem: %s", body)
	}

	// Switched off, then on again by leaving "active" out.
	var saved struct {
		Active bool     `json:"active"`
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	resp = e.do(request{method: "POST", path: hook, as: "manager", json: map[string]any{"url": "https://203.0.113.10/v2", "events": []string{"ticket.followed_up"}, "active": false}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("update: %d %s", resp.StatusCode, readBody(t, resp))
	}
	decode(t, resp, &saved)
	if saved.Active || saved.URL != "https://203.0.113.10/v2" || strings.Join(saved.Events, ",") != "ticket.followed_up" {
		t.Errorf("saved %+v", saved)
	}
	resp = e.do(request{method: "POST", path: hook, as: "manager", json: map[string]any{"url": "https://203.0.113.10/v2", "events": []string{"ticket.created"}}})
	decode(t, resp, &saved)
	if !saved.Active {
		t.Errorf("active left out switched it off")
	}

	// The log: what was published, newest first, with the body.
	e.publish(webhook.TicketCreated, map[string]string{"number": "T-1"})
	e.publish(webhook.TicketEscalated, nil) // not subscribed
	var log struct {
		Deliveries []struct {
			ID      string `json:"id"`
			Event   string `json:"event"`
			Status  string `json:"status"`
			Payload struct {
				ID    string            `json:"id"`
				Event string            `json:"event"`
				Data  map[string]string `json:"data"`
			} `json:"payload"`
		} `json:"deliveries"`
	}
	resp = e.do(request{method: "GET", path: hook + "/deliveries?limit=10", as: "manager"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("deliveries: %d %s", resp.StatusCode, readBody(t, resp))
	}
	decode(t, resp, &log)
	if len(log.Deliveries) != 1 || log.Deliveries[0].Status != "pending" || log.Deliveries[0].Payload.ID != log.Deliveries[0].ID ||
		log.Deliveries[0].Payload.Event != "ticket.created" || log.Deliveries[0].Payload.Data["number"] != "T-1" {
		t.Errorf("log %+v", log)
	}

	// Another tenant's manager cannot reach it, by either slug.
	for _, r := range []request{
		{method: "POST", path: "/api/v1/t/bravo/settings/webhooks/" + created.ID, as: "other", json: map[string]any{"url": "https://203.0.113.10/x", "events": []string{"ticket.created"}}},
		{method: "POST", path: "/api/v1/t/bravo/settings/webhooks/" + created.ID + "/delete", as: "other"},
		{method: "GET", path: "/api/v1/t/bravo/settings/webhooks/" + created.ID + "/deliveries", as: "other"},
		{method: "GET", path: "/api/v1/t/alpha/settings/webhooks", as: "other"},
		{method: "POST", path: hook + "/delete", as: "other"},
		{method: "GET", path: hook + "/deliveries", as: "other"},
		{method: "POST", path: "/t/bravo/settings/webhooks/" + created.ID, as: "other", form: url.Values{"url": {"https://203.0.113.10/x"}, "events": {"ticket.created"}}},
		{method: "GET", path: "/api/v1/t/alpha/settings/webhooks/not-a-uuid/deliveries", as: "manager"},
	} {
		expectStatus(t, e.do(r), http.StatusNotFound, r.as+" "+r.method+" "+r.path)
	}
	resp = e.do(request{method: "GET", path: "/api/v1/t/bravo/settings/webhooks", as: "other"})
	if body := readBody(t, resp); resp.StatusCode != http.StatusOK || strings.Contains(body, created.ID) {
		t.Errorf("bravo's list: %d %s", resp.StatusCode, body)
	}

	expectStatus(t, e.do(request{method: "POST", path: hook + "/delete", as: "manager"}), http.StatusNoContent, "delete")
	expectStatus(t, e.do(request{method: "GET", path: hook + "/deliveries", as: "manager"}), http.StatusNotFound, "log of a deleted webhook")
	expectStatus(t, e.do(request{method: "POST", path: hook + "/delete", as: "manager"}), http.StatusNotFound, "delete twice")

	// Ten per company.
	for i := range webhook.MaxPerTenant {
		e.seedWebhook("https://203.0.113.10/"+string(rune('a'+i)), webhook.TicketCreated)
	}
	problemCode(t, e, request{method: "POST", path: base, as: "manager", json: map[string]any{"url": "https://203.0.113.10/z", "events": []string{"ticket.created"}}},
		http.StatusUnprocessableEntity, "webhook_too_many")
}

// The settings page: the webhooks with their secret, events and delivery
// log in Chinese; its forms save, switch off (an unticked box) and delete.
func TestWebhookPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const page = "/t/alpha/settings/webhooks"
	resp := e.do(request{method: "GET", path: page, as: "manager"})
	if body := readBody(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, "还没有配置 Webhook") || !strings.Contains(body, `id="webhook-create"`) {
		t.Errorf("empty page: %d %s", resp.StatusCode, body)
	}

	resp = e.do(request{method: "POST", path: page, as: "manager", form: url.Values{"url": {"https://203.0.113.10/page"}, "events": {"ticket.created", "ticket.followed_up"}}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page {
		t.Fatalf("create: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	hooks, err := e.webhooks.List(context.Background(), e.alpha.ID)
	must(t, err)
	if len(hooks) != 1 || strings.Join(hooks[0].Events, ",") != "ticket.created,ticket.followed_up" {
		t.Fatalf("hooks %+v", hooks)
	}
	h := hooks[0]
	e.publish(webhook.TicketCreated, map[string]string{"number": "T-1"})

	resp = e.do(request{method: "GET", path: page, as: "manager"})
	body := readBody(t, resp)
	for _, want := range []string{"https://203.0.113.10/page", h.Secret, "新建工单", "工单回访", "推送记录", "等待发送", `id="deliveries-` + h.ID.String() + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	resp = e.do(request{method: "GET", path: page, as: "manager", header: map[string]string{"Accept-Language": "en"}})
	if body := readBody(t, resp); !strings.Contains(body, "Ticket created") || !strings.Contains(body, "Pending") {
		t.Errorf("English page: %s", body)
	}

	// The edit form without the ticked box switches it off and cancels
	// what waits.
	resp = e.do(request{method: "POST", path: page + "/" + h.ID.String(), as: "manager", form: url.Values{"url": {h.URL}, "events": {"ticket.created"}}})
	expectStatus(t, resp, http.StatusSeeOther, "switch off")
	got, err := e.webhooks.Get(context.Background(), e.alpha.ID, h.ID)
	must(t, err)
	if got.Active {
		t.Error("still active")
	}
	resp = e.do(request{method: "GET", path: page, as: "manager"})
	if body := readBody(t, resp); !strings.Contains(body, "已停用") || !strings.Contains(body, "已取消") {
		t.Errorf("switched-off page: %s", body)
	}

	// A bad URL from the form is a translated error page.
	resp = e.do(request{method: "POST", path: page, as: "manager", form: url.Values{"url": {"https://10.0.0.8/x"}, "events": {"ticket.created"}}})
	if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "接收地址不能指向本机、内网或链路本地地址") {
		t.Errorf("bad URL: %d %s", resp.StatusCode, body)
	}

	resp = e.do(request{method: "POST", path: page + "/" + h.ID.String() + "/delete", as: "manager", form: url.Values{}})
	expectStatus(t, resp, http.StatusSeeOther, "delete")
	if hooks, err := e.webhooks.List(context.Background(), e.alpha.ID); err != nil || len(hooks) != 0 {
		t.Errorf("after delete: %v %v", hooks, err)
	}
}
