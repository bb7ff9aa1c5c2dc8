// Package config builds the one Config value that main passes down. Defaults
// are overridden by ESTATEDESK_* environment variables, and those by flags.
package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is everything the binary can be told.
type Config struct {
	Addr        string // serve: listen address
	BaseURL     string // public URL, used in emailed links and to decide Secure cookies
	DataDir     string // SQLite file and, later, uploads
	DatabaseURL string // postgres://…; empty selects the embedded SQLite
	// DatabaseTenantURL is the login of the tenant pool (estatedesk_tenant),
	// which cannot take the platform role; empty: DatabaseURL's user.
	DatabaseTenantURL string
	DBMaxConns        int
	Demo              bool
	LogLevel          string
	TrustProxy        bool // honour X-Forwarded-For/-Proto from a reverse proxy

	SessionTTL      time.Duration
	SessionCacheTTL time.Duration
	APITokenTTL     time.Duration
	ShutdownTimeout time.Duration

	// Sign-in throttling: failures within LoginWindow per account and per
	// client address before 429.
	LoginWindow        time.Duration
	LoginMaxPerAccount int
	LoginMaxPerAddress int
	PasswordResetTTL   time.Duration
	InvitationTTL      time.Duration
	SMTP               SMTP
	BodyLimitBytes     int
	DefaultTimeZone    string
	DefaultLocale      string
	// PlanLimits: plan → "ESTATES,UNITS,STAFF" caps (0 = unlimited).
	PlanLimits map[string]string
	// WebhookAllowPrivate lets outgoing webhooks reach loopback, private
	// and link-local addresses over plain http; off, such targets are
	// refused (SSRF protection).
	WebhookAllowPrivate bool
	// MemoryLimitMiB is the Go runtime's soft memory limit for serve and
	// the command line's imports (0 = none): near it the collector works
	// harder instead of letting the heap double, so a large import stays
	// within a small server's memory. GOMEMLIMIT, when set, wins.
	MemoryLimitMiB int

	// Billing (docs/billing.md). PlanPrices: plan → monthly price in fen,
	// shown on the public page; Stripe's Price of each plan is
	// Stripe.Prices[plan].
	PlanPrices          map[string]int64
	TrialDays           int
	GraceDays           int
	SignupMaxPerAddress int
	Stripe              Stripe
	// SMS sends the residents' portal codes and messages; without an
	// access key they go to the log (the demo reads its codes there).
	SMS SMS
}

// SMS is Alibaba Cloud SMS (dysmsapi): an access key, the approved
// signature used when a company has none of its own, and the template
// code (SMS_…) of the sign-in code.
type SMS struct {
	AliyunAccessKeyID     string
	AliyunAccessKeySecret string
	AliyunEndpoint        string
	SignName              string
	CodeTemplate          string
}

// Stripe connects billing to a Stripe account; an empty SecretKey leaves
// billing off (sign-ups still get their trial).
type Stripe struct {
	SecretKey     string
	WebhookSecret string
	APIURL        string // empty: Stripe itself; stripe-mock in tests
	Prices        map[string]string
}

// SMTP settings; an empty Host writes mail to the log instead.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
}

// Default returns the configuration of a fresh install.
func Default() Config {
	return Config{
		Addr:                "127.0.0.1:8080",
		DataDir:             "./data",
		DBMaxConns:          16,
		LogLevel:            "info",
		SessionTTL:          14 * 24 * time.Hour,
		SessionCacheTTL:     5 * time.Second,
		APITokenTTL:         90 * 24 * time.Hour,
		ShutdownTimeout:     20 * time.Second,
		LoginWindow:         15 * time.Minute,
		LoginMaxPerAccount:  5,
		LoginMaxPerAddress:  30,
		PasswordResetTTL:    time.Hour,
		InvitationTTL:       7 * 24 * time.Hour,
		SMTP:                SMTP{Port: 587, From: "estatedesk <no-reply@estatedesk.test>"},
		BodyLimitBytes:      24 << 20,
		DefaultTimeZone:     "Asia/Shanghai",
		DefaultLocale:       "zh-CN",
		MemoryLimitMiB:      140,
		PlanLimits:          map[string]string{"starter": "2,2000,10", "growth": "20,50000,100", "enterprise": "0,0,0"},
		PlanPrices:          map[string]int64{"starter": 29_900, "growth": 99_900, "enterprise": 299_900},
		TrialDays:           14,
		GraceDays:           30,
		SignupMaxPerAddress: 10,
		Stripe:              Stripe{Prices: map[string]string{}},
		SMS:                 SMS{AliyunEndpoint: "https://dysmsapi.aliyuncs.com/"},
	}
}

