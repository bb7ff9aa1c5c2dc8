package account

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
)

// NormalizeMobile keeps the eleven digits of a mainland mobile number
// (1xx xxxx xxxx), dropping spaces, dashes and a leading +86 or 0086.
func NormalizeMobile(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '+' || r == '　':
		default:
			return "", ErrInvalidMobile
		}
	}
	d := b.String()
	if strings.HasPrefix(d, "0086") {
		d = d[4:]
	} else if strings.HasPrefix(d, "86") && len(d) == 13 {
		d = d[2:]
	}
	if len(d) != 11 || d[0] != '1' {
		return "", ErrInvalidMobile
	}
	return d, nil
}

// loginEmail turns what was typed in the sign-in form's first field into
// the account's email: an email stays as it is; a mobile number that
// belongs to someone becomes their email, so the failure counts and the
// lock are per person whichever they typed.
func (s *Service) loginEmail(ctx context.Context, login string) string {
	if strings.Contains(login, "@") {
		return login
	}
	mobile, err := NormalizeMobile(login)
	if err != nil {
		return login
	}
	var email string
	if err := s.db.Reader().NewSelect().Model((*User)(nil)).Column("email").Where("phone = ?", mobile).Scan(ctx, &email); err != nil {
		return login
	}
	return email
}

// SetMobile sets (or with "" clears) the mobile number the user may sign
// in with. One number belongs to one person.
func (s *Service) SetMobile(ctx context.Context, userID uuid.UUID, mobile string) (string, error) {
	if strings.TrimSpace(mobile) != "" {
		var err error
		if mobile, err = NormalizeMobile(mobile); err != nil {
			return "", err
		}
	} else {
		mobile = ""
	}
	defer s.forget()
	_, err := s.db.Bun.NewUpdate().Model((*User)(nil)).Set("phone = NULLIF(?, '')", mobile).Set("updated_at = ?", s.now()).
		Where("id = ?", userID).Exec(ctx)
	if err = database.Normalize(err); errors.Is(err, database.ErrConflict) {
		return "", ErrMobileTaken
	}
	return mobile, err
}

// ChangePassword sets a new password for a signed-in user who knows the
// current one, and ends their other sessions (the one in use, keep, stays).
// Wrong current passwords count like failed sign-ins, so a borrowed session
// cannot try passwords without limit.
func (s *Service) ChangePassword(ctx context.Context, userID, keep uuid.UUID, current, next string, client Client) error {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if err := s.checkThrottle(ctx, u.Email, client.IP); err != nil {
		return err
	}
	if len(current) > 1024 || !checkPassword(current, u.PasswordHash) {
		f := &loginFailure{ID: newID(), Email: u.Email, IP: client.IP, CreatedAt: s.now()}
		if _, err := s.db.Bun.NewInsert().Model(f).Exec(ctx); err != nil {
			return database.Normalize(err)
		}
		return ErrWrongPassword
	}
	if err := ValidPassword(next); err != nil {
		return err
	}
	hash, err := HashPassword(next)
	if err != nil {
		return err
	}
	return database.Normalize(s.db.Bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewUpdate().Model((*User)(nil)).Set("password_hash = ?", hash).Set("updated_at = ?", s.now()).
			Where("id = ?", userID).Exec(ctx); err != nil {
			return err
		}
		return s.revokeOthers(ctx, tx, userID, keep)
	}))
}
