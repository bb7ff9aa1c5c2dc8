// Package app is the composition root: it parses the command line, wires
// configuration, database, services and server, and runs a subcommand.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/config"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/estate/importer"
	"github.com/estatedesk/estatedesk/internal/fee"
	"github.com/estatedesk/estatedesk/internal/i18n"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/kpi"
	"github.com/estatedesk/estatedesk/internal/logging"
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

const usage = `estatedesk — the customer service center of property-management companies

Usage:
  estatedesk serve [--addr HOST:PORT] [--data-dir DIR] [--database-url URL] [--demo]
  estatedesk migrate up|down|status
  estatedesk tenants apply FILE [--dry-run]
  estatedesk tenants export SLUG                          (print the tenant's manifest)
  estatedesk admin create --email EMAIL [--name NAME]   (password from ESTATEDESK_ADMIN_PASSWORD or stdin)
  estatedesk estates import FILE --tenant SLUG --estate NAME [--dry-run] [--existing-buildings] [--lang zh-CN|en]
  estatedesk demo                                         (load the demo company and exit)

Every flag can also be set as an ESTATEDESK_* environment variable; see README.md.
`

// IO is where a command reads and writes.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// Run executes the subcommand in args (without the program name).
func Run(ctx context.Context, args []string, stdio IO) error {
	if len(args) == 0 {
		fmt.Fprint(stdio.Err, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, stdio, nil)
	case "migrate":
		return migrateCmd(ctx, rest, stdio)
	case "tenants":
		return tenantsCmd(ctx, rest, stdio)
	case "admin":
		return adminCmd(ctx, rest, stdio)
	case "estates":
		return estatesCmd(ctx, rest, stdio)
	case "demo":
		return demoCmd(ctx, rest, stdio)
	case "help", "-h", "--help":
		fmt.Fprint(stdio.Out, usage)
		return nil
	}
	fmt.Fprint(stdio.Err, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func parseConfig(name string, args []string, stdio IO, extra func(*flag.FlagSet)) (config.Config, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stdio.Err)
	if extra != nil {
		extra(fs)
	}
	return config.Load(fs, args)
}

func dbOptions(cfg config.Config) database.Options {
	return database.Options{URL: cfg.DatabaseURL, TenantURL: cfg.DatabaseTenantURL, DataDir: cfg.DataDir, MaxConns: int32(cfg.DBMaxConns)}
}

// services is everything a command may need, wired once.
type services struct {
	cfg      config.Config
	log      *slog.Logger
	db       *database.DB
	catalog  *i18n.Catalog
	accounts *account.Service
	estates  *estate.Service
	teams    *team.Service
	applier  *manifest.Applier
	jobs     *job.Client
	imports  *importer.Service
	tickets  *ticket.Service
	webhooks *webhook.Service
	fees     *fee.Service
	kpis     *kpi.Service
	reports  *report.Service
	billing  *subscription.Service
	// residents signs residents in to the portal.
	residents *resident.Service
}

// open migrates the database and wires the services.
func open(ctx context.Context, cfg config.Config, log *slog.Logger) (*services, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + cfg.Addr
	}
	applied, err := database.Migrate(ctx, dbOptions(cfg))
	if err != nil {
		return nil, err
	}
	if len(applied) > 0 {
		log.InfoContext(ctx, "migrations applied", "migrations", applied)
	}
	db, err := database.Open(ctx, dbOptions(cfg))
	if err != nil {
		return nil, err
	}
	// Every command can enqueue; only serve works the jobs (svc.jobs.Start).
	jobs, err := job.New(db, job.Options{Logger: log, StopTimeout: cfg.ShutdownTimeout})
	if err != nil {
		db.Close()
		return nil, err
	}
	// Outgoing webhooks register their delivery worker on the same client.
	webhooks, err := webhook.NewService(db, jobs, webhook.Options{AllowPrivate: cfg.WebhookAllowPrivate})
	if err != nil {
		db.Close()
		return nil, err
	}
	cat, err := i18n.Load(web.FS)
	if err != nil {
		db.Close()
		return nil, err
	}
	limits := tenant.PlanLimits{}
	for plan, spec := range cfg.PlanLimits {
		if limits[plan], err = tenant.ParseLimits(spec); err != nil {
			db.Close()
			return nil, fmt.Errorf("ESTATEDESK_PLAN_%s: %w", strings.ToUpper(plan), err)
		}
	}
	accounts := account.NewService(db, account.Settings{
		BaseURL: cfg.BaseURL, SessionTTL: cfg.SessionTTL, APITokenTTL: cfg.APITokenTTL, LoginWindow: cfg.LoginWindow,
		LoginMaxPerAccount: cfg.LoginMaxPerAccount, LoginMaxPerAddress: cfg.LoginMaxPerAddress,
		PasswordResetTTL: cfg.PasswordResetTTL, InvitationTTL: cfg.InvitationTTL, SessionCacheTTL: cfg.SessionCacheTTL,
		Limits: limits,
	}, mail.New(mail.Config{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username,
		Password: cfg.SMTP.Password, From: cfg.SMTP.From}, log), log)
	accounts.SetTranslate(cat.T)
	estates, teams := estate.NewService(db, limits, cfg.SessionCacheTTL), team.NewService(db)
	// The importer registers its job workers: they must be on the client
	// before serve starts it.
	imports, err := importer.NewService(db, limits, jobs)
	if err != nil {
		db.Close()
		return nil, err
	}
	tickets, err := ticket.NewService(db, jobs, ticket.Options{DataDir: cfg.DataDir, BaseURL: cfg.BaseURL, Translate: cat.T, Log: log, CacheTTL: cfg.SessionCacheTTL,
		SweepEvery: 15 * time.Second,
		Mail: mail.New(mail.Config{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username,
			Password: cfg.SMTP.Password, From: cfg.SMTP.From}, log)})
	if err != nil {
		db.Close()
		return nil, err
	}
	tickets.SetPublisher(webhooks)
	// The fee service registers its billing-run worker.
	// Reminders (催缴) go by email once an SMTP host is set, else to the log.
	notifier := notify.New(log)
	if cfg.SMTP.Host != "" {
		notifier.Register(notify.Email, notify.MailProvider{Sender: mail.New(mail.Config{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port,
			Username: cfg.SMTP.Username, Password: cfg.SMTP.Password, From: cfg.SMTP.From}, log)})
	}
	// Residents' SMS (the portal's codes) go through Alibaba Cloud once an
	// access key is set, else to the log, where the demo reads its codes.
	if cfg.SMS.AliyunAccessKeyID != "" {
		notifier.Register(notify.SMS, &notify.AliyunSMS{Endpoint: cfg.SMS.AliyunEndpoint, AccessKeyID: cfg.SMS.AliyunAccessKeyID,
			AccessKeySecret: cfg.SMS.AliyunAccessKeySecret, SignName: cfg.SMS.SignName,
			Templates: map[string]string{resident.CodeSMS: cfg.SMS.CodeTemplate}})
	}
	residents, err := resident.NewService(db, resident.Options{Notifier: notifier, Translate: cat.T, Log: log,
		Tickets: tickets, Jobs: jobs, BaseURL: cfg.BaseURL})
	if err != nil {
		db.Close()
		return nil, err
	}
	// Moves of portal requests also queue the residents' messages.
	tickets.SetPublisher(ticket.Publishers{webhooks, residents})
	fees, err := fee.NewService(db, jobs, fee.Options{Log: log, Notifier: notifier, Translate: cat.T})
	if err != nil {
		db.Close()
		return nil, err
	}
	fees.SetPublisher(webhooks)
	// The KPI rollups: a periodic job counts the tickets changed since its
	// last run into the daily tables the dashboards read.
	kpis, err := kpi.NewService(db, jobs, tickets, fees, kpi.Options{Log: log, Every: time.Minute})
	if err != nil {
		db.Close()
		return nil, err
	}
	// The monthly reports: a periodic job makes last month's on the 1st in
	// each company's time zone; they are sent by email when the manager
	// (or the office head) sends them.
	reports, err := report.NewService(db, jobs, kpis, report.Options{Log: log, Every: 10 * time.Minute, Translate: cat.T, BaseURL: cfg.BaseURL,
		Mail: mail.New(mail.Config{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username,
			Password: cfg.SMTP.Password, From: cfg.SMTP.From}, log)})
	if err != nil {
		db.Close()
		return nil, err
	}
	// Billing registers its Stripe, reminder and sweep workers.
	billing, err := subscription.NewService(db, jobs, accounts, subscription.Options{
		Limits: limits, Prices: cfg.PlanPrices, StripePrices: cfg.Stripe.Prices, TrialDays: cfg.TrialDays, GraceDays: cfg.GraceDays,
		SecretKey: cfg.Stripe.SecretKey, WebhookSecret: cfg.Stripe.WebhookSecret, APIURL: cfg.Stripe.APIURL,
		BaseURL: cfg.BaseURL, TimeZone: cfg.DefaultTimeZone, Translate: cat.T, Log: log, SweepEvery: time.Minute,
		Mail: mail.New(mail.Config{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username,
			Password: cfg.SMTP.Password, From: cfg.SMTP.From}, log),
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &services{residents: residents, billing: billing, cfg: cfg, log: log, db: db, catalog: cat, accounts: accounts, estates: estates, teams: teams, jobs: jobs, imports: imports, tickets: tickets, webhooks: webhooks, fees: fees, kpis: kpis, reports: reports,
		applier: &manifest.Applier{DB: db, Accounts: accounts, Estates: estates, Teams: teams, Imports: imports, DefaultTimeZone: cfg.DefaultTimeZone}}, nil
}

// Ready, when not nil, receives the bound address once the server listens
// (tests and benchmarks start on port 0).
type Ready func(addr string)

func serve(ctx context.Context, args []string, stdio IO, ready Ready) error {
	cfg, _, err := parseConfig("serve", args, stdio, nil)
	if err != nil {
		return err
	}
	log := logging.New(stdio.Err, cfg.LogLevel)
	started := time.Now()
	memLimit := setMemoryLimit(cfg, os.Getenv)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if cfg.BaseURL == "" {
		// Links in emails must point somewhere real, not at ":8080" or port 0.
		cfg.BaseURL = "http://" + ln.Addr().String()
	}
	svc, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer svc.db.Close()
	// Other replicas' changes (a revoked session, a role, a suspension, a
	// setting) reach this one's caches within a second.
	if err := svc.db.Listen(ctx, log); err != nil {
		return fmt.Errorf("listen for cache invalidations: %w", err)
	}
	if cfg.Demo {
		res, err := loadDemo(ctx, svc)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		log.InfoContext(ctx, "demo loaded", "changes", len(res.Changes))
	}
	authz, err := rbac.New(ctx, svc.db)
	if err != nil {
		return err
	}
	residentsPortal, err := portal.New(portal.Deps{Config: cfg, DB: svc.db, Residents: svc.residents, Catalog: svc.catalog, Log: log})
	if err != nil {
		return err
	}
	app, err := server.New(server.Deps{Config: cfg, DB: svc.db, Accounts: svc.accounts, Estates: svc.estates, Manifests: svc.applier, Imports: svc.imports,
		Tickets: svc.tickets, Webhooks: svc.webhooks, Fees: svc.fees, KPIs: svc.kpis, Subscriptions: svc.billing, Reports: svc.reports, Authz: authz, Catalog: svc.catalog, Log: log,
		Portal: residentsPortal})
	if err != nil {
		return err
	}
	// Cancelling ctx (the shutdown signal) begins the jobs' graceful stop
	// while the HTTP server drains; the deferred stop waits for it before
	// the database closes, on every way out of serve.
	if err := svc.jobs.Start(ctx); err != nil {
		return err
	}
	defer stopJobs(ctx, svc.jobs, cfg.ShutdownTimeout, log)
	log.InfoContext(ctx, "listening", "addr", ln.Addr().String(), "startup_ms", time.Since(started).Milliseconds(),
		"database", map[bool]string{true: "postgres", false: "sqlite"}[svc.db.Postgres()], "memory_limit_mib", memLimit>>20)
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	if cfg.Demo {
		// A year of ticket history takes a second or two to write, so it
		// starts once the server answers (on SQLite it holds the one
		// writer meanwhile). It is one transaction and idempotent: a stop
		// half-way loses nothing the next start won't redo.
		history := make(chan struct{})
		go func() {
			defer close(history)
			n, err := demoTickets(ctx, svc)
			if err != nil && ctx.Err() == nil {
				log.ErrorContext(ctx, "demo tickets", "err", err)
			} else if n > 0 {
				log.InfoContext(ctx, "demo tickets loaded", "tickets", n)
			}
			// The year of fees follows. Its runs and payments are many
			// small transactions, so other writers get their turn; a
			// stop half-way keeps the part written (the next start
			// finds the items and adds nothing).
			p, err := demoFees(ctx, svc)
			if err != nil && ctx.Err() == nil {
				log.ErrorContext(ctx, "demo fees", "err", err)
			} else if p > 0 {
				log.InfoContext(ctx, "demo fees loaded", "payments", p)
			}
			if n > 0 || p > 0 {
				// Writing the history took a hundred megabytes that an idle
				// server does not need; give them back now rather than
				// over the scavenger's minutes.
				debug.FreeOSMemory()
			}
		}()
		defer func() { <-history }()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// In-flight requests finish; the listener is closed at once, so no new
	// request is accepted.
	log.Info("shutting down", "grace", cfg.ShutdownTimeout.String())
	if err := app.ShutdownWithTimeout(cfg.ShutdownTimeout); err != nil {
		return err
	}
	return <-errc
}

// stopJobs waits for running jobs. They have had grace since the signal; a
// few seconds more let the ones cancelled at its end return to the queue.
func stopJobs(ctx context.Context, jobs *job.Client, grace time.Duration, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace+5*time.Second)
	defer cancel()
	if err := jobs.Stop(ctx); err != nil {
		log.Error("background jobs did not stop in time", "err", err)
	}
}

func migrateCmd(ctx context.Context, args []string, stdio IO) error {
	cfg, rest, err := parseConfig("migrate", args, stdio, nil)
	if err != nil {
		return err
	}
	action := "up"
	if len(rest) > 0 {
		action = rest[0]
	}
	opts := dbOptions(cfg)
	switch action {
	case "up":
		applied, err := database.Migrate(ctx, opts)
		if err != nil {
			return err
		}
		if len(applied) == 0 {
			fmt.Fprintln(stdio.Out, "database is up to date")
		}
		for _, name := range applied {
			fmt.Fprintln(stdio.Out, "applied", name)
		}
		return nil
	case "down":
		undone, err := database.Rollback(ctx, opts)
		if err != nil {
			return err
		}
		for _, name := range undone {
			fmt.Fprintln(stdio.Out, "rolled back", name)
		}
		return nil
	case "status":
		return database.PrintStatus(ctx, opts, stdio.Out)
	}
	return fmt.Errorf("migrate: unknown action %q (want up, down or status)", action)
}

func tenantsCmd(ctx context.Context, args []string, stdio IO) error {
	if len(args) > 0 && args[0] == "export" {
		return exportCmd(ctx, args[1:], stdio)
	}
	if len(args) == 0 || args[0] != "apply" {
		return errors.New("usage: estatedesk tenants apply FILE [--dry-run] | tenants export SLUG")
	}
	var dryRun bool
	cfg, rest, err := parseConfig("tenants apply", args[1:], stdio, func(fs *flag.FlagSet) {
		fs.BoolVar(&dryRun, "dry-run", false, "print what would change without changing it")
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("usage: estatedesk tenants apply FILE [--dry-run]")
	}
	data, err := os.ReadFile(rest[0])
	if err != nil {
		return err
	}
	m, err := manifest.Parse(data)
	if err != nil {
		return err
	}
	svc, err := open(ctx, cfg, logging.New(stdio.Err, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer svc.db.Close()
	res, err := svc.applier.Apply(ctx, m, manifest.Options{DryRun: dryRun, Dir: filepath.Dir(rest[0])})
	if err != nil {
		return err
	}
	printResult(stdio.Out, res, dryRun)
	return nil
}

func exportCmd(ctx context.Context, args []string, stdio IO) error {
	cfg, rest, err := parseConfig("tenants export", args, stdio, nil)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("usage: estatedesk tenants export SLUG")
	}
	svc, err := open(ctx, cfg, logging.New(stdio.Err, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer svc.db.Close()
	m, err := svc.applier.Export(ctx, rest[0])
	if err != nil {
		return fmt.Errorf("tenant %q: %w", rest[0], err)
	}
	b, err := manifest.Marshal(m)
	if err != nil {
		return err
	}
	_, err = stdio.Out.Write(b)
	return err
}

func printResult(w io.Writer, res *manifest.Result, dryRun bool) {
	if len(res.Changes) == 0 {
		fmt.Fprintln(w, "no changes")
		return
	}
	for _, c := range res.Changes {
		fmt.Fprintln(w, c)
	}
	emails := make([]string, 0, len(res.Links))
	for e := range res.Links {
		emails = append(emails, e)
	}
	sort.Strings(emails)
	for _, e := range emails {
		fmt.Fprintf(w, "invitation for %s: %s\n", e, res.Links[e])
	}
	if dryRun {
		fmt.Fprintf(w, "dry run: %d change(s) not applied\n", len(res.Changes))
	} else {
		fmt.Fprintf(w, "%d change(s) applied\n", len(res.Changes))
	}
}

func adminCmd(ctx context.Context, args []string, stdio IO) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: estatedesk admin create --email EMAIL [--name NAME]")
	}
	var email, name string
	cfg, _, err := parseConfig("admin create", args[1:], stdio, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the admin's email")
		fs.StringVar(&name, "name", "", "the admin's name")
	})
	if err != nil {
		return err
	}
	password := os.Getenv("ESTATEDESK_ADMIN_PASSWORD")
	if password == "" {
		fmt.Fprint(stdio.Err, "password: ")
		b, err := io.ReadAll(io.LimitReader(stdio.In, 1024))
		if err != nil {
			return err
		}
		password = strings.TrimRight(string(b), "\r\n")
	}
	svc, err := open(ctx, cfg, logging.New(stdio.Err, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer svc.db.Close()
	u, err := svc.accounts.CreateUser(ctx, email, name, password, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdio.Out, "platform admin %s created\n", u.Email)
	return nil
}

func demoCmd(ctx context.Context, args []string, stdio IO) error {
	cfg, _, err := parseConfig("demo", args, stdio, nil)
	if err != nil {
		return err
	}
	svc, err := open(ctx, cfg, logging.New(stdio.Err, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer svc.db.Close()
	res, err := loadDemo(ctx, svc)
	if err != nil {
		return err
	}
	n, err := demoTickets(ctx, svc)
	if err != nil {
		return fmt.Errorf("demo tickets: %w", err)
	}
	if n > 0 {
		res.Changes = append(res.Changes, fmt.Sprintf("+ %d demo ticket(s)", n))
	}
	p, err := demoFees(ctx, svc)
	if err != nil {
		return fmt.Errorf("demo fees: %w", err)
	}
	if p > 0 {
		res.Changes = append(res.Changes, fmt.Sprintf("+ a year of demo fees (%d payment(s))", p))
	}
	printResult(stdio.Out, res, false)
	return nil
}
