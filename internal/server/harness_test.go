package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/config"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
	"github.com/estatedesk/estatedesk/internal/i18n"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/kpi"
	"github.com/estatedesk/estatedesk/internal/mail"
	"github.com/estatedesk/estatedesk/internal/manifest"
	"github.com/estatedesk/estatedesk/internal/notify"
	"github.com/estatedesk/estatedesk/internal/portal"
	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/report"
	"github.com/estatedesk/estatedesk/internal/resident"
	"github.com/estatedesk/estatedesk/internal/server"
	"github.com/estatedesk/estatedesk/internal/subscription"
	"github.com/estatedesk/estatedesk/internal/team"
	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/internal/ticket"
	"github.com/estatedesk/estatedesk/internal/webhook"
	"github.com/estatedesk/estatedesk/web"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// mailbox keeps the messages the server "sent".
type mailbox struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (m *mailbox) Send(_ context.Context, msg mail.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, msg)
	return nil
}

func (m *mailbox) last(t *testing.T) mail.Message {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.sent) == 0 {
		t.Fatal("no mail sent")
	}
	return m.sent[len(m.sent)-1]
}

// testPassword is the password of every seeded user; hashed once per run.
const testPassword = "correct horse"

var testHash = sync.OnceValues(func() (string, error) { return account.HashPassword(testPassword) })

// actor is someone who makes requests: a role in tenant alpha, the manager
// of tenant bravo ("other"), a platform admin, or nobody.
type actor struct {
	user    *account.User
	session *account.Session
	token   string
}

// env is one fresh database with two tenants and one user per role in
// alpha, a manager in bravo, and a platform admin.
type env struct {
	t        *testing.T
	app      *fiber.App
	db       *database.DB
	accounts *account.Service
	authz    *rbac.Authorizer
	mail     *mailbox
	alpha    *tenant.Tenant
	bravo    *tenant.Tenant
	estates  []estate.Estate // alpha's: "North" (scoped staff's), "South"
	actors   map[string]*actor
	pending  *account.Invitation // a pending invitation in alpha
	cfg      config.Config
	jobs     *job.Client
	tickets  *ticket.Service
	webhooks *webhook.Service
	fees     *fee.Service
	billing  *subscription.Service
	kpis     *kpi.Service
	reports  *report.Service
	// The residents' portal: its service, the SMS it "sent", and how far
	// its clock is ahead of the wall clock.
	residents *resident.Service
	sms       *smsbox
	portalAt  atomic.Int64
}

// smsbox keeps the SMS the notifier "sent".
type smsbox struct {
	mu   sync.Mutex
	sent []notify.Message
}

func (b *smsbox) Send(_ context.Context, m notify.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, m)
	return nil
}

func (b *smsbox) all() []notify.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]notify.Message(nil), b.sent...)
}

var alphaRoles = []string{"manager", "assistant", "office_head", "clerk", "document_controller", "team_leader", "worker"}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, func(*config.Config) {})
}

// planLimits reads the configuration's plan limits as serve does, so that
// a test may lower them.
func planLimits(t *testing.T, cfg config.Config) tenant.PlanLimits {
	t.Helper()
	limits := tenant.PlanLimits{}
	for plan, spec := range cfg.PlanLimits {
		l, err := tenant.ParseLimits(spec)
		must(t, err)
		limits[plan] = l
	}
	return limits
}