// Flags registers every setting on fs, with defaults taken from cfg (which
// already holds the environment's values).
func (c *Config) Flags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address HOST:PORT")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public URL of this server (for links in email)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory for the SQLite database and uploads")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "postgres:// URL; empty uses embedded SQLite")
	fs.StringVar(&c.DatabaseTenantURL, "database-tenant-url", c.DatabaseTenantURL, "postgres:// URL of the tenant pool's login (estatedesk_tenant); empty: --database-url's user")
	fs.BoolVar(&c.Demo, "demo", c.Demo, "load the demo company and demo accounts")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error")
}

// FromEnv overlays ESTATEDESK_* variables on c.
func (c *Config) FromEnv(getenv func(string) string) error {
	var errs []error
	str := func(name string, dst *string) {
		if v := getenv("ESTATEDESK_" + name); v != "" {
			*dst = v
		}
	}
	integer := func(name string, dst *int) {
		if v := getenv("ESTATEDESK_" + name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("ESTATEDESK_%s: %w", name, err))
			}
			*dst = n
		}
	}
	boolean := func(name string, dst *bool) {
		if v := getenv("ESTATEDESK_" + name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("ESTATEDESK_%s: %w", name, err))
			}
			*dst = b
		}
	}
	duration := func(name string, dst *time.Duration) {
		if v := getenv("ESTATEDESK_" + name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("ESTATEDESK_%s: %w", name, err))
			}
			*dst = d
		}
	}
	str("ADDR", &c.Addr)
	str("BASE_URL", &c.BaseURL)
	str("DATA_DIR", &c.DataDir)
	str("DATABASE_URL", &c.DatabaseURL)
	str("DATABASE_TENANT_URL", &c.DatabaseTenantURL)
	integer("DB_MAX_CONNS", &c.DBMaxConns)
	boolean("DEMO", &c.Demo)
	str("LOG_LEVEL", &c.LogLevel)
	boolean("TRUST_PROXY", &c.TrustProxy)
	duration("SESSION_TTL", &c.SessionTTL)
	duration("SESSION_CACHE_TTL", &c.SessionCacheTTL)
	duration("API_TOKEN_TTL", &c.APITokenTTL)
	duration("SHUTDOWN_TIMEOUT", &c.ShutdownTimeout)
	duration("LOGIN_WINDOW", &c.LoginWindow)
	integer("LOGIN_MAX_PER_ACCOUNT", &c.LoginMaxPerAccount)
	integer("LOGIN_MAX_PER_ADDRESS", &c.LoginMaxPerAddress)
	duration("PASSWORD_RESET_TTL", &c.PasswordResetTTL)
	duration("INVITATION_TTL", &c.InvitationTTL)
	str("SMTP_HOST", &c.SMTP.Host)
	integer("SMTP_PORT", &c.SMTP.Port)
	str("SMTP_USERNAME", &c.SMTP.Username)
	str("SMTP_PASSWORD", &c.SMTP.Password)
	str("SMTP_FROM", &c.SMTP.From)
	str("DEFAULT_TIME_ZONE", &c.DefaultTimeZone)
	boolean("WEBHOOK_ALLOW_PRIVATE", &c.WebhookAllowPrivate)
	integer("MEMORY_LIMIT_MIB", &c.MemoryLimitMiB)
	for plan := range c.PlanLimits {
		if v := getenv("ESTATEDESK_PLAN_" + strings.ToUpper(plan)); v != "" {
			c.PlanLimits[plan] = v
		}
	}
	integer("TRIAL_DAYS", &c.TrialDays)
	integer("BILLING_GRACE_DAYS", &c.GraceDays)
	integer("SIGNUP_MAX_PER_ADDRESS", &c.SignupMaxPerAddress)
	str("STRIPE_SECRET_KEY", &c.Stripe.SecretKey)
	str("STRIPE_WEBHOOK_SECRET", &c.Stripe.WebhookSecret)
	str("STRIPE_API_URL", &c.Stripe.APIURL)
	str("SMS_ALIYUN_ACCESS_KEY_ID", &c.SMS.AliyunAccessKeyID)
	str("SMS_ALIYUN_ACCESS_KEY_SECRET", &c.SMS.AliyunAccessKeySecret)
	str("SMS_ALIYUN_ENDPOINT", &c.SMS.AliyunEndpoint)
	str("SMS_SIGN_NAME", &c.SMS.SignName)
	str("SMS_CODE_TEMPLATE", &c.SMS.CodeTemplate)
	for plan := range c.PlanPrices {
		up := strings.ToUpper(plan)
		if v := getenv("ESTATEDESK_PLAN_PRICE_" + up); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				errs = append(errs, fmt.Errorf("ESTATEDESK_PLAN_PRICE_%s: %q is not an amount in fen", up, v))
			}
			c.PlanPrices[plan] = n
		}
		if v := getenv("ESTATEDESK_STRIPE_PRICE_" + up); v != "" {
			c.Stripe.Prices[plan] = v
		}
	}
	return errors.Join(errs...)
}

