package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/cache"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/mail"
	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Settings are the account rules taken from the configuration.
type Settings struct {
	BaseURL            string
	SessionTTL         time.Duration
	APITokenTTL        time.Duration
	LoginWindow        time.Duration
	LoginMaxPerAccount int
	LoginMaxPerAddress int
	PasswordResetTTL   time.Duration
	InvitationTTL      time.Duration
	SessionCacheTTL    time.Duration
	Limits             tenant.PlanLimits
}

// Service is the use cases of people and access.
type Service struct {
	db   *database.DB
	set  Settings
	mail mail.Sender
	log  *slog.Logger
	tr   Translate
	now  func() time.Time
	// recent remembers authenticated sessions for Settings.SessionCacheTTL,
	// sparing the database a lookup on every request. Anything that ends or
	// changes a session on this replica purges it; other replicas notice
	// within the TTL.
	recent *cache.TTL[string, Session]
}

// NewService wires the account service.
func NewService(db *database.DB, set Settings, sender mail.Sender, log *slog.Logger) *Service {
	s := &Service{db: db, set: set, mail: sender, log: log, now: func() time.Time { return time.Now().UTC() }}
	s.recent = cache.New[string, Session](10_000, set.SessionCacheTTL)
	db.OnInvalidate(s.recent.Purge)
	return s
}

// SetClock replaces the clock, for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// CreateUser registers a person with a password (the `admin create` command
// and the demo). An existing email is ErrEmailTaken.
func (s *Service) CreateUser(ctx context.Context, email, name, password string, platformAdmin bool) (*User, error) {
	if err := ValidPassword(password); err != nil {
		return nil, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	return s.createUserWithHash(ctx, s.db.Bun, email, name, hash, platformAdmin)
}

func (s *Service) createUserWithHash(ctx context.Context, db bun.IDB, email, name, hash string, platformAdmin bool) (*User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if name, err = validName(name); err != nil {
		return nil, err
	}
	now := s.now()
	u := &User{ID: newID(), Email: email, Name: name, PasswordHash: hash, PlatformAdmin: platformAdmin, CreatedAt: now, UpdatedAt: now}
	_, err = db.NewInsert().Model(u).Exec(ctx)
	if err = database.Normalize(err); errors.Is(err, database.ErrConflict) {
		return nil, ErrEmailTaken
	}
	return u, err
}

// EnsureUser returns the user with email, creating it if absent with the
// hash hashFn returns; an existing user keeps their password. The demo uses
// it with one hash for every account, so a start hashes at most once.
func (s *Service) EnsureUser(ctx context.Context, email, name string, hashFn func() (string, error), platformAdmin bool) (*User, error) {
	u, err := s.UserByEmail(ctx, email)
	if err == nil || !errors.Is(err, database.ErrNotFound) {
		return u, err
	}
	hash, err := hashFn()
	if err != nil {
		return nil, err
	}
	return s.createUserWithHash(ctx, s.db.Bun, email, name, hash, platformAdmin)
}

// UserByEmail finds a user by address.
func (s *Service) UserByEmail(ctx context.Context, email string) (*User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, database.ErrNotFound
	}
	u := new(User)
	if err := s.db.Reader().NewSelect().Model(u).Where("email = ?", email).Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	return u, nil
}

// UserByID finds a user.
func (s *Service) UserByID(ctx context.Context, id uuid.UUID) (*User, error) {
	u := new(User)
	if err := s.db.Reader().NewSelect().Model(u).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	return u, nil
}

// SetLocale remembers the person's language.
func (s *Service) SetLocale(ctx context.Context, userID uuid.UUID, locale string) error {
	defer s.forget()
	_, err := s.db.Bun.NewUpdate().Model((*User)(nil)).Set("locale = ?", locale).Set("updated_at = ?", s.now()).
		Where("id = ?", userID).Exec(ctx)
	return database.Normalize(err)
}

// Client describes where a sign-in comes from.
type Client struct {
	IP        string
	UserAgent string
}

