package account

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/mail"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Founder is the person who signs a company up: its first manager.
type Founder struct {
	Email    string
	Name     string
	Mobile   string
	Password string
}

// Founding is a founder checked and ready to be written: their password
// hashed (or proved, for a person who already has an account) before any
// transaction opens, since the hash takes a noticeable time.
type Founding struct {
	f        Founder
	existing *User
	hash     string
	mobile   string
}

// PrepareFounder validates a founder. One person may found several
// companies: an address that already has an account must come with that
// account's password.
func (s *Service) PrepareFounder(ctx context.Context, f Founder) (*Founding, error) {
	email, err := NormalizeEmail(f.Email)
	if err != nil {
		return nil, err
	}
	f.Email = email
	if f.Name, err = validName(f.Name); err != nil {
		return nil, err
	}
	if f.Name == "" {
		return nil, ErrInvalidName
	}
	out := &Founding{f: f}
	if f.Mobile != "" {
		if out.mobile, err = NormalizeMobile(f.Mobile); err != nil {
			return nil, err
		}
	}
	existing, err := s.UserByEmail(ctx, email)
	switch {
	case err == nil:
		if existing.DisabledAt != nil || !checkPassword(f.Password, existing.PasswordHash) {
			return nil, ErrInvalidCredentials
		}
		out.existing = existing
	case errors.Is(err, database.ErrNotFound):
		if err := ValidPassword(f.Password); err != nil {
			return nil, err
		}
		if out.hash, err = HashPassword(f.Password); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	return out, nil
}

// Found makes the founder the first manager of the new tenant t, inside the
// caller's platform transaction (the tenant is inserted in it too), and
// returns the user and, for a new address, the confirmation link to mail
// once the transaction commits.
func (s *Service) Found(ctx context.Context, tx bun.Tx, t *tenant.Tenant, fd *Founding) (*User, string, error) {
	u := fd.existing
	link := ""
	if u == nil {
		var err error
		if u, err = s.createUserWithHash(ctx, tx, fd.f.Email, fd.f.Name, fd.hash, false); err != nil {
			return nil, "", err
		}
		if _, err := tx.NewUpdate().Model(u).Set("email_unconfirmed = true").WherePK().Exec(ctx); err != nil {
			return nil, "", err
		}
		u.EmailUnconfirmed = true
		if fd.mobile != "" {
			_, err := tx.NewUpdate().Model(u).Set("phone = ?", fd.mobile).WherePK().Exec(ctx)
			if err = database.Normalize(err); errors.Is(err, database.ErrConflict) {
				return nil, "", ErrMobileTaken
			} else if err != nil {
				return nil, "", err
			}
			u.Phone = fd.mobile
		}
		if link, err = s.newConfirmation(ctx, tx, u); err != nil {
			return nil, "", err
		}
	}
	if err := s.addMember(ctx, tx, t.ID, u.ID, Access{Roles: []string{"manager"}}); err != nil {
		return nil, "", err
	}
	return u, link, nil
}

// emailConfirmation is one link that proves an address.
type emailConfirmation struct {
	bun.BaseModel `bun:"table:email_confirmations"`

	TokenHash string     `bun:"token_hash,pk"`
	UserID    uuid.UUID  `bun:"user_id,type:uuid"`
	Email     string     `bun:"email,notnull"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	ExpiresAt time.Time  `bun:"expires_at,notnull"`
	UsedAt    *time.Time `bun:"used_at"`
}

// confirmTTL: a confirmation link lasts as long as an invitation.
func (s *Service) confirmTTL() time.Duration { return s.set.InvitationTTL }

func (s *Service) newConfirmation(ctx context.Context, db bun.IDB, u *User) (string, error) {
	token, hash := newToken()
	now := s.now()
	c := &emailConfirmation{TokenHash: hash, UserID: u.ID, Email: u.Email, CreatedAt: now, ExpiresAt: now.Add(s.confirmTTL())}
	if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
		return "", database.Normalize(err)
	}
	return s.set.BaseURL + "/confirm/" + token, nil
}

// SendConfirmation mails the link that confirms u's address. A failed
// email is logged: the banner offers to send it again.
func (s *Service) SendConfirmation(ctx context.Context, u *User, link, lang string) {
	data := map[string]any{"Link": link, "Days": int(s.confirmTTL().Hours() / 24), "Name": u.DisplayName()}
	err := s.mail.Send(ctx, mail.Message{To: u.Email, Subject: s.t(lang, "mail.confirm.subject", data), Body: s.t(lang, "mail.confirm.body", data)})
	if err != nil {
		s.log.ErrorContext(ctx, "confirmation email failed", "err", err, "user_id", u.ID)
	}
}

// ResendConfirmation issues a new link for a user whose address is still
// unconfirmed; for anyone else it does nothing.
func (s *Service) ResendConfirmation(ctx context.Context, u *User, lang string) error {
	if !u.EmailUnconfirmed {
		return nil
	}
	link, err := s.newConfirmation(ctx, s.db.Bun, u)
	if err != nil {
		return err
	}
	s.SendConfirmation(ctx, u, link, lang)
	return nil
}

// ConfirmEmail uses a confirmation link. The link must be unused, unexpired
// and for the address the user still has.
func (s *Service) ConfirmEmail(ctx context.Context, token string) (*User, error) {
	if token == "" || len(token) > 100 {
		return nil, ErrConfirmInvalid
	}
	defer s.forget()
	var u *User
	err := s.db.Bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		c := new(emailConfirmation)
		err := tx.NewSelect().Model(c).Where("token_hash = ?", hashToken(token)).Scan(ctx)
		if err = database.Normalize(err); errors.Is(err, database.ErrNotFound) {
			return ErrConfirmInvalid
		} else if err != nil {
			return err
		}
		if c.UsedAt != nil || !s.now().Before(c.ExpiresAt) {
			return ErrConfirmInvalid
		}
		u = new(User)
		if err := tx.NewSelect().Model(u).Where("id = ?", c.UserID).Scan(ctx); err != nil {
			return database.Normalize(err)
		}
		if u.Email != c.Email {
			return ErrConfirmInvalid
		}
		now := s.now()
		if _, err := tx.NewUpdate().Model(c).Set("used_at = ?", now).WherePK().Exec(ctx); err != nil {
			return err
		}
		_, err = tx.NewUpdate().Model(u).Set("email_unconfirmed = false").Set("updated_at = ?", now).WherePK().Exec(ctx)
		u.EmailUnconfirmed = false
		return err
	})
	return u, err
}

// signupAttempt is one sign-up from a client address.
type signupAttempt struct {
	bun.BaseModel `bun:"table:signup_attempts"`

	ID        uuid.UUID `bun:"id,pk,type:uuid"`
	IP        string    `bun:"ip,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// CountSignup records a sign-up attempt from ip and refuses it past
// maxPerAddress within the sign-in window. As with sign-ins, the attempt is
// written before the count is read, so racing attempts see each other.
func (s *Service) CountSignup(ctx context.Context, ip string, maxPerAddress int) error {
	if maxPerAddress <= 0 || ip == "" {
		return nil
	}
	a := &signupAttempt{ID: newID(), IP: ip, CreatedAt: s.now()}
	if _, err := s.db.Bun.NewInsert().Model(a).Exec(ctx); err != nil {
		return database.Normalize(err)
	}
	var rows []signupAttempt
	err := s.db.Reader().NewSelect().Model(&rows).Column("created_at").
		Where("ip = ? AND created_at > ?", ip, s.now().Add(-s.set.LoginWindow)).OrderExpr("created_at ASC").Scan(ctx)
	if err != nil {
		return database.Normalize(err)
	}
	if len(rows) > maxPerAddress {
		if _, err := s.db.Bun.NewDelete().Model(a).WherePK().Exec(ctx); err != nil {
			return database.Normalize(err)
		}
		retry := max(rows[0].CreatedAt.Add(s.set.LoginWindow).Sub(s.now()), time.Second)
		return &SignupThrottledError{RetryAfter: retry}
	}
	return nil
}
