package account

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/mail"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Translate renders a message of the translation files in a language; the
// server supplies it so that emails speak the recipient's language.
type Translate func(lang, id string, data map[string]any) string

// SetTranslate installs the translator used for emails.
func (s *Service) SetTranslate(t Translate) { s.tr = t }

func (s *Service) t(lang, id string, data map[string]any) string {
	if s.tr == nil {
		return id
	}
	return s.tr(lang, id, data)
}

// InviteRequest names the person to invite and what they will be allowed.
type InviteRequest struct {
	Email     string
	Name      string
	Access    Access
	InvitedBy *uuid.UUID
	Lang      string
}

// Invite records an invitation, emails its link and returns the link too
// (the console shows it, for companies whose mail is slow).
func (s *Service) Invite(ctx context.Context, t *tenant.Tenant, req InviteRequest) (*Invitation, string, error) {
	var inv *Invitation
	var link string
	err := s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		inv, link, err = s.invite(ctx, tx, t, req)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return inv, link, s.sendInvitation(ctx, t, inv, link, req.Lang)
}

func (s *Service) invite(ctx context.Context, tx bun.IDB, t *tenant.Tenant, req InviteRequest) (*Invitation, string, error) {
	email, err := NormalizeEmail(req.Email)
	if err != nil {
		return nil, "", err
	}
	name, err := validName(req.Name)
	if err != nil {
		return nil, "", err
	}
	a, err := s.validateAccess(ctx, tx, t.ID, req.Access)
	if err != nil {
		return nil, "", err
	}
	if req.InvitedBy != nil {
		// A company founded by sign-up invites nobody in the name of an
		// address its founder has not shown to be theirs.
		n, err := tx.NewSelect().Model((*User)(nil)).Where("id = ? AND email_unconfirmed", *req.InvitedBy).Count(ctx)
		if err != nil {
			return nil, "", err
		}
		if n > 0 {
			return nil, "", ErrEmailUnconfirmed
		}
	}
	n, err := tx.NewSelect().TableExpr("memberships AS m").Join("JOIN users AS u ON u.id = m.user_id").
		Where("m.tenant_id = ? AND u.email = ? AND m.disabled_at IS NULL", t.ID, email).Count(ctx)
	if err != nil {
		return nil, "", err
	}
	if n > 0 {
		return nil, "", ErrAlreadyMember
	}
	now := s.now()
	// A new invitation to the same address replaces the pending one.
	if _, err := tx.NewUpdate().Model((*Invitation)(nil)).Set("revoked_at = ?", now).
		Where("tenant_id = ? AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL", t.ID, email).Exec(ctx); err != nil {
		return nil, "", err
	}
	if err := s.checkSeats(ctx, tx, t.ID, 1, true); err != nil {
		return nil, "", err
	}
	token, hash := newToken()
	ids := make([]string, len(a.EstateIDs))
	for i, id := range a.EstateIDs {
		ids[i] = id.String()
	}
	inv := &Invitation{TenantID: t.ID, ID: newID(), Email: email, Name: name, RolesText: strings.Join(a.Roles, ","),
		EstatesText: strings.Join(ids, ","), TokenHash: hash, InvitedBy: req.InvitedBy, CreatedAt: now, ExpiresAt: now.Add(s.set.InvitationTTL)}
	if _, err := tx.NewInsert().Model(inv).Exec(ctx); err != nil {
		return nil, "", err
	}
	return inv, s.set.BaseURL + "/invite/" + token, nil
}

// sendInvitation mails the link, saying who invites the person, to which
// company and in which roles: an unexpected invitation should be easy to
// recognise, or to question.
func (s *Service) sendInvitation(ctx context.Context, t *tenant.Tenant, inv *Invitation, link, lang string) error {
	roles := inv.Roles()
	for i, r := range roles {
		roles[i] = s.t(lang, "role."+r, nil)
	}
	inviter := ""
	if inv.InvitedBy != nil {
		if u, err := s.UserByID(ctx, *inv.InvitedBy); err == nil {
			inviter = u.DisplayName()
		}
	}
	data := map[string]any{"Company": t.Name, "Link": link, "Days": int(s.set.InvitationTTL.Hours() / 24),
		"Roles": strings.Join(roles, s.t(lang, "punct.list_sep", nil)), "Inviter": inviter}
	err := s.mail.Send(ctx, mail.Message{To: inv.Email, Subject: s.t(lang, "mail.invite.subject", data), Body: s.t(lang, "mail.invite.body", data)})
	if err != nil {
		// The invitation stands and its link is shown to the inviter; a
		// failed email is worth a log line, not a failed request.
		s.log.ErrorContext(ctx, "invitation email failed", "err", err, "invitation_id", inv.ID)
	}
	return nil
}