// Credentials are what a person types to sign in: Code is the two-factor
// code or a recovery code, when they have it on.
type Credentials struct {
	Email, Password, Code string
}

// SignIn checks a password and opens a session of the given kind, returning
// the secret token to hand to the client. Attempts are counted per account
// and per address; past the limits it answers *ThrottledError without
// checking the password at all.
//
// With two-factor sign-in on, a browser's session waits for the code
// (ConfirmSecondFactor) unless it came with the password; an API token is
// made only with the code. Failures are then cleared only by the code:
// the password alone must not buy more tries at the code.
func (s *Service) SignIn(ctx context.Context, in Credentials, client Client, kind SessionKind) (*Session, string, error) {
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if len(email) > 254 || len(in.Password) > 1024 {
		return nil, "", ErrInvalidCredentials
	}
	email = s.loginEmail(ctx, email)
	if err := s.attempt(ctx, email, client.IP); err != nil {
		return nil, "", err
	}
	u := new(User)
	err := database.Normalize(s.db.Reader().NewSelect().Model(u).Where("email = ?", email).Scan(ctx))
	if err != nil && !errors.Is(err, database.ErrNotFound) {
		return nil, "", err
	}
	if !checkPassword(in.Password, u.PasswordHash) || err != nil || u.DisabledAt != nil {
		return nil, "", ErrInvalidCredentials
	}
	second, awaiting := false, false
	switch {
	case u.TwoFactor() && in.Code != "":
		if err := s.useSecondFactor(ctx, s.db.Bun, u, in.Code); err != nil {
			return nil, "", err
		}
		second = true
	case u.TwoFactor() && kind == KindAPI:
		return nil, "", ErrTwoFactorCodeRequired
	case u.TwoFactor():
		awaiting = true
	}
	if !awaiting {
		if err := s.clearFailures(ctx, s.db.Bun, email); err != nil {
			return nil, "", err
		}
	}
	sess, token, err := s.openSession(ctx, u, kind, client, func(sess *Session) {
		sess.SecondFactor, sess.AwaitingSecondFactor = second, awaiting
		if awaiting {
			sess.ExpiresAt = sess.CreatedAt.Add(pendingSessionTTL)
		}
	})
	if err != nil {
		return nil, "", err
	}
	sess.User = u
	return sess, token, nil
}

// attempt counts a try at a secret of the account's (password, code)
// before it is checked, and refuses it past the limits. The row is written
// before the count is read, so concurrent attempts see each other: of any
// number racing, at most the limit get as far as the check. It stays as a
// failure until a success clears the account's.
func (s *Service) attempt(ctx context.Context, email, ip string) error {
	row := &loginFailure{ID: newID(), Email: email, IP: ip, CreatedAt: s.now()}
	if _, err := s.db.Bun.NewInsert().Model(row).Exec(ctx); err != nil {
		return database.Normalize(err)
	}
	if err := s.checkThrottle(ctx, email, ip); err != nil {
		// A refused attempt does not count: the lock ends a window after
		// the failures whose secrets were checked, however often one
		// knocks meanwhile.
		if _, derr := s.db.Bun.NewDelete().Model(row).WherePK().Exec(ctx); derr != nil {
			return database.Normalize(derr)
		}
		return err
	}
	return nil
}

// clearFailures forgets an account's failed sign-ins: after the right
// password, or a new one set through a reset link.
func (s *Service) clearFailures(ctx context.Context, db bun.IDB, email string) error {
	_, err := db.NewDelete().Model((*loginFailure)(nil)).Where("email = ?", email).Exec(ctx)
	return database.Normalize(err)
}

