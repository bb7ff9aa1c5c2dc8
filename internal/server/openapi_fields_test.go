package server_test

import (
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// openAPIDoc is the served OpenAPI document, decoded loosely so that its
// schemas can be walked.
type openAPIDoc map[string]any

func (d openAPIDoc) at(ref string) map[string]any {
	var node any = map[string]any(d)
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, _ := node.(map[string]any)
		node = m[part]
	}
	m, _ := node.(map[string]any)
	return m
}

// resolve follows $ref until a schema that is not a reference.
func (d openAPIDoc) resolve(s map[string]any) map[string]any {
	for i := 0; s != nil && i < 10; i++ {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		s = d.at(ref)
	}
	return s
}

// properties gathers what an object schema documents, through allOf,
// oneOf and anyOf; open reports a schema that admits any key
// (additionalProperties), with the schema of those values.
func (d openAPIDoc) properties(s map[string]any) (props map[string]map[string]any, extra map[string]any, open bool) {
	props = map[string]map[string]any{}
	var walk func(s map[string]any)
	walk = func(s map[string]any) {
		s = d.resolve(s)
		if s == nil {
			return
		}
		if ps, ok := s["properties"].(map[string]any); ok {
			for k, v := range ps {
				props[k], _ = v.(map[string]any)
			}
		}
		switch ap := s["additionalProperties"].(type) {
		case bool:
			open = open || ap
		case map[string]any:
			open, extra = true, ap
		}
		for _, key := range []string{"allOf", "oneOf", "anyOf"} {
			list, _ := s[key].([]any)
			for _, sub := range list {
				m, _ := sub.(map[string]any)
				walk(m)
			}
		}
	}
	walk(s)
	return props, extra, open
}

// undocumented lists the keys of value (at path) that schema does not
// describe, and the instants not written in UTC.
func (d openAPIDoc) undocumented(schema map[string]any, value any, path string) []string {
	var out []string
	switch v := value.(type) {
	case map[string]any:
		props, extra, open := d.properties(schema)
		if len(props) == 0 && !open {
			return []string{path + " (an object the schema does not describe)"}
		}
		for k, sub := range v {
			ps, ok := props[k]
			switch {
			case ok:
				out = append(out, d.undocumented(ps, sub, path+"."+k)...)
			case extra != nil:
				out = append(out, d.undocumented(extra, sub, path+"."+k)...)
			case !open:
				out = append(out, path+"."+k)
			}
		}
	case []any:
		s := d.resolve(schema)
		items, _ := s["items"].(map[string]any)
		for i, sub := range v {
			if i > 2 {
				break
			}
			if items == nil {
				return []string{path + "[] (an array the schema does not describe)"}
			}
			out = append(out, d.undocumented(items, sub, path+"[]")...)
		}
	case string:
		if at, err := time.Parse(time.RFC3339Nano, v); err == nil && at.Location() != time.UTC {
			out = append(out, path+" is not in UTC: "+v)
		}
	}
	return out
}

// responseSchema is the JSON schema of a documented response.
func (d openAPIDoc) responseSchema(method, path string, status int) map[string]any {
	step := func(m map[string]any, key string) map[string]any { n, _ := m[key].(map[string]any); return n }
	r := d.resolve(step(step(step(step(step(map[string]any(d), "paths"), path), strings.ToLower(method)), "responses"), strconv.Itoa(status)))
	return step(step(step(r, "content"), "application/json"), "schema")
}