// Load builds the configuration from the environment and args, and returns
// the positional arguments. Flags may follow them, as people type
// `tenants apply FILE --dry-run`.
func Load(fs *flag.FlagSet, args []string) (Config, []string, error) {
	c := Default()
	if err := c.FromEnv(os.Getenv); err != nil {
		return c, nil, err
	}
	c.Flags(fs)
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	var pos []string
	for rest := fs.Args(); len(rest) > 0; rest = fs.Args() {
		pos = append(pos, rest[0])
		if err := fs.Parse(rest[1:]); err != nil {
			return c, nil, err
		}
	}
	return c, pos, c.Finish()
}

// Finish fills derived values and checks the result.
func (c *Config) Finish() error {
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if _, err := time.LoadLocation(c.DefaultTimeZone); err != nil {
		return fmt.Errorf("default time zone: %w", err)
	}
	if c.MemoryLimitMiB < 0 {
		return fmt.Errorf("ESTATEDESK_MEMORY_LIMIT_MIB: %d is negative", c.MemoryLimitMiB)
	}
	return nil
}

// SecureCookies is true when the public URL is HTTPS.
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// Table documents every setting for the README: flag, variable, default, meaning.
func Table() [][4]string {
	d := Default()
	return [][4]string{
		{"--addr", "ESTATEDESK_ADDR", d.Addr, "listen address"},
		{"--base-url", "ESTATEDESK_BASE_URL", "http://ADDR", "public URL, used in emailed links; https:// makes cookies Secure"},
		{"--data-dir", "ESTATEDESK_DATA_DIR", d.DataDir, "SQLite file (estatedesk.db) and uploads"},
		{"--database-url", "ESTATEDESK_DATABASE_URL", "(SQLite)", "postgres://user@host/db switches to PostgreSQL"},
		{"--database-tenant-url", "ESTATEDESK_DATABASE_TENANT_URL", "(--database-url)", "postgres://estatedesk_tenant@host/db: the tenant pool's own login, which the database keeps from the platform role (docs/operations.md)"},
		{"--demo", "ESTATEDESK_DEMO", "false", "load the demo company and demo accounts"},
		{"--log-level", "ESTATEDESK_LOG_LEVEL", d.LogLevel, "debug, info, warn, error"},
		{"", "ESTATEDESK_DB_MAX_CONNS", strconv.Itoa(d.DBMaxConns), "PostgreSQL pool size"},
		{"", "ESTATEDESK_TRUST_PROXY", "false", "trust X-Forwarded-For/-Proto from a reverse proxy"},
		{"", "ESTATEDESK_SESSION_TTL", d.SessionTTL.String(), "browser session lifetime"},
		{"", "ESTATEDESK_SESSION_CACHE_TTL", d.SessionCacheTTL.String(), "how long a replica trusts a looked-up session; a revocation on another replica applies within it (0 = look up every request)"},
		{"", "ESTATEDESK_API_TOKEN_TTL", d.APITokenTTL.String(), "API bearer token lifetime"},
		{"", "ESTATEDESK_SHUTDOWN_TIMEOUT", d.ShutdownTimeout.String(), "grace period for in-flight requests on SIGTERM"},
		{"", "ESTATEDESK_LOGIN_WINDOW", d.LoginWindow.String(), "window in which failed sign-ins are counted"},
		{"", "ESTATEDESK_LOGIN_MAX_PER_ACCOUNT", strconv.Itoa(d.LoginMaxPerAccount), "failed sign-ins per account in the window before 429"},
		{"", "ESTATEDESK_LOGIN_MAX_PER_ADDRESS", strconv.Itoa(d.LoginMaxPerAddress), "failed sign-ins per client address in the window before 429"},
		{"", "ESTATEDESK_PASSWORD_RESET_TTL", d.PasswordResetTTL.String(), "lifetime of a password-reset link"},
		{"", "ESTATEDESK_INVITATION_TTL", d.InvitationTTL.String(), "lifetime of a staff invitation link"},
		{"", "ESTATEDESK_SMTP_HOST", "(empty)", "SMTP server; empty writes outgoing mail to the log"},
		{"", "ESTATEDESK_SMTP_PORT", strconv.Itoa(d.SMTP.Port), "SMTP port (STARTTLS when offered)"},
		{"", "ESTATEDESK_SMTP_USERNAME / _PASSWORD", "", "SMTP credentials"},
		{"", "ESTATEDESK_SMTP_FROM", d.SMTP.From, "sender address"},
		{"", "ESTATEDESK_DEFAULT_TIME_ZONE", d.DefaultTimeZone, "time zone of new tenants"},
		{"", "ESTATEDESK_PLAN_STARTER", d.PlanLimits["starter"], "starter plan caps: estates,units,staff seats (0 = unlimited)"},
		{"", "ESTATEDESK_PLAN_GROWTH", d.PlanLimits["growth"], "growth plan caps: estates,units,staff seats"},
		{"", "ESTATEDESK_PLAN_ENTERPRISE", d.PlanLimits["enterprise"], "enterprise plan caps (unlimited)"},
		{"", "ESTATEDESK_MEMORY_LIMIT_MIB", strconv.Itoa(d.MemoryLimitMiB), "soft memory limit of the Go runtime in MiB: near it the garbage collector works harder (0 = none; GOMEMLIMIT, if set, wins)"},
		{"", "ESTATEDESK_TRIAL_DAYS", strconv.Itoa(d.TrialDays), "length of a new company's trial in days"},
		{"", "ESTATEDESK_BILLING_GRACE_DAYS", strconv.Itoa(d.GraceDays), "days a company whose subscription ended stays read-only before it is suspended"},
		{"", "ESTATEDESK_SIGNUP_MAX_PER_ADDRESS", strconv.Itoa(d.SignupMaxPerAddress), "sign-ups per client address within ESTATEDESK_LOGIN_WINDOW before 429"},
		{"", "ESTATEDESK_PLAN_PRICE_STARTER / _GROWTH / _ENTERPRISE", "29900 / 99900 / 299900", "monthly price of each plan in fen, as the public page shows it"},
		{"", "ESTATEDESK_STRIPE_SECRET_KEY", "(empty)", "Stripe secret key; empty leaves billing off (never logged)"},
		{"", "ESTATEDESK_STRIPE_WEBHOOK_SECRET", "(empty)", "signing secret of the Stripe webhook endpoint /stripe/webhook (never logged)"},
		{"", "ESTATEDESK_STRIPE_API_URL", "(Stripe)", "another Stripe API base URL (stripe-mock in tests)"},
		{"", "ESTATEDESK_STRIPE_PRICE_STARTER / _GROWTH / _ENTERPRISE", "(empty)", "Stripe Price ID of each plan"},
		{"", "ESTATEDESK_SMS_ALIYUN_ACCESS_KEY_ID / _SECRET", "(empty)", "Alibaba Cloud SMS access key; empty writes residents' SMS to the log (the secret is never logged)"},
		{"", "ESTATEDESK_SMS_ALIYUN_ENDPOINT", d.SMS.AliyunEndpoint, "Alibaba Cloud SMS API URL"},
		{"", "ESTATEDESK_SMS_SIGN_NAME", "(the company's name)", "approved SMS signature when a company has none"},
		{"", "ESTATEDESK_SMS_CODE_TEMPLATE", "(empty)", "template code (SMS_…) of the portal's sign-in code"},
		{"", "ESTATEDESK_WEBHOOK_ALLOW_PRIVATE", "false", "let outgoing webhooks reach loopback, private and link-local addresses, over plain http too (off: refused, against SSRF)"},
	}
}