func newEnvWith(t *testing.T, tweak func(*config.Config)) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, db: dbtest.New(t), mail: &mailbox{}, actors: map[string]*actor{}}
	cfg := config.Default()
	cfg.BaseURL = "http://estatedesk.test"
	tweak(&cfg)
	e.cfg = cfg
	limits := planLimits(t, cfg)
	var logTo io.Writer = io.Discard
	if os.Getenv("ESTATEDESK_TEST_LOG") != "" {
		logTo = os.Stderr
	}
	log := slog.New(slog.NewJSONHandler(logTo, nil))
	e.accounts = account.NewService(e.db, account.Settings{BaseURL: cfg.BaseURL, SessionTTL: cfg.SessionTTL, APITokenTTL: cfg.APITokenTTL,
		LoginWindow: cfg.LoginWindow, LoginMaxPerAccount: cfg.LoginMaxPerAccount, LoginMaxPerAddress: cfg.LoginMaxPerAddress,
		PasswordResetTTL: cfg.PasswordResetTTL, InvitationTTL: cfg.InvitationTTL, SessionCacheTTL: cfg.SessionCacheTTL,
		Limits: limits}, e.mail, log)
	cat, err := i18n.Load(web.FS)
	must(t, err)
	e.accounts.SetTranslate(cat.T)

	e.alpha = e.createTenant("alpha", "Alpha 物业")
	e.bravo = e.createTenant("bravo", "Bravo Property")
	for _, name := range []string{"North", "South"} {
		est := &estate.Estate{TenantID: e.alpha.ID, Name: name}
		must(t, e.db.InTenant(ctx, e.alpha.ID, func(ctx context.Context, tx bun.Tx) error { return estate.Insert(ctx, tx, est) }))
		e.estates = append(e.estates, *est)
	}
	for _, role := range alphaRoles {
		var estates []uuid.UUID
		if rbac.EstateScoped(rbac.Role(role)) {
			estates = []uuid.UUID{e.estates[0].ID}
		}
		e.addActor(role, e.alpha, account.Access{Roles: []string{role}, EstateIDs: estates})
	}
	e.addActor("other", e.bravo, account.Access{Roles: []string{"manager"}})
	admin, err := e.accounts.EnsureUser(ctx, "admin@example.com", "Admin", testHash, true)
	must(t, err)
	e.actors["admin"] = e.login(admin)
	inv, _, err := e.accounts.Invite(ctx, e.alpha, account.InviteRequest{Email: "pending@example.com", Access: account.Access{Roles: []string{"clerk"}}})
	must(t, err)
	e.pending = inv

	e.authz, err = rbac.New(ctx, e.db)
	must(t, err)
	estates := estate.NewService(e.db, limits, 0)
	e.jobs, err = job.New(e.db, job.Options{Logger: log})
	must(t, err)
	e.tickets, err = ticket.NewService(e.db, e.jobs, ticket.Options{DataDir: t.TempDir(), BaseURL: cfg.BaseURL, Translate: cat.T, Mail: e.mail, Log: log})
	must(t, err)
	e.webhooks, err = webhook.NewService(e.db, e.jobs, webhook.Options{AllowPrivate: cfg.WebhookAllowPrivate})
	must(t, err)
	e.tickets.SetPublisher(e.webhooks)
	e.fees, err = fee.NewService(e.db, e.jobs, fee.Options{Log: log})
	must(t, err)
	e.fees.SetPublisher(e.webhooks)
	e.billing, err = subscription.NewService(e.db, e.jobs, e.accounts, subscription.Options{Limits: limits,
		Prices: cfg.PlanPrices, StripePrices: cfg.Stripe.Prices, TrialDays: cfg.TrialDays, GraceDays: cfg.GraceDays,
		SecretKey: cfg.Stripe.SecretKey, WebhookSecret: cfg.Stripe.WebhookSecret, APIURL: cfg.Stripe.APIURL,
		BaseURL: cfg.BaseURL, TimeZone: "Asia/Shanghai", Translate: cat.T, Mail: e.mail, Log: log})
	must(t, err)
	e.kpis, err = kpi.NewService(e.db, e.jobs, e.tickets, e.fees, kpi.Options{Log: log})
	must(t, err)
	e.reports, err = report.NewService(e.db, e.jobs, e.kpis, report.Options{Log: log, Mail: e.mail, Translate: cat.T, BaseURL: cfg.BaseURL})
	must(t, err)
	e.sms = &smsbox{}
	notifier := notify.New(log)
	notifier.Register(notify.SMS, e.sms)
	e.residents, err = resident.NewService(e.db, resident.Options{Notifier: notifier, Translate: cat.T, Log: log,
		Tickets: e.tickets, Jobs: e.jobs, BaseURL: cfg.BaseURL,
		Now: func() time.Time { return time.Now().Add(time.Duration(e.portalAt.Load())) }})
	must(t, err)
	e.tickets.SetPublisher(ticket.Publishers{e.webhooks, e.residents})
	residentsPortal, err := portal.New(portal.Deps{Config: cfg, DB: e.db, Residents: e.residents, Catalog: cat, Log: log})
	must(t, err)
	e.app, err = server.New(server.Deps{Config: cfg, DB: e.db, Accounts: e.accounts, Estates: estates, Tickets: e.tickets, Webhooks: e.webhooks, Fees: e.fees, KPIs: e.kpis, Subscriptions: e.billing, Reports: e.reports,
		Manifests: &manifest.Applier{DB: e.db, Accounts: e.accounts, Estates: estates, Teams: team.NewService(e.db), DefaultTimeZone: "Asia/Shanghai"},
		Authz:     e.authz, Catalog: cat, Log: log, Portal: residentsPortal})
	must(t, err)
	return e
}

