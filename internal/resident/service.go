package resident

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/notify"
	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// Options are the service's settings; zero values take the defaults.
type Options struct {
	// CodeTTL is how long a code is good for (5 minutes); MaxTries how
	// many wrong guesses burn it (5).
	CodeTTL  time.Duration
	MaxTries int
	// Within ThrottleWindow (an hour) a number gets at most PerNumber
	// codes (5) and an address may ask for PerAddress (20); a number's
	// next code comes at least ResendAfter (60 s) after its last.
	ThrottleWindow time.Duration
	PerNumber      int
	PerAddress     int
	ResendAfter    time.Duration
	// SessionTTL is how long a resident stays signed in (30 days).
	SessionTTL time.Duration
	Notifier   *notify.Notifier
	// Tickets takes the residents' reports and ratings; Jobs sends the
	// messages about them (none without); BaseURL starts their links.
	Tickets *ticket.Service
	Jobs    *job.Client
	BaseURL string
	// Translate renders the SMS texts (zh-CN, English).
	Translate func(lang, id string, data map[string]any) string
	Log       *slog.Logger
	Now       func() time.Time
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defi := func(d *int, v int) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.CodeTTL, 5*time.Minute)
	def(&o.ThrottleWindow, time.Hour)
	def(&o.ResendAfter, time.Minute)
	def(&o.SessionTTL, 30*24*time.Hour)
	defi(&o.MaxTries, 5)
	defi(&o.PerNumber, 5)
	defi(&o.PerAddress, 20)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Notifier == nil {
		o.Notifier = notify.New(o.Log)
	}
	if o.Translate == nil {
		o.Translate = func(_, id string, _ map[string]any) string { return id }
	}
}

// Service signs residents in and answers what they may see.
type Service struct {
	db  *database.DB
	opt Options
	// sending tracks the codes on their way to the SMS provider.
	sending sync.WaitGroup
}

// NewService builds the service and registers its message worker.
func NewService(db *database.DB, opt Options) (*Service, error) {
	opt.defaults()
	s := &Service{db: db, opt: opt}
	if opt.Jobs != nil {
		if err := job.AddWorker(opt.Jobs, &messageWorker{s: s}); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Microsecond) }

// Wait blocks until the codes asked for so far have been handed to the
// SMS provider (tests, and shutdown).
func (s *Service) Wait() { s.sending.Wait() }

// CodeSMS is the SMS template name of a sign-in code (the Aliyun adapter
// maps it to the account's template code).
const CodeSMS = "resident_code"

// RequestCode sends a sign-in code to phone if the number is linked to a
// unit of the company. The answer is the same whether it is or not — nil,
// or ErrThrottled when the number or the address asked too often — so
// that nobody learns which numbers the company knows. Every request is
// recorded (with an empty code for an unknown number) and counted.
func (s *Service) RequestCode(ctx context.Context, t *tenant.Tenant, phone string, c Client, lang string) error {
	phone = MobilePhone(phone)
	if phone == "" {
		return ErrInvalidPhone
	}
	now := s.now()
	var sendCode string
	err := s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		// Racing requests for one number or from one address take turns,
		// so that the counts below hold (SQLite's one writer does this).
		if s.db.Postgres() {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext(?)), pg_advisory_xact_lock(hashtext(?))",
				"resident_code:"+t.ID.String()+":"+phone, "resident_code_ip:"+t.ID.String()+":"+c.IP); err != nil {
				return err
			}
		}
		since := now.Add(-s.opt.ThrottleWindow)
		var last []code
		if err := tx.NewSelect().Model(&last).Where("tenant_id = ? AND phone = ? AND created_at > ?", t.ID, phone, since).
			Order("created_at DESC").Scan(ctx); err != nil {
			return err
		}
		if len(last) >= s.opt.PerNumber || (len(last) > 0 && now.Sub(last[0].CreatedAt) < s.opt.ResendAfter) {
			return ErrThrottled
		}
		n, err := tx.NewSelect().Model((*code)(nil)).Where("tenant_id = ? AND ip = ? AND created_at > ?", t.ID, c.IP, since).Count(ctx)
		if err != nil {
			return err
		}
		if n >= int64(s.opt.PerAddress) {
			return ErrThrottled
		}
		linked, err := isLinked(ctx, tx, t, phone, now)
		if err != nil {
			return err
		}
		row := &code{TenantID: t.ID, ID: uuid.Must(uuid.NewV7()), Phone: phone, IP: c.IP, CreatedAt: now, ExpiresAt: now.Add(s.opt.CodeTTL)}
		if linked {
			sendCode = sixDigits()
			row.CodeHash = hashCode(row.ID, sendCode)
		}
		_, err = tx.NewInsert().Model(row).Exec(ctx)
		return err
	})
	if err != nil || sendCode == "" {
		return err
	}
	// The SMS goes out after the answer: a provider's round trip would
	// otherwise tell a known number from an unknown one by the time taken.
	s.sending.Add(1)
	go func() {
		defer s.sending.Done()
		ctx := context.WithoutCancel(ctx)
		data := map[string]any{"Sign": t.Name, "Code": sendCode, "Minutes": int(s.opt.CodeTTL / time.Minute)}
		m := notify.Message{Channel: notify.SMS, Recipient: phone, Template: CodeSMS, Sign: t.Name,
			Params: map[string]string{"code": sendCode}, Body: s.opt.Translate(lang, "portal.sms.code", data)}
		if _, err := s.opt.Notifier.Send(ctx, m); err != nil {
			s.opt.Log.ErrorContext(ctx, "resident code not sent", "tenant_id", t.ID, "err", err)
		}
	}()
	return nil
}

