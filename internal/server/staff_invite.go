package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/database"
)

type accessInput struct {
	Email     string   `json:"email" form:"email"`
	Name      string   `json:"name" form:"name"`
	Roles     []string `json:"roles" form:"roles"`
	EstateIDs []string `json:"estate_ids" form:"estate_ids"`
}

func (in accessInput) access() (account.Access, error) {
	a := account.Access{Roles: in.Roles}
	for _, s := range in.EstateIDs {
		id, err := uuid.Parse(s)
		if err != nil {
			return a, account.ErrUnknownEstate
		}
		a.EstateIDs = append(a.EstateIDs, id)
	}
	return a, nil
}

// staffInvite invites a person by email with roles and estates.
func (s *Server) staffInvite(c *fiber.Ctx) error {
	var in accessInput
	if err := parse(c, &in); err != nil {
		return err
	}
	a, err := in.access()
	if err != nil {
		return err
	}
	by := userOf(c).ID
	inv, link, err := s.Accounts.Invite(c.UserContext(), tenantOf(c), account.InviteRequest{
		Email: in.Email, Name: in.Name, Access: a, InvitedBy: &by, Lang: langOf(c),
	})
	if err != nil {
		return err
	}
	if isAPI(c) {
		return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": inv.ID, "email": inv.Email, "roles": inv.Roles(),
			"estate_ids": inv.EstateIDs(), "expires_at": inv.ExpiresAt, "link": link})
	}
	s.flash(c, "staff.invited", map[string]any{"Email": inv.Email, "Link": link})
	return c.Redirect(tenantPath(c, "/staff"), fiber.StatusSeeOther)
}

func pathUUID(c *fiber.Ctx, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Params(name))
	if err != nil {
		return uuid.Nil, database.ErrNotFound
	}
	return id, nil
}