func resetMessageData(link string, ttl time.Duration) map[string]any {
	return map[string]any{"Link": link, "Minutes": int(ttl.Minutes())}
}

// Invitations lists the tenant's pending invitations, newest first.
func (s *Service) Invitations(ctx context.Context, tenantID uuid.UUID) ([]Invitation, error) {
	var out []Invitation
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&out).Where("tenant_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?", tenantID, s.now()).
			OrderExpr("created_at DESC").Limit(1000).Scan(ctx)
	})
	return out, err
}

// RevokeInvitation withdraws a pending invitation.
func (s *Service) RevokeInvitation(ctx context.Context, tenantID, id uuid.UUID) error {
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*Invitation)(nil)).Set("revoked_at = ?", s.now()).
			Where("tenant_id = ? AND id = ? AND accepted_at IS NULL AND revoked_at IS NULL", tenantID, id).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return database.ErrNotFound
		}
		return nil
	})
}

// InvitationByToken shows an invitation to the person holding its link.
func (s *Service) InvitationByToken(ctx context.Context, token string) (*Invitation, *tenant.Tenant, error) {
	inv := new(Invitation)
	var t *tenant.Tenant
	err := s.db.ReadPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewSelect().Model(inv).Where("token_hash = ?", hashToken(token)).Scan(ctx)
		if err != nil {
			return err
		}
		t, err = tenant.ByID(ctx, tx, inv.TenantID)
		return err
	})
	if errors.Is(err, database.ErrNotFound) || (err == nil && !inv.Pending(s.now())) {
		return nil, nil, ErrInvitationInvalid
	}
	return inv, t, err
}

// AcceptInvitation makes the holder of the link a member. A new person sets
// name and password; a person who already has an account proves it with
// their password. Returns the user, ready for a session.
func (s *Service) AcceptInvitation(ctx context.Context, token, name, password string) (*User, *tenant.Tenant, error) {
	inv, t, err := s.InvitationByToken(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	existing, err := s.UserByEmail(ctx, inv.Email)
	var hash string
	switch {
	case err == nil:
		if !checkPassword(password, existing.PasswordHash) {
			return nil, nil, ErrInvalidCredentials
		}
	case errors.Is(err, database.ErrNotFound):
		if err := ValidPassword(password); err != nil {
			return nil, nil, err
		}
		if hash, err = HashPassword(password); err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, err
	}
	var u *User
	err = s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*Invitation)(nil)).Set("accepted_at = ?", s.now()).
			Where("tenant_id = ? AND id = ? AND accepted_at IS NULL AND revoked_at IS NULL", t.ID, inv.ID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrInvitationInvalid
		}
		if existing != nil {
			u = existing
		} else {
			if name == "" {
				name = inv.Name
			}
			if u, err = s.createUserWithHash(ctx, tx, inv.Email, name, hash, false); err != nil {
				return err
			}
		}
		return s.addMember(ctx, tx, t.ID, u.ID, Access{Roles: inv.Roles(), EstateIDs: inv.EstateIDs()})
	})
	if err != nil {
		return nil, nil, err
	}
	return u, t, nil
}

// OpenSession opens a session for a user who just proved who they are by
// other means than a password form (an accepted invitation).
func (s *Service) OpenSession(ctx context.Context, u *User, kind SessionKind, client Client) (*Session, string, error) {
	return s.openSession(ctx, u, kind, client)
}

// Onboard creates a tenant and invites its first manager, in one
// transaction (the platform console).
func (s *Service) Onboard(ctx context.Context, t *tenant.Tenant, managerEmail, managerName string, admin uuid.UUID, lang string) (string, error) {
	var inv *Invitation
	var link string
	err := s.db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tenant.Insert(ctx, tx, t); err != nil {
			return err
		}
		var err error
		inv, link, err = s.invite(ctx, tx, t, InviteRequest{Email: managerEmail, Name: managerName,
			Access: Access{Roles: []string{"manager"}}, InvitedBy: &admin})
		return err
	})
	if err != nil {
		return "", err
	}
	return link, s.sendInvitation(ctx, t, inv, link, lang)
}