// SignIn checks phone's latest code and opens a session. A wrong guess
// counts whatever happens next (it is committed before the comparison),
// and a code takes at most MaxTries guesses however many race.
func (s *Service) SignIn(ctx context.Context, t *tenant.Tenant, phone, guess string, c Client) (*Session, string, error) {
	phone = MobilePhone(phone)
	if phone == "" || len(guess) != 6 {
		return nil, "", ErrCodeInvalid
	}
	now := s.now()
	var row code
	err := s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&row).Where("tenant_id = ? AND phone = ?", t.ID, phone).
			Order("created_at DESC").Limit(1).Scan(ctx); err != nil {
			return err
		}
		if row.CodeHash == "" || row.UsedAt != nil || !now.Before(row.ExpiresAt) {
			return ErrCodeInvalid
		}
		res, err := tx.NewUpdate().Model((*code)(nil)).Set("attempts = attempts + 1").
			Where("tenant_id = ? AND id = ? AND attempts < ?", t.ID, row.ID, s.opt.MaxTries).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrCodeInvalid
		}
		return nil
	})
	if errors.Is(err, database.ErrNotFound) {
		err = ErrCodeInvalid
	}
	if err != nil {
		return nil, "", err
	}
	if subtle.ConstantTimeCompare([]byte(hashCode(row.ID, guess)), []byte(row.CodeHash)) != 1 {
		return nil, "", ErrCodeInvalid
	}
	token := newToken()
	sess := &Session{TenantID: t.ID, ID: uuid.Must(uuid.NewV7()), TokenHash: hashToken(token), Phone: phone, CSRFToken: newToken(),
		UserAgent: c.UserAgent, IP: c.IP, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.opt.SessionTTL)}
	err = s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		// Used once: of two right guesses racing, one opens a session.
		res, err := tx.NewUpdate().Model((*code)(nil)).Set("used_at = ?", now).
			Where("tenant_id = ? AND id = ? AND used_at IS NULL", t.ID, row.ID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrCodeInvalid
		}
		_, err = tx.NewInsert().Model(sess).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return sess, token, nil
}

// Authenticate finds the live session of a token in the company's portal.
func (s *Service) Authenticate(ctx context.Context, tenantID uuid.UUID, token string) (*Session, error) {
	if token == "" {
		return nil, ErrSessionInvalid
	}
	now := s.now()
	sess := new(Session)
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(sess).Where("tenant_id = ? AND token_hash = ? AND revoked_at IS NULL AND expires_at > ?",
			tenantID, hashToken(token), now).Scan(ctx)
	})
	if errors.Is(err, database.ErrNotFound) {
		return nil, ErrSessionInvalid
	}
	if err != nil {
		return nil, err
	}
	// Last seen is for the profile's list; a minute's precision spares a
	// write per request.
	if now.Sub(sess.LastSeenAt) > time.Minute {
		sess.LastSeenAt = now
		if err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewUpdate().Model(sess).Column("last_seen_at").WherePK().Exec(ctx)
			return err
		}); err != nil {
			return nil, err
		}
	}
	return sess, nil
}

// Sessions lists a resident's live sessions, the latest seen first.
func (s *Service) Sessions(ctx context.Context, tenantID uuid.UUID, phone string) ([]Session, error) {
	var out []Session
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&out).Where("tenant_id = ? AND phone = ? AND revoked_at IS NULL AND expires_at > ?",
			tenantID, phone, s.now()).Order("last_seen_at DESC").Scan(ctx)
	})
	return out, err
}

// Revoke ends one of the resident's own sessions; another's is not found.
func (s *Service) Revoke(ctx context.Context, tenantID uuid.UUID, phone string, id uuid.UUID) error {
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*Session)(nil)).Set("revoked_at = ?", s.now()).
			Where("tenant_id = ? AND id = ? AND phone = ? AND revoked_at IS NULL", tenantID, id, phone).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return database.ErrNotFound
		}
		return nil
	})
}

func sixDigits() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// hashCode binds a code to its row, so that equal codes hash apart.
func hashCode(id uuid.UUID, c string) string {
	sum := sha256.Sum256([]byte(id.String() + ":" + c))
	return hex.EncodeToString(sum[:])
}

func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}