// Every field of the API's answers is in the OpenAPI document, and every
// instant is RFC 3339 in UTC: representative calls of every area, each
// answer walked against its documented schema.
func TestOpenAPIDocumentsEveryResponseField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	hook := e.seedWebhook("https://203.0.113.10/hooks", "ticket.created")
	tk := w.ticketIn(e.estates[0].ID, "completed")
	done := w.ticketIn(e.estates[0].ID, "completed")
	var doc openAPIDoc
	decode(t, e.do(request{method: "GET", path: "/api/v1/openapi.json"}), &doc)
	ids := strings.NewReplacer("{slug}", "alpha", "{id}", e.alpha.ID.String(), "{estate}", e.estates[0].ID.String(),
		"{building}", w.p.northBuilding.String(), "{unit}", w.p.northUnit.String(), "{person}", w.p.northPerson.String(),
		"{team}", w.north.ID.String(), "{webhook}", hook.ID.String(), "{ticket}", tk.ID.String())
	calls := []struct {
		method, path, query, as string
		body                    any
		status                  int
	}{
		{"POST", "/auth/login", "", "", map[string]any{"email": "clerk@alpha.example.com", "password": testPassword}, 200},
		{"GET", "/me", "", "clerk", nil, 200},
		{"GET", "/sessions", "", "clerk", nil, 200},
		{"GET", "/admin/tenants", "", "admin", nil, 200},
		{"GET", "/admin/tenants/{id}", "", "admin", nil, 200},
		{"POST", "/admin/tenants/{id}/billing", "", "admin", map[string]any{"action": "extend_trial", "days": 3}, 200},
		{"GET", "/admin/tenants/{id}", "", "admin", nil, 200},
		{"GET", "/admin/business", "", "admin", nil, 200},
		{"POST", "/admin/tenants/{id}/manifest", "", "admin", map[string]any{"manifest": "company:\n  slug: alpha\n", "dry_run": true}, 200},
		{"GET", "/t/{slug}/staff", "", "manager", nil, 200},
		{"GET", "/t/{slug}/estates", "", "manager", nil, 200},
		{"GET", "/t/{slug}/estates/{estate}", "", "manager", nil, 200},
		{"GET", "/t/{slug}/estates/{estate}/buildings", "", "manager", nil, 200},
		{"GET", "/t/{slug}/buildings/{building}", "", "manager", nil, 200},
		{"GET", "/t/{slug}/units/{unit}", "", "manager", nil, 200},
		{"GET", "/t/{slug}/persons/{person}", "", "manager", nil, 200},
		{"GET", "/t/{slug}/search", "?q=1-101", "manager", nil, 200},
		{"GET", "/t/{slug}/estates/{estate}/teams", "", "manager", nil, 200},
		{"GET", "/t/{slug}/estates/{estate}/teams/{team}", "", "manager", nil, 200},
		{"GET", "/t/{slug}/settings/webhooks", "", "manager", nil, 200},
		{"GET", "/t/{slug}/settings/webhooks/{webhook}/deliveries", "", "manager", nil, 200},
		{"GET", "/t/{slug}/settings/tickets", "", "manager", nil, 200},
		{"POST", "/t/{slug}/tickets", "", "clerk", map[string]any{"estate_id": e.estates[0].ID.String(), "unit_id": w.p.northUnit.String(),
			"type": "repair", "channel": "phone", "description": "厨房水管漏水"}, 201},
		{"GET", "/t/{slug}/tickets", "", "manager", nil, 200},
		{"POST", "/t/{slug}/tickets/{ticket}/comments", "", "manager", map[string]any{"body": "已联系业主"}, 201},
		{"POST", "/t/{slug}/tickets/{ticket}/callbacks", "", "manager", map[string]any{"reached": true, "overall": 5, "speed": 5, "attitude": 5}, 200},
		{"GET", "/t/{slug}/tickets/{ticket}", "", "manager", nil, 200},
		{"POST", "/t/{slug}/tickets/" + done.ID.String() + "/close", "", "manager", map[string]any{"reason": "业主已电话确认修好"}, 200},
		{"GET", "/t/{slug}/notifications", "", "manager", nil, 200},
	}
	for _, c := range calls {
		path := c.path
		if strings.Contains(path, done.ID.String()) {
			path = strings.Replace(path, done.ID.String(), "{ticket}", 1)
		}
		resp := e.do(request{method: c.method, path: "/api/v1" + ids.Replace(c.path) + c.query, as: c.as, json: c.body})
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: %d, want %d: %.300s", c.method, c.path, resp.StatusCode, c.status, readBody(t, resp))
			continue
		}
		schema := doc.responseSchema(c.method, path, c.status)
		if schema == nil {
			t.Errorf("%s %s: no JSON schema for %d", c.method, path, c.status)
			continue
		}
		var body any
		decode(t, resp, &body)
		missing := doc.undocumented(schema, body, "")
		sort.Strings(missing)
		for _, m := range missing {
			t.Errorf("%s %s: %s", c.method, path, m)
		}
	}
}