// checkThrottle counts the attempts in the window, the caller's own
// included.
func (s *Service) checkThrottle(ctx context.Context, email, ip string) error {
	since := s.now().Add(-s.set.LoginWindow)
	count := func(col, val string) (int, time.Time, error) {
		var rows []loginFailure
		err := s.db.Reader().NewSelect().Model(&rows).Column("created_at").Where("? = ? AND created_at > ?", bun.Ident(col), val, since).
			OrderExpr("created_at ASC").Scan(ctx)
		if err != nil || len(rows) == 0 {
			return 0, time.Time{}, database.Normalize(err)
		}
		return len(rows), rows[0].CreatedAt, nil
	}
	for _, lim := range []struct {
		col, val string
		max      int
	}{{"email", email, s.set.LoginMaxPerAccount}, {"ip", ip, s.set.LoginMaxPerAddress}} {
		if lim.max <= 0 || lim.val == "" {
			continue
		}
		n, oldest, err := count(lim.col, lim.val)
		if err != nil {
			return err
		}
		if n > lim.max {
			retry := oldest.Add(s.set.LoginWindow).Sub(s.now())
			if retry < time.Second {
				retry = time.Second
			}
			return &ThrottledError{RetryAfter: retry}
		}
	}
	return nil
}

func (s *Service) openSession(ctx context.Context, u *User, kind SessionKind, client Client, adjust ...func(*Session)) (*Session, string, error) {
	token, hash := newToken()
	csrf, _ := newToken()
	ttl := s.set.SessionTTL
	if kind == KindAPI {
		ttl = s.set.APITokenTTL
	}
	now := s.now()
	ua := client.UserAgent
	if len(ua) > 300 {
		// Cut on a character: half a character is not text to PostgreSQL.
		ua = strings.ToValidUTF8(ua[:300], "")
	}
	sess := &Session{ID: newID(), TokenHash: hash, UserID: u.ID, Kind: kind, CSRFToken: csrf, UserAgent: ua, IP: client.IP,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(ttl)}
	for _, f := range adjust {
		f(sess)
	}
	if _, err := s.db.Bun.NewInsert().Model(sess).Exec(ctx); err != nil {
		return nil, "", database.Normalize(err)
	}
	return sess, token, nil
}

// touchInterval bounds how often a session's last-seen time is written.
const touchInterval = time.Minute

// Authenticate resolves a session token to its live session and user.
func (s *Service) Authenticate(ctx context.Context, token string) (*Session, error) {
	if token == "" || len(token) > 100 {
		return nil, ErrSessionInvalid
	}
	now := s.now()
	key := hashToken(token)
	if cached, ok := s.recent.Get(key); ok && now.Before(cached.ExpiresAt) {
		user := *cached.User
		cached.User = &user
		return &cached, nil
	}
	sess := new(Session)
	err := s.db.Reader().NewSelect().Model(sess).Relation("User").
		Where(`"session"."token_hash" = ?`, key).
		Where(`"session"."revoked_at" IS NULL AND "session"."expires_at" > ?`, now).
		Where(`"user"."disabled_at" IS NULL`).Scan(ctx)
	if err = database.Normalize(err); errors.Is(err, database.ErrNotFound) {
		return nil, ErrSessionInvalid
	} else if err != nil {
		return nil, err
	}
	if now.Sub(sess.LastSeenAt) > touchInterval {
		sess.LastSeenAt = now
		if _, err := s.db.Bun.NewUpdate().Model(sess).Column("last_seen_at").WherePK().Exec(ctx); err != nil {
			s.log.WarnContext(ctx, "session touch failed", "err", err)
		}
	}
	cached := *sess
	user := *sess.User
	cached.User = &user
	s.recent.Add(key, cached)
	return sess, nil
}

// forget drops remembered sessions after a revocation or a change of the
// user, here and on the other replicas; rare enough that dropping all of
// them is simpler than an index.
func (s *Service) forget() {
	s.recent.Purge()
	s.db.Invalidate(context.Background())
}

// Sessions lists the user's live sessions and tokens, newest first.
func (s *Service) Sessions(ctx context.Context, userID uuid.UUID) ([]Session, error) {
	var ss []Session
	err := s.db.Reader().NewSelect().Model(&ss).Where("user_id = ? AND revoked_at IS NULL AND expires_at > ?", userID, s.now()).
		OrderExpr("last_seen_at DESC").Limit(200).Scan(ctx)
	return ss, database.Normalize(err)
}