func (e *env) createTenant(slug, name string) *tenant.Tenant {
	t, err := tenant.New(slug, name, "growth", "Asia/Shanghai", tenant.Active)
	must(e.t, err)
	must(e.t, e.db.InPlatform(context.Background(), func(ctx context.Context, tx bun.Tx) error { return tenant.Insert(ctx, tx, t) }))
	return t
}

func (e *env) addActor(name string, t *tenant.Tenant, a account.Access) *actor {
	ctx := context.Background()
	u, err := e.accounts.EnsureUser(ctx, name+"@"+t.Slug+".example.com", strings.ToUpper(name[:1])+name[1:], testHash, false)
	must(e.t, err)
	must(e.t, e.accounts.AddMember(ctx, t.ID, u.ID, a))
	e.actors[name] = e.login(u)
	return e.actors[name]
}

// login opens a browser session and an API token without a password check
// (argon2 would cost 150 ms a user).
func (e *env) login(u *account.User) *actor {
	ctx := context.Background()
	sess, token, err := e.accounts.OpenSession(ctx, u, account.KindWeb, account.Client{IP: "192.0.2.1"})
	must(e.t, err)
	_, bearer, err := e.accounts.OpenSession(ctx, u, account.KindAPI, account.Client{IP: "192.0.2.1"})
	must(e.t, err)
	if u.PlatformAdmin {
		// The console needs a two-factor sign-in; these stand for one.
		_, err := e.db.Bun.NewUpdate().Table("sessions").Set("second_factor = true").Where("user_id = ?", u.ID).Exec(ctx)
		must(e.t, err)
	}
	return &actor{user: u, session: &account.Session{ID: sess.ID, CSRFToken: sess.CSRFToken}, token: token + "|" + bearer}
}

func (a *actor) cookie() string { return strings.Split(a.token, "|")[0] }
func (a *actor) bearer() string { return strings.Split(a.token, "|")[1] }

// request is one HTTP call in the name of an actor ("" = anonymous).
type request struct {
	method, path string
	as           string
	form         url.Values // HTML form body
	json         any        // API JSON body
	header       map[string]string
}

func (e *env) do(r request) *http.Response {
	e.t.Helper()
	var body io.Reader
	req := httptest.NewRequest(r.method, r.path, nil)
	switch {
	case r.json != nil:
		b, err := json.Marshal(r.json)
		must(e.t, err)
		body = strings.NewReader(string(b))
		req = httptest.NewRequest(r.method, r.path, body)
		req.Header.Set("Content-Type", "application/json")
	case r.form != nil:
		req = httptest.NewRequest(r.method, r.path, strings.NewReader(r.form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if r.as != "" {
		a := e.actors[r.as]
		if a == nil {
			e.t.Fatalf("no actor %q", r.as)
		}
		if strings.HasPrefix(r.path, "/api/") {
			req.Header.Set("Authorization", "Bearer "+a.bearer())
		} else {
			req.AddCookie(&http.Cookie{Name: "ed_session", Value: a.cookie()})
			req.Header.Set("X-CSRF-Token", a.session.CSRFToken)
		}
	}
	if r.as == "" && !strings.HasPrefix(r.path, "/api/") {
		// An anonymous browser that loaded the form holds the double-submit token.
		const anon = "anonymous-csrf-token-0123456789abcdef"
		req.AddCookie(&http.Cookie{Name: "ed_csrf", Value: anon})
		req.Header.Set("X-CSRF-Token", anon)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	resp, err := e.app.Test(req, 10_000)
	must(e.t, err)
	return resp
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	resp.Body.Close()
	return string(b)
}

func decode(t *testing.T, resp *http.Response, dst any) {
	t.Helper()
	defer resp.Body.Close()
	must(t, json.NewDecoder(resp.Body).Decode(dst))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
