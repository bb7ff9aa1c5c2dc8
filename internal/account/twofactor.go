package account

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
)

// Two-factor sign-in: TOTP (RFC 6238) as authenticator apps make it — SHA-1,
// six digits, 30 s steps — with single-use recovery codes.
const (
	totpPeriod = 30
	// totpSkew accepts the step before and after the server's, for a
	// phone's clock a little off.
	totpSkew = 1
	// recoveryCodes are issued at enrolment, each good once.
	recoveryCodes = 10
	// pendingSessionTTL bounds a session that has the password but not yet
	// the code.
	pendingSessionTTL = 10 * time.Minute
	issuer            = "estatedesk"
)

var (
	ErrTwoFactorCode         = errors.New("account: wrong or already used two-factor code")
	ErrTwoFactorCodeRequired = errors.New("account: a two-factor code is required")
	ErrTwoFactorRequired     = errors.New("account: two-factor sign-in is required")
	ErrTwoFactorOn           = errors.New("account: two-factor sign-in is already on")
)

type recoveryCode struct {
	bun.BaseModel `bun:"table:recovery_codes"`

	ID        uuid.UUID  `bun:"id,pk,type:uuid"`
	UserID    uuid.UUID  `bun:"user_id,notnull,type:uuid"`
	CodeHash  string     `bun:"code_hash,notnull"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	UsedAt    *time.Time `bun:"used_at"`
}

// matchStep is the time step within the skew for which code is the TOTP
// of secret, or 0 if none.
func matchStep(secret, code string, now time.Time) int64 {
	code = strings.Join(strings.Fields(code), "")
	if len(code) != 6 || secret == "" {
		return 0
	}
	step := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		want, err := hotp.GenerateCodeCustom(secret, uint64(step+d), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step + d
		}
	}
	return 0
}

// normalizeRecovery reads a recovery code as typed: case, spaces and the
// dash do not matter. "" if it cannot be one.
func normalizeRecovery(code string) string {
	code = strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(code))
	if len(code) != 10 {
		return ""
	}
	return code
}

// useSecondFactor accepts a TOTP code of a later step than the last one
// accepted, or an unused recovery code, and uses it up. Each is claimed by
// one conditional UPDATE, so of two concurrent uses of a code one wins.
func (s *Service) useSecondFactor(ctx context.Context, db bun.IDB, u *User, code string) error {
	if len(code) > 64 {
		return ErrTwoFactorCode
	}
	claimed := func(res interface{ RowsAffected() (int64, error) }, err error) error {
		if err != nil {
			return database.Normalize(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrTwoFactorCode
		}
		return nil
	}
	if step := matchStep(u.TOTPSecret, code, s.now()); step > 0 {
		return claimed(db.NewUpdate().Model((*User)(nil)).Set("totp_last_step = ?", step).
			Where("id = ? AND totp_last_step < ?", u.ID, step).Exec(ctx))
	}
	rc := normalizeRecovery(code)
	if rc == "" {
		return ErrTwoFactorCode
	}
	return claimed(db.NewUpdate().Model((*recoveryCode)(nil)).Set("used_at = ?", s.now()).
		Where("user_id = ? AND code_hash = ? AND used_at IS NULL", u.ID, hashToken(rc)).Exec(ctx))
}

// ConfirmSecondFactor completes a sign-in that is waiting for its code: the
// session opens for everything and is marked two-factor. Wrong codes count
// like wrong passwords.
func (s *Service) ConfirmSecondFactor(ctx context.Context, sess *Session, code string, client Client) error {
	if !sess.AwaitingSecondFactor || sess.User == nil {
		return ErrSessionInvalid
	}
	u, err := s.UserByID(ctx, sess.UserID)
	if err != nil {
		return err
	}
	if err := s.attempt(ctx, u.Email, client.IP); err != nil {
		return err
	}
	defer s.forget()
	return database.Normalize(s.db.Bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := s.useSecondFactor(ctx, tx, u, code); err != nil {
			return err
		}
		res, err := tx.NewUpdate().Model((*Session)(nil)).Set("awaiting_second_factor = false").Set("second_factor = true").
			Set("expires_at = ?", s.now().Add(s.set.SessionTTL)).
			Where("id = ? AND awaiting_second_factor AND revoked_at IS NULL", sess.ID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrSessionInvalid
		}
		return s.clearFailures(ctx, tx, u.Email)
	}))
}

// keyFor is the authenticator's key for a base32 secret.
func keyFor(email, secret string) (*otp.Key, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return nil, err
	}
	return totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: email, Period: totpPeriod,
		Secret: raw, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// BeginTwoFactor makes a new secret for the person to scan; it becomes
// theirs once they type a code from it (EnableTwoFactor). Beginning again
// replaces it.
func (s *Service) BeginTwoFactor(ctx context.Context, userID uuid.UUID) (*otp.Key, error) {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.TwoFactor() {
		return nil, ErrTwoFactorOn
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: u.Email, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, err
	}
	_, err = s.db.Bun.NewUpdate().Model((*User)(nil)).Set("totp_pending_secret = ?", key.Secret()).
		Set("updated_at = ?", s.now()).Where("id = ?", userID).Exec(ctx)
	return key, database.Normalize(err)
}

// PendingTwoFactor is the key being set up, or nil.
func (s *Service) PendingTwoFactor(u *User) *otp.Key {
	if u.TOTPPending == "" || u.TwoFactor() {
		return nil
	}
	key, err := keyFor(u.Email, u.TOTPPending)
	if err != nil {
		return nil
	}
	return key
}

// EnableTwoFactor turns two-factor sign-in on with the pending secret once
// code proves the authenticator has it, marks the current session
// two-factor, and returns the recovery codes, shown this once.
func (s *Service) EnableTwoFactor(ctx context.Context, userID, sessionID uuid.UUID, code string, client Client) ([]string, error) {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.TwoFactor() {
		return nil, ErrTwoFactorOn
	}
	if err := s.attempt(ctx, u.Email, client.IP); err != nil {
		return nil, err
	}
	step := matchStep(u.TOTPPending, code, s.now())
	if step == 0 {
		return nil, ErrTwoFactorCode
	}
	defer s.forget()
	var codes []string
	err = s.db.Bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*User)(nil)).Set("totp_secret = totp_pending_secret").Set("totp_pending_secret = NULL").
			Set("totp_last_step = ?", step).Set("updated_at = ?", s.now()).
			Where("id = ? AND totp_pending_secret = ? AND totp_secret IS NULL", userID, u.TOTPPending).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrTwoFactorCode
		}
		if codes, err = s.newRecoveryCodes(ctx, tx, userID); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model((*Session)(nil)).Set("second_factor = true").Where("id = ?", sessionID).Exec(ctx); err != nil {
			return err
		}
		return s.clearFailures(ctx, tx, u.Email)
	})
	return codes, database.Normalize(err)
}

// newRecoveryCodes replaces the person's recovery codes.
func (s *Service) newRecoveryCodes(ctx context.Context, tx bun.IDB, userID uuid.UUID) ([]string, error) {
	if _, err := tx.NewDelete().Model((*recoveryCode)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return nil, err
	}
	codes := make([]string, recoveryCodes)
	rows := make([]recoveryCode, recoveryCodes)
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	for i := range codes {
		b := make([]byte, 7)
		_, _ = rand.Read(b)
		c := strings.ToLower(enc.EncodeToString(b))[:10] // 50 random bits
		codes[i] = c[:5] + "-" + c[5:]
		rows[i] = recoveryCode{ID: newID(), UserID: userID, CodeHash: hashToken(c), CreatedAt: s.now()}
	}
	_, err := tx.NewInsert().Model(&rows).Exec(ctx)
	return codes, err
}

// RecoveryCodesLeft counts the person's unused recovery codes.
func (s *Service) RecoveryCodesLeft(ctx context.Context, userID uuid.UUID) (int, error) {
	n, err := s.db.Reader().NewSelect().Model((*recoveryCode)(nil)).Where("user_id = ? AND used_at IS NULL", userID).Count(ctx)
	return int(n), database.Normalize(err)
}

// DisableTwoFactor turns two-factor sign-in off, after the current
// password (counted like a sign-in). Refused where it is required.
func (s *Service) DisableTwoFactor(ctx context.Context, userID uuid.UUID, password string, client Client) error {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if required, err := s.TwoFactorRequired(ctx, u); err != nil {
		return err
	} else if required {
		return ErrTwoFactorRequired
	}
	if err := s.attempt(ctx, u.Email, client.IP); err != nil {
		return err
	}
	if len(password) > 1024 || !checkPassword(password, u.PasswordHash) {
		return ErrWrongPassword
	}
	defer s.forget()
	return database.Normalize(s.db.Bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewUpdate().Model((*User)(nil)).Set("totp_secret = NULL").Set("totp_pending_secret = NULL").
			Set("updated_at = ?", s.now()).Where("id = ?", userID).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*recoveryCode)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
			return err
		}
		return s.clearFailures(ctx, tx, u.Email)
	}))
}

// TwoFactorRequired: platform admins must sign in with two factors, and so
// must the staff of a company whose managers require it.
func (s *Service) TwoFactorRequired(ctx context.Context, u *User) (bool, error) {
	if u.PlatformAdmin {
		return true, nil
	}
	var n int64
	err := s.db.ReadPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		n, err = tx.NewSelect().TableExpr("memberships AS m").Join("JOIN tenants AS t ON t.id = m.tenant_id").
			Where("m.user_id = ? AND m.disabled_at IS NULL AND t.require_two_factor", u.ID).Count(ctx)
		return err
	})
	return n > 0, err
}

// SetTenantTwoFactor sets whether the company requires two-factor sign-in.
// A manager turning it on must be signed in with two factors, so that the
// rule never shuts out the one who set it.
func (s *Service) SetTenantTwoFactor(ctx context.Context, tenantID uuid.UUID, sess *Session, on bool) error {
	if on && !sess.SecondFactor {
		return ErrTwoFactorRequired
	}
	_, err := s.db.Bun.NewUpdate().Table("tenants").Set("require_two_factor = ?", on).Set("updated_at = ?", s.now()).
		Where("id = ?", tenantID).Exec(ctx)
	return database.Normalize(err)
}