// RevokeSession ends one of the user's own sessions.
func (s *Service) RevokeSession(ctx context.Context, userID, sessionID uuid.UUID) error {
	defer s.forget()
	res, err := s.db.Bun.NewUpdate().Model((*Session)(nil)).Set("revoked_at = ?", s.now()).
		Where("id = ? AND user_id = ? AND revoked_at IS NULL", sessionID, userID).Exec(ctx)
	if err != nil {
		return database.Normalize(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return database.ErrNotFound
	}
	return nil
}

func (s *Service) revokeAll(ctx context.Context, db bun.IDB, userID uuid.UUID) error {
	return s.revokeOthers(ctx, db, userID, uuid.Nil)
}

// revokeOthers ends every session of the user but keep.
func (s *Service) revokeOthers(ctx context.Context, db bun.IDB, userID, keep uuid.UUID) error {
	defer s.forget()
	_, err := db.NewUpdate().Model((*Session)(nil)).Set("revoked_at = ?", s.now()).
		Where("user_id = ? AND id <> ? AND revoked_at IS NULL", userID, keep).Exec(ctx)
	return database.Normalize(err)
}

// RequestPasswordReset emails a one-time link if the address belongs to a
// user. It answers the same whether or not it does, so the form cannot be
// used to learn who has an account.
func (s *Service) RequestPasswordReset(ctx context.Context, email string, lang string) error {
	u, err := s.UserByEmail(ctx, email)
	if errors.Is(err, database.ErrNotFound) || (err == nil && u.DisabledAt != nil) {
		return nil
	}
	if err != nil {
		return err
	}
	recent, err := s.db.Reader().NewSelect().Model((*passwordReset)(nil)).
		Where("user_id = ? AND created_at > ?", u.ID, s.now().Add(-time.Hour)).Count(ctx)
	if err != nil {
		return database.Normalize(err)
	}
	if recent >= 5 {
		s.log.WarnContext(ctx, "password reset not sent: too many requests", "user_id", u.ID)
		return nil
	}
	token, hash := newToken()
	now := s.now()
	pr := &passwordReset{ID: newID(), UserID: u.ID, TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(s.set.PasswordResetTTL)}
	if _, err := s.db.Bun.NewInsert().Model(pr).Exec(ctx); err != nil {
		return database.Normalize(err)
	}
	link := s.set.BaseURL + "/password/reset/" + token
	data := resetMessageData(link, s.set.PasswordResetTTL)
	return s.mail.Send(ctx, mail.Message{To: u.Email, Subject: s.t(lang, "mail.reset.subject", data), Body: s.t(lang, "mail.reset.body", data)})
}

// CheckPasswordReset tells whether a reset link can still be used:
// ErrResetInvalid once it was used or has expired, so the page can say so
// before the new password is typed.
func (s *Service) CheckPasswordReset(ctx context.Context, token string) error {
	n, err := s.db.Reader().NewSelect().Model((*passwordReset)(nil)).
		Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", hashToken(token), s.now()).Count(ctx)
	if err != nil {
		return database.Normalize(err)
	}
	if n == 0 {
		return ErrResetInvalid
	}
	return nil
}

// ResetPassword sets a new password through a reset link, uses the link up,
// and ends every session of the user.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	if err := ValidPassword(password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		pr := new(passwordReset)
		now := s.now()
		// Claiming the link with one conditional UPDATE makes two
		// concurrent uses of it see one winner.
		_, err := tx.NewUpdate().Model(pr).Set("used_at = ?", now).
			Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", hashToken(token), now).Returning("user_id").Exec(ctx, pr)
		if err = database.Normalize(err); errors.Is(err, database.ErrNotFound) || (err == nil && pr.UserID == uuid.Nil) {
			return ErrResetInvalid
		} else if err != nil {
			return err
		}
		u := new(User)
		if _, err := tx.NewUpdate().Model(u).Set("password_hash = ?", hash).Set("updated_at = ?", now).
			Where("id = ?", pr.UserID).Returning("email").Exec(ctx, u); err != nil {
			return err
		}
		// The owner of the address proved who they are: the lock that
		// earlier failures put on the account must not keep them out.
		if err := s.clearFailures(ctx, tx, u.Email); err != nil {
			return err
		}
		return s.revokeAll(ctx, tx, pr.UserID)
	})
}

// MembershipView is one workspace a person belongs to.
type MembershipView struct {
	TenantID  uuid.UUID     `json:"tenant_id"`
	Slug      string        `json:"slug"`
	Name      string        `json:"name"`
	Status    tenant.Status `json:"status"`
	Roles     []string      `json:"roles"`
	EstateIDs []uuid.UUID   `json:"estate_ids"`
}

// Memberships lists the tenants the user is active staff of, by name.
func (s *Service) Memberships(ctx context.Context, userID uuid.UUID) ([]MembershipView, error) {
	var out []MembershipView
	err := s.db.ReadPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			TenantID uuid.UUID     `bun:"tenant_id"`
			Slug     string        `bun:"slug"`
			Name     string        `bun:"name"`
			Status   tenant.Status `bun:"status"`
		}
		err := tx.NewSelect().TableExpr("memberships AS m").Join("JOIN tenants AS t ON t.id = m.tenant_id").
			ColumnExpr("m.tenant_id, t.slug, t.name, t.status").
			Where("m.user_id = ? AND m.disabled_at IS NULL", userID).OrderExpr("t.name").Scan(ctx, &rows)
		if err != nil {
			return err
		}
		for _, r := range rows {
			roles, estates, err := memberAccess(ctx, tx, r.TenantID, userID)
			if err != nil {
				return err
			}
			out = append(out, MembershipView{TenantID: r.TenantID, Slug: r.Slug, Name: r.Name, Status: r.Status, Roles: roles, EstateIDs: estates})
		}
		return nil
	})
	return out, err
}

func memberAccess(ctx context.Context, db bun.IDB, tenantID, userID uuid.UUID) (roles []string, estates []uuid.UUID, err error) {
	err = db.NewSelect().Model((*membershipRole)(nil)).Column("role").
		Where("tenant_id = ? AND user_id = ?", tenantID, userID).OrderExpr("role").Scan(ctx, &roles)
	if err != nil {
		return nil, nil, err
	}
	err = db.NewSelect().Model((*staffEstate)(nil)).Column("estate_id").
		Where("tenant_id = ? AND user_id = ?", tenantID, userID).Scan(ctx, &estates)
	return roles, estates, err
}

// EstateIDs returns the estates a member is scoped to.
func (s *Service) EstateIDs(ctx context.Context, tenantID, userID uuid.UUID) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		_, estates, err := memberAccess(ctx, tx, tenantID, userID)
		ids = estates
		return err
	})
	return ids, err
}

// Access is what a member may do: roles and, for estate-scoped roles, estates.
type Access struct {
	Roles     []string
	EstateIDs []uuid.UUID
}

func (s *Service) validateAccess(ctx context.Context, tx bun.IDB, tenantID uuid.UUID, a Access) (Access, error) {
	if len(a.Roles) == 0 {
		return a, ErrNoRoles
	}
	roles := slices.Clone(a.Roles)
	slices.Sort(roles)
	roles = slices.Compact(roles)
	for _, r := range roles {
		if !rbac.Role(r).Valid() {
			return a, fmt.Errorf("%w: %q", ErrInvalidRole, r)
		}
	}
	estates := slices.Clone(a.EstateIDs)
	slices.SortFunc(estates, func(x, y uuid.UUID) int { return strings.Compare(x.String(), y.String()) })
	estates = slices.Compact(estates)
	n, err := estate.CountExisting(ctx, tx, tenantID, estates)
	if err != nil {
		return a, err
	}
	if n != len(estates) {
		return a, ErrUnknownEstate
	}
	return Access{Roles: roles, EstateIDs: estates}, nil
}

func (s *Service) writeAccess(ctx context.Context, tx bun.IDB, tenantID, userID uuid.UUID, a Access) error {
	if _, err := tx.NewDelete().Model((*membershipRole)(nil)).Where("tenant_id = ? AND user_id = ?", tenantID, userID).Exec(ctx); err != nil {
		return err
	}
	if _, err := tx.NewDelete().Model((*staffEstate)(nil)).Where("tenant_id = ? AND user_id = ?", tenantID, userID).Exec(ctx); err != nil {
		return err
	}
	now := s.now()
	if len(a.Roles) > 0 {
		rows := make([]membershipRole, len(a.Roles))
		for i, r := range a.Roles {
			rows[i] = membershipRole{TenantID: tenantID, UserID: userID, Role: r, CreatedAt: now}
		}
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return err
		}
	}
	if len(a.EstateIDs) > 0 {
		rows := make([]staffEstate, len(a.EstateIDs))
		for i, e := range a.EstateIDs {
			rows[i] = staffEstate{TenantID: tenantID, UserID: userID, EstateID: e}
		}
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return err
		}
	}
	return tenant.BumpRBACVersion(ctx, tx, tenantID)
}

// AddMember makes an existing user staff of the tenant with the given access
// (manifests and the demo); an existing membership has its access replaced.
func (s *Service) AddMember(ctx context.Context, tenantID, userID uuid.UUID, a Access) error {
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		return s.addMember(ctx, tx, tenantID, userID, a)
	})
}

func (s *Service) addMember(ctx context.Context, tx bun.IDB, tenantID, userID uuid.UUID, a Access) error {
	a, err := s.validateAccess(ctx, tx, tenantID, a)
	if err != nil {
		return err
	}
	if err := activeMember(ctx, tx, tenantID, userID); errors.Is(err, database.ErrNotFound) {
		if err := s.checkSeats(ctx, tx, tenantID, 1, false); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	m := &Membership{TenantID: tenantID, ID: newID(), UserID: userID, CreatedAt: s.now()}
	if _, err := tx.NewInsert().Model(m).On("CONFLICT (tenant_id, user_id) DO UPDATE").Set("disabled_at = NULL").Exec(ctx); err != nil {
		return err
	}
	return s.writeAccess(ctx, tx, tenantID, userID, a)
}

// checkSeats refuses a new member or invitation past the plan's staff
// seats. Pending invitations hold a seat, so that accepting one never fails.
func (s *Service) checkSeats(ctx context.Context, tx bun.IDB, tenantID uuid.UUID, adding int, invitation bool) error {
	t, err := tenant.ByID(ctx, tx, tenantID)
	if err != nil {
		return err
	}
	members, err := tx.NewSelect().Model((*Membership)(nil)).Where("tenant_id = ? AND disabled_at IS NULL", tenantID).Count(ctx)
	if err != nil {
		return err
	}
	pending := 0
	if invitation {
		n, err := tx.NewSelect().Model((*Invitation)(nil)).
			Where("tenant_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?", tenantID, s.now()).Count(ctx)
		if err != nil {
			return err
		}
		pending = int(n)
	}
	return s.set.Limits.Check(t.Plan, "staff", int(members)+pending+adding)
}

// SetAccess replaces a member's roles and estates. The tenant keeps at least
// one manager, so nobody can lock the company out of its own settings.
func (s *Service) SetAccess(ctx context.Context, tenantID, userID uuid.UUID, a Access) error {
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		a, err := s.validateAccess(ctx, tx, tenantID, a)
		if err != nil {
			return err
		}
		if err := activeMember(ctx, tx, tenantID, userID); err != nil {
			return err
		}
		if !slices.Contains(a.Roles, string(rbac.Manager)) {
			if err := s.keepAManager(ctx, tx, tenantID, userID); err != nil {
				return err
			}
		}
		return s.writeAccess(ctx, tx, tenantID, userID, a)
	})
}

// RemoveMember ends a person's membership; their history stays.
func (s *Service) RemoveMember(ctx context.Context, tenantID, userID uuid.UUID) error {
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := activeMember(ctx, tx, tenantID, userID); err != nil {
			return err
		}
		if err := s.keepAManager(ctx, tx, tenantID, userID); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model((*Membership)(nil)).Set("disabled_at = ?", s.now()).
			Where("tenant_id = ? AND user_id = ?", tenantID, userID).Exec(ctx); err != nil {
			return err
		}
		return s.writeAccess(ctx, tx, tenantID, userID, Access{})
	})
}

func activeMember(ctx context.Context, tx bun.IDB, tenantID, userID uuid.UUID) error {
	n, err := tx.NewSelect().Model((*Membership)(nil)).
		Where("tenant_id = ? AND user_id = ? AND disabled_at IS NULL", tenantID, userID).Count(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return database.ErrNotFound
	}
	return nil
}

// keepAManager refuses a change that would leave no manager besides userID.
func (s *Service) keepAManager(ctx context.Context, tx bun.IDB, tenantID, userID uuid.UUID) error {
	others, err := tx.NewSelect().Model((*membershipRole)(nil)).
		Where("tenant_id = ? AND role = ? AND user_id <> ?", tenantID, rbac.Manager, userID).Count(ctx)
	if err != nil {
		return err
	}
	mine, err := tx.NewSelect().Model((*membershipRole)(nil)).
		Where("tenant_id = ? AND role = ? AND user_id = ?", tenantID, rbac.Manager, userID).Count(ctx)
	if err != nil {
		return err
	}
	if mine > 0 && others == 0 {
		return ErrLastManager
	}
	return nil
}

// Member is one row of the staff list.
type Member struct {
	UserID    uuid.UUID   `json:"user_id"`
	Email     string      `json:"email"`
	Name      string      `json:"name"`
	Roles     []string    `json:"roles"`
	EstateIDs []uuid.UUID `json:"estate_ids"`
	Since     time.Time   `json:"since"`
}

// Members lists the tenant's active staff by name.
func (s *Service) Members(ctx context.Context, tenantID uuid.UUID) ([]Member, error) {
	var out []Member
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			UserID    uuid.UUID `bun:"user_id"`
			Email     string    `bun:"email"`
			Name      string    `bun:"name"`
			CreatedAt time.Time `bun:"created_at"`
		}
		err := tx.NewSelect().TableExpr("memberships AS m").Join("JOIN users AS u ON u.id = m.user_id").
			ColumnExpr("m.user_id, u.email, u.name, m.created_at").
			Where("m.tenant_id = ? AND m.disabled_at IS NULL", tenantID).OrderExpr("u.name, u.email").Limit(5000).Scan(ctx, &rows)
		if err != nil {
			return err
		}
		roles := map[uuid.UUID][]string{}
		var rr []membershipRole
		if err := tx.NewSelect().Model(&rr).Where("tenant_id = ?", tenantID).OrderExpr("role").Scan(ctx); err != nil {
			return err
		}
		for _, r := range rr {
			roles[r.UserID] = append(roles[r.UserID], r.Role)
		}
		estates := map[uuid.UUID][]uuid.UUID{}
		var se []staffEstate
		if err := tx.NewSelect().Model(&se).Where("tenant_id = ?", tenantID).Scan(ctx); err != nil {
			return err
		}
		for _, e := range se {
			estates[e.UserID] = append(estates[e.UserID], e.EstateID)
		}
		for _, r := range rows {
			out = append(out, Member{UserID: r.UserID, Email: r.Email, Name: r.Name, Roles: roles[r.UserID], EstateIDs: estates[r.UserID], Since: r.CreatedAt})
		}
		return nil
	})
	return out, err
}
